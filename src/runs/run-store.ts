// Run records in Redis: one JSON value per run and a bounded, newest-first history per function.
// A record pushed out of its function's history is deleted with it, so Redis holds at most
// `historyPerFunction` records per function (plus runs in flight), whatever the run rate; the
// TTL only cleans up after functions that stopped running. The final record of a run that a
// `POST /execute?wait=1` waits for is announced on a channel, so the waiter learns of it without
// polling.
//
// Executors write a record once, when the run ends: while it runs, its status comes from the
// BullMQ job (see LiveStatus), which saves a Redis write per run on the executor's hot path.
import type { Redis } from "ioredis";
import { redisKeys } from "../queue/keys.ts";
import type { RedisKeys } from "../queue/keys.ts";
import type { RunRecord, RunStatus } from "../run-record.ts";
import { PUSH_TO_HISTORY_LUA } from "./history-lua.ts";
import { LiveStatus } from "./live-status.ts";

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(["succeeded", "failed", "skipped"]);

export interface RunStoreOptions {
  prefix: string;
  /** Records kept per function. */
  historyPerFunction: number;
  ttlSeconds: number;
}

/**
 * KEYS[1] the record, KEYS[2] the function's history list; ARGV: record JSON, TTL in seconds,
 * history size, run id, the key prefix of records.
 */
const CREATE_SCRIPT = `
local recordKey, historyKey = KEYS[1], KEYS[2]
local json, ttl, keep, id, recordPrefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
${PUSH_TO_HISTORY_LUA}
return 1`;

type CreateCommand = (record: string, history: string, json: string, ttl: number, keep: number, id: string, recordPrefix: string) => Promise<unknown>;

export class RunStore {
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  readonly options: RunStoreOptions;
  private readonly live: LiveStatus;

  constructor(redis: Redis, options: RunStoreOptions) {
    this.redis = redis;
    this.options = options;
    this.keys = redisKeys(options.prefix);
    this.live = new LiveStatus(redis, options.prefix);
    if (!("skywalkerCreateRun" in redis)) redis.defineCommand("skywalkerCreateRun", { numberOfKeys: 2, lua: CREATE_SCRIPT });
  }

  /**
   * Stores a new record and adds it to its function's history. Not announced, even when final (a
   * skipped tick): nobody can be waiting for a run before it exists, and a waiter reads the record
   * once it listens.
   */
  async create(record: RunRecord): Promise<void> {
    const create = (this.redis as unknown as { skywalkerCreateRun: CreateCommand }).skywalkerCreateRun.bind(this.redis);
    const { historyPerFunction, ttlSeconds } = this.options;
    await create(this.keys.run(record.id), this.keys.history(record.function), JSON.stringify(record), ttlSeconds, historyPerFunction, record.id, this.keys.run(""));
  }

  /**
   * Replaces a record, unless it is gone (pushed out of its history, or expired): a run does not
   * bring back what the history bound dropped. A final record that someone waits for (`announce`:
   * the run was queued by a `?wait=1` request) is also published whole, which spares the waiter a
   * read. No other run is announced: nobody else listens, and a PUBLISH per run cost the executor
   * 3 to 4% of its throughput; a waiter that joined a run later polls for it (RunWaiter).
   */
  async update(record: RunRecord, options: { announce?: boolean } = {}): Promise<void> {
    const json = JSON.stringify(record);
    // Two commands on one connection arrive in order, and auto-pipelining sends them in one write.
    const written = this.redis.set(this.keys.run(record.id), json, "EX", this.options.ttlSeconds, "XX");
    if (options.announce !== true || !FINAL_STATUSES.has(record.status)) {
      await written;
      return;
    }
    await Promise.all([written, this.redis.publish(this.keys.runFinishedChannel, json)]);
  }

  /** The record as stored, when its status is final (no live status: for waiters). */
  async final(id: string): Promise<RunRecord | undefined> {
    const record = await this.stored(id);
    return record !== undefined && FINAL_STATUSES.has(record.status) ? record : undefined;
  }

  /** The record, with its live status while its job is in the queue. */
  async get(id: string): Promise<RunRecord | undefined> {
    const record = await this.stored(id);
    return record === undefined ? undefined : this.live.resolve(record);
  }

  /** The function's most recent runs, newest first. */
  async history(functionName: string, limit = this.options.historyPerFunction): Promise<RunRecord[]> {
    const ids = await this.redis.lrange(this.keys.history(functionName), 0, limit - 1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.keys.run(id)));
    const records = values.filter((value): value is string => value !== null).map((value) => JSON.parse(value) as RunRecord);
    return Promise.all(records.map((record) => this.live.resolve(record)));
  }

  async latest(functionName: string): Promise<RunRecord | undefined> {
    return (await this.history(functionName, 1))[0];
  }

  private async stored(id: string): Promise<RunRecord | undefined> {
    const json = await this.redis.get(this.keys.run(id));
    return json === null ? undefined : (JSON.parse(json) as RunRecord);
  }
}
