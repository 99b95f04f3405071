// An executor's entry in the fleet list (a Redis hash): who it is, how busy, and when it was last
// seen. Readers treat an entry older than a few beats as offline.
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { redisKeys } from "../queue/keys.ts";

export const HEARTBEAT_INTERVAL_MS = 5000;
/** An executor not seen for this long is offline. */
export const OFFLINE_AFTER_MS = 3 * HEARTBEAT_INTERVAL_MS;

export interface ExecutorInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  runsInFlight: number;
  startedAt: string;
  lastSeen: string;
}

export class ExecutorHeartbeat {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly info: ExecutorInfo;
  private timer: NodeJS.Timeout | undefined;

  constructor(redis: Redis, prefix: string, id: string, concurrency: number) {
    this.redis = redis;
    this.key = redisKeys(prefix).executors;
    const now = new Date().toISOString();
    this.info = { id, host: hostname(), pid: process.pid, concurrency, runsInFlight: 0, startedAt: now, lastSeen: now };
  }

  async start(inFlight: () => number): Promise<void> {
    const beat = async (): Promise<void> => {
      this.info.runsInFlight = inFlight();
      this.info.lastSeen = new Date().toISOString();
      await this.redis.hset(this.key, this.info.id, JSON.stringify(this.info));
    };
    await beat();
    this.timer = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(this.key, this.info.id).catch(() => undefined);
  }
}

/** Executors seen recently, newest first; stale entries are removed as they are found. */
export async function listExecutors(redis: Redis, prefix: string, now = Date.now()): Promise<ExecutorInfo[]> {
  const key = redisKeys(prefix).executors;
  const entries = Object.values(await redis.hgetall(key)).map((json) => JSON.parse(json) as ExecutorInfo);
  const stale = entries.filter((entry) => now - Date.parse(entry.lastSeen) > OFFLINE_AFTER_MS * 4);
  if (stale.length > 0) await redis.hdel(key, ...stale.map((entry) => entry.id));
  return entries.filter((entry) => now - Date.parse(entry.lastSeen) <= OFFLINE_AFTER_MS).sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
}
