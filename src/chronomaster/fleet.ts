// What the GUI's fleet panel shows: the executors online (from their heartbeats) and the run
// queue's job counts (BullMQ), read through a queue handle on the shared connection (it only reads,
// as LiveStatus's does).
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { listExecutors } from "../executor/executor-heartbeat.ts";
import type { ExecutorInfo } from "../executor/executor-heartbeat.ts";
import { RUN_QUEUE } from "../queue/keys.ts";

export const QUEUE_STATES = ["waiting", "active", "delayed", "failed"] as const;
export type QueueCounts = Record<(typeof QUEUE_STATES)[number], number>;

export interface FleetSnapshot {
  executors: ExecutorInfo[];
  /** Null when the queue could not be read. */
  queue: QueueCounts | null;
}

export class Fleet {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly queue: Queue;

  constructor(options: { redis: Redis; prefix: string; logger: Logger }) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.queue = new Queue(RUN_QUEUE, { connection: options.redis, prefix: options.prefix });
    this.queue.on("error", (error) => options.logger.warn({ err: error }, "could not read the run queue"));
  }

  async snapshot(): Promise<FleetSnapshot> {
    const [executors, queue] = await Promise.all([
      listExecutors(this.redis, this.prefix).catch(() => []),
      this.queue.getJobCounts(...QUEUE_STATES).then(
        (counts) => Object.fromEntries(QUEUE_STATES.map((state) => [state, counts[state] ?? 0])) as QueueCounts,
        () => null,
      ),
    ]);
    return { executors, queue };
  }

  /** Closes the queue handle; the shared connection stays with its owner. */
  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
  }
}
