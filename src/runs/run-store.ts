// Run records in Redis: one JSON value per run (with a TTL) and a bounded, newest-first history
// per function. A record reaching a final status is announced on a channel, so that a waiting
// `POST /execute?wait=1` learns of it without polling.
import type { Redis } from "ioredis";
import { redisKeys } from "../queue/keys.ts";
import type { RedisKeys } from "../queue/keys.ts";
import type { RunRecord, RunStatus } from "../run-record.ts";

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(["succeeded", "failed", "skipped"]);

export interface RunStoreOptions {
  prefix: string;
  /** Records kept per function. */
  historyPerFunction: number;
  ttlSeconds: number;
}

export class RunStore {
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  private readonly options: RunStoreOptions;

  constructor(redis: Redis, options: RunStoreOptions) {
    this.redis = redis;
    this.options = options;
    this.keys = redisKeys(options.prefix);
  }

  /** Stores a new record and adds it to its function's history. */
  async create(record: RunRecord): Promise<void> {
    const history = this.keys.history(record.function);
    const multi = this.redis
      .multi()
      .set(this.keys.run(record.id), JSON.stringify(record), "EX", this.options.ttlSeconds)
      .lpush(history, record.id)
      .ltrim(history, 0, this.options.historyPerFunction - 1);
    if (FINAL_STATUSES.has(record.status)) multi.publish(this.keys.runFinishedChannel, record.id);
    await multi.exec();
  }

  /** Replaces a record; a final status is announced. */
  async update(record: RunRecord): Promise<void> {
    const multi = this.redis.multi().set(this.keys.run(record.id), JSON.stringify(record), "EX", this.options.ttlSeconds);
    if (FINAL_STATUSES.has(record.status)) multi.publish(this.keys.runFinishedChannel, record.id);
    await multi.exec();
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const json = await this.redis.get(this.keys.run(id));
    return json === null ? undefined : (JSON.parse(json) as RunRecord);
  }

  /** The function's most recent runs, newest first. */
  async history(functionName: string, limit = this.options.historyPerFunction): Promise<RunRecord[]> {
    const ids = await this.redis.lrange(this.keys.history(functionName), 0, limit - 1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.keys.run(id)));
    return values.filter((value): value is string => value !== null).map((value) => JSON.parse(value) as RunRecord);
  }

  async latest(functionName: string): Promise<RunRecord | undefined> {
    return (await this.history(functionName, 1))[0];
  }
}
