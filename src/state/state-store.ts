// A function's state (`ctx.state`): a small key-value store that survives runs, so a check can
// compare with what it saw last time. Bounded: keys, values and the number of keys.
import type { Redis } from "ioredis";
import type { JsonValue } from "../../sandbox/contract.ts";

export const STATE_LIMITS = { keyLength: 200, valueBytes: 64 * 1024, keys: 1000 } as const;

export interface StateStore {
  get(functionName: string, key: string): Promise<JsonValue>;
  set(functionName: string, key: string, valueJson: string): Promise<void>;
  delete(functionName: string, key: string): Promise<void>;
}

function checkKey(key: string): void {
  if (key.length === 0 || key.length > STATE_LIMITS.keyLength) throw new Error(`ctx.state: a key must be 1 to ${STATE_LIMITS.keyLength} characters`);
}

function checkValue(key: string, valueJson: string): void {
  const bytes = Buffer.byteLength(valueJson);
  if (bytes > STATE_LIMITS.valueBytes) throw new Error(`ctx.state: the value of "${key}" is ${bytes} bytes of JSON, over the limit of ${STATE_LIMITS.valueBytes}`);
}

const tooMany = `ctx.state: a function may keep at most ${STATE_LIMITS.keys} keys; delete some first`;

/** State in Redis, one hash per function: shared by every executor, kept across restarts. */
export class RedisStateStore implements StateStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private key(functionName: string): string {
    return `${this.prefix}:state:${functionName}`;
  }

  async get(functionName: string, key: string): Promise<JsonValue> {
    checkKey(key);
    const json = await this.redis.hget(this.key(functionName), key);
    return json === null ? null : (JSON.parse(json) as JsonValue);
  }

  async set(functionName: string, key: string, valueJson: string): Promise<void> {
    checkKey(key);
    checkValue(key, valueJson);
    const hash = this.key(functionName);
    if (!(await this.redis.hexists(hash, key)) && (await this.redis.hlen(hash)) >= STATE_LIMITS.keys) throw new Error(tooMany);
    await this.redis.hset(hash, key, valueJson);
  }

  async delete(functionName: string, key: string): Promise<void> {
    checkKey(key);
    await this.redis.hdel(this.key(functionName), key);
  }
}

/** State in this process's memory: for `skywalker run`, where it lasts as long as the process. */
export class MemoryStateStore implements StateStore {
  private readonly data = new Map<string, Map<string, string>>();

  private of(functionName: string): Map<string, string> {
    let map = this.data.get(functionName);
    if (map === undefined) this.data.set(functionName, (map = new Map()));
    return map;
  }

  async get(functionName: string, key: string): Promise<JsonValue> {
    checkKey(key);
    const json = this.of(functionName).get(key);
    return json === undefined ? null : (JSON.parse(json) as JsonValue);
  }

  async set(functionName: string, key: string, valueJson: string): Promise<void> {
    checkKey(key);
    checkValue(key, valueJson);
    const map = this.of(functionName);
    if (!map.has(key) && map.size >= STATE_LIMITS.keys) throw new Error(tooMany);
    map.set(key, valueJson);
  }

  async delete(functionName: string, key: string): Promise<void> {
    checkKey(key);
    this.of(functionName).delete(key);
  }
}
