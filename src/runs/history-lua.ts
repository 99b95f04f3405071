// The Lua both record-creating scripts share: store a record and put it at the head of its
// function's history, deleting the records that fall off the tail (see RunStore).

/**
 * Expects locals `recordKey`, `historyKey`, `json`, `ttl`, `keep`, `id` and `recordPrefix`
 * (the key of run "x" is recordPrefix .. "x").
 */
export const PUSH_TO_HISTORY_LUA = `
redis.call("SET", recordKey, json, "EX", ttl)
redis.call("LPUSH", historyKey, id)
while redis.call("LLEN", historyKey) > keep do
  local dropped = redis.call("RPOP", historyKey)
  if dropped ~= id then redis.call("DEL", recordPrefix .. dropped) end
end`;
