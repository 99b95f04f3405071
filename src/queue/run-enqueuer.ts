// Accepts a run: claims its Idempotency-Key, applies the overlap rule for schedule ticks, stores
// the queued record and adds the BullMQ job (job id = run id, so a run can never be queued
// twice). The record is written before the job: the executor only replaces it when the run
// ends, and never brings back a record that is gone.
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { JsonValue } from "../../sandbox/contract.ts";
import type { LoadedFunction } from "../functions/types.ts";
import type { RunRecord, RunStatus } from "../run-record.ts";
import type { RunStore } from "../runs/run-store.ts";
import { redisKeys } from "./keys.ts";
import type { RedisKeys } from "./keys.ts";
import type { RunJobData, RunTrigger } from "./run-job.ts";

/** How long an Idempotency-Key keeps pointing at its run. */
const IDEMPOTENCY_TTL_S = 24 * 3600;
/** First retry delay; BullMQ doubles it for each further attempt. */
const RETRY_BACKOFF_MS = 1000;

export interface EnqueueRequest {
  args?: JsonValue;
  idempotencyKey?: string;
  scheduledAt?: string | null;
  environment: string | null;
  trigger: RunTrigger;
}

export interface EnqueueResult {
  id: string;
  status: RunStatus;
  /** True when the Idempotency-Key had already started this run. */
  duplicate: boolean;
}

export class RunEnqueuer {
  private readonly queue: Queue<RunJobData>;
  private readonly store: RunStore;
  private readonly redis: Redis;
  private readonly keys: RedisKeys;

  constructor(queue: Queue<RunJobData>, store: RunStore, redis: Redis, prefix: string) {
    this.queue = queue;
    this.store = store;
    this.redis = redis;
    this.keys = redisKeys(prefix);
  }

  async enqueue(fn: LoadedFunction, request: EnqueueRequest): Promise<EnqueueResult> {
    const id = randomUUID();
    if (request.idempotencyKey !== undefined) {
      const key = this.keys.idempotency(request.idempotencyKey);
      const claimed = await this.redis.set(key, id, "EX", IDEMPOTENCY_TTL_S, "NX");
      if (claimed === null) {
        const existing = (await this.redis.get(key)) ?? id;
        const record = await this.store.get(existing);
        return { id: existing, status: record?.status ?? "queued", duplicate: true };
      }
    }
    const record = newRecord(id, fn, request);
    if (request.trigger === "schedule" && fn.overlap === "skip") {
      const previous = await this.runInProgress(fn.name);
      if (previous !== undefined) {
        record.status = "skipped";
        record.skipReason = `the previous run ${previous.id} is still ${previous.status} (overlap: "skip")`;
        await this.store.create(record);
        return { id, status: "skipped", duplicate: false };
      }
    }
    await this.store.create(record);
    const data: RunJobData = {
      runId: id,
      function: fn.name,
      scheduledAt: record.scheduledAt,
      environment: request.environment,
      trigger: request.trigger,
      ...(request.args === undefined ? {} : { args: request.args }),
    };
    await this.queue.add(fn.name, data, {
      jobId: id,
      attempts: fn.retries + 1,
      backoff: { type: "exponential", delay: RETRY_BACKOFF_MS },
      // The run record outlives the job; a completed job has nothing more to say.
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    });
    return { id, status: "queued", duplicate: false };
  }

  /**
   * The function's newest run that is still queued or running, if any. The record alone is not
   * trusted: a run whose executor died for good stays "running" in its record, so the job's state
   * in the queue decides.
   */
  private async runInProgress(functionName: string): Promise<RunRecord | undefined> {
    const recent = await this.store.history(functionName, OVERLAP_LOOKBACK);
    const candidate = recent.find((run) => run.status === "queued" || run.status === "running");
    if (candidate === undefined) return undefined;
    return LIVE_JOB_STATES.has(await this.queue.getJobState(candidate.id)) ? candidate : undefined;
  }
}

/** How many recent records to look through for a run still in progress (skipped ticks sit between). */
const OVERLAP_LOOKBACK = 20;
const LIVE_JOB_STATES: ReadonlySet<string> = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

function newRecord(id: string, fn: LoadedFunction, request: EnqueueRequest): RunRecord {
  return {
    id,
    function: fn.name,
    executor: fn.kind,
    status: "queued",
    result: null,
    error: null,
    logs: [],
    steps: [],
    attempt: 0,
    scheduledAt: request.scheduledAt ?? null,
    queuedAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    durationMs: 0,
  };
}
