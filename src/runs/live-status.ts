// The status of a run while its job is in the queue. The record says "queued" from the moment the
// proxy accepts the run until the executor writes how it ended; in between, the BullMQ job tells
// whether an executor has it (attempts started, since when, which executor). Read only when a
// queued record is asked for, never on the executor's hot path.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { RUN_QUEUE } from "../queue/keys.ts";
import type { RunRecord } from "../run-record.ts";

export class LiveStatus {
  private readonly redis: Redis;
  private readonly prefix: string;
  private queue: Queue | undefined;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /** `record`, shown as running when an executor works on a newer attempt than the record knows. */
  async resolve(record: RunRecord): Promise<RunRecord> {
    if (record.status !== "queued") return record;
    const job = await this.jobs().getJob(record.id);
    // A record of a retry waiting for its backoff names the attempt that failed.
    if (job === undefined || job.attemptsStarted <= record.attempt) return record;
    if ((await job.getState()) !== "active") return record;
    return {
      ...record,
      status: "running",
      attempt: job.attemptsStarted,
      startedAt: new Date(job.processedOn ?? Date.now()).toISOString(),
      ...(job.processedBy === undefined ? {} : { executorId: job.processedBy }),
    };
  }

  private jobs(): Queue {
    if (this.queue === undefined) {
      this.queue = new Queue(RUN_QUEUE, { connection: this.redis, prefix: this.prefix });
      // Connection errors are the shared connection's to report.
      this.queue.on("error", () => undefined);
    }
    return this.queue;
  }
}
