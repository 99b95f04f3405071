// Admits a run in one Redis round trip: claims its Idempotency-Key for its function, applies the overlap rule of
// schedule ticks, stores the queued record at the head of its function's history and remembers
// it as the function's latest run. (It used to take five or six: a tick at a time, a chronomaster
// firing a thousand functions a second waited on them.)
import type { Redis } from "ioredis";
import { PUSH_TO_HISTORY_LUA } from "../runs/history-lua.ts";
import { redisKeys } from "./keys.ts";
import type { RedisKeys } from "./keys.ts";

/**
 * KEYS: the Idempotency-Key's key for this function, the new record, the function's history, the
 * function's latest run, the function's run admitted within the last minute.
 * ARGV: run id, record JSON, record TTL, history size, key prefix of records, "1" when an
 * Idempotency-Key was given, its TTL, "1" to apply the overlap rule, key prefix of BullMQ jobs.
 *
 * A run is in progress while its BullMQ job exists and has not finished: completed jobs are
 * removed, and a failed one has a finishedOn. Its job is added right after its admission, so a
 * run just admitted, still "queued" and without a job, is in progress too: several ticks of one
 * function in one batch are admitted before any job is added. (One whose job was never added,
 * the proxy having failed in between, stops counting a minute after its admission.)
 */
const ADMIT_SCRIPT = `
local id = ARGV[1]
if ARGV[6] == "1" then
  if not redis.call("SET", KEYS[1], id, "EX", ARGV[7], "NX") then
    local existing = redis.call("GET", KEYS[1])
    return {"duplicate", existing, redis.call("GET", ARGV[5] .. existing) or ""}
  end
end
if ARGV[8] == "1" then
  local previous = redis.call("GET", KEYS[4])
  if previous then
    local job = ARGV[9] .. previous
    if redis.call("EXISTS", job) == 1 then
      if redis.call("HEXISTS", job, "finishedOn") == 0 then return {"overlap", previous} end
    elseif redis.call("GET", KEYS[5]) == previous then
      local record = redis.call("GET", ARGV[5] .. previous)
      if record and cjson.decode(record).status == "queued" then return {"overlap", previous} end
    end
  end
end
local recordKey, historyKey = KEYS[2], KEYS[3]
local json, ttl, keep, recordPrefix = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
${PUSH_TO_HISTORY_LUA}
redis.call("SET", KEYS[4], id, "EX", ttl)
redis.call("SET", KEYS[5], id, "EX", 60)
return {"queued", id}`;

/**
 * How long an Idempotency-Key keeps pointing at its run, unless its request says less (a schedule
 * tick's key is kept only while some chronomaster replica may still send that tick).
 */
export const IDEMPOTENCY_TTL_S = 24 * 3600;

type AdmitCommand = (...args: (string | number)[]) => Promise<string[]>;

export type Admission =
  | { kind: "queued" }
  /** The Idempotency-Key had started `id` already; its record's JSON, when it still has one. */
  | { kind: "duplicate"; id: string; recordJson: string | undefined }
  /** The function's run `previous` is still in progress: the key is claimed, nothing is stored. */
  | { kind: "overlap"; previous: string };

export interface AdmissionOptions {
  prefix: string;
  historyPerFunction: number;
  ttlSeconds: number;
  /** How long an Idempotency-Key is kept, in seconds, unless its request says less. */
  idempotencyTtlSeconds: number;
  /** The key of BullMQ job "x" is jobKeyPrefix + "x". */
  jobKeyPrefix: string;
}

export interface AdmitRequest {
  id: string;
  functionName: string;
  recordJson: string;
  idempotencyKey?: string;
  /** How long the Idempotency-Key is kept, in seconds; never longer than the default. @default options.idempotencyTtlSeconds */
  idempotencyTtlSeconds?: number;
  /** Refuse the run while the function's latest run is in progress. */
  checkOverlap: boolean;
}

export class RunAdmission {
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  private readonly options: AdmissionOptions;

  constructor(redis: Redis, options: AdmissionOptions) {
    this.redis = redis;
    this.options = options;
    this.keys = redisKeys(options.prefix);
    if (!("skywalkerAdmitRun" in redis)) redis.defineCommand("skywalkerAdmitRun", { numberOfKeys: 5, lua: ADMIT_SCRIPT });
  }

  async admit(request: AdmitRequest): Promise<Admission> {
    const admit = (this.redis as unknown as { skywalkerAdmitRun: AdmitCommand }).skywalkerAdmitRun.bind(this.redis);
    const { historyPerFunction, ttlSeconds, idempotencyTtlSeconds, jobKeyPrefix } = this.options;
    const key = request.idempotencyKey;
    const [kind, id, extra] = await admit(
      this.keys.idempotency(request.functionName, key ?? ""),
      this.keys.run(request.id),
      this.keys.history(request.functionName),
      this.keys.latestRun(request.functionName),
      this.keys.justAdmitted(request.functionName),
      request.id,
      request.recordJson,
      ttlSeconds,
      historyPerFunction,
      this.keys.run(""),
      key === undefined ? "" : "1",
      Math.min(request.idempotencyTtlSeconds ?? idempotencyTtlSeconds, idempotencyTtlSeconds),
      request.checkOverlap ? "1" : "",
      jobKeyPrefix,
    );
    if (kind === "duplicate") return { kind, id: id!, recordJson: extra === "" || extra === undefined ? undefined : extra };
    if (kind === "overlap") return { kind, previous: id! };
    return { kind: "queued" };
  }
}
