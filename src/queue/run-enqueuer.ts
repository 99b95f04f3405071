// Accepts a run: admits it (Idempotency-Key, the overlap rule for schedule ticks, the queued
// record; one Redis round trip, see RunAdmission) and adds the BullMQ job (job id = run id, so a
// run can never be queued twice). The record is written before the job: the executor only
// replaces it when the run ends, and never brings back a record that is gone.
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { JsonValue } from "../../sandbox/contract.ts";
import type { LoadedFunction } from "../functions/types.ts";
import type { RunRecord, RunStatus } from "../run-record.ts";
import type { RunStore } from "../runs/run-store.ts";
import { IDEMPOTENCY_TTL_S, RunAdmission } from "./run-admission.ts";
import type { RunJobData, RunTrigger } from "./run-job.ts";

/** First retry delay; BullMQ doubles it for each further attempt. */
const RETRY_BACKOFF_MS = 1000;

export interface EnqueueRequest {
  args?: JsonValue;
  idempotencyKey?: string;
  /** How long the Idempotency-Key is kept, in seconds (at most, and by default, 24 h). */
  idempotencyTtlSeconds?: number;
  scheduledAt?: string | null;
  environment: string | null;
  trigger: RunTrigger;
  /** The caller will wait for the run's final record. */
  notify?: boolean;
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
  private readonly admission: RunAdmission;

  constructor(queue: Queue<RunJobData>, store: RunStore, redis: Redis, prefix: string) {
    this.queue = queue;
    this.store = store;
    this.admission = new RunAdmission(redis, {
      prefix,
      historyPerFunction: store.options.historyPerFunction,
      ttlSeconds: store.options.ttlSeconds,
      idempotencyTtlSeconds: IDEMPOTENCY_TTL_S,
      jobKeyPrefix: queue.toKey(""),
    });
  }

  async enqueue(fn: LoadedFunction, request: EnqueueRequest): Promise<EnqueueResult> {
    const id = randomUUID();
    const record = newRecord(id, fn, request);
    const admission = await this.admission.admit({
      id,
      functionName: fn.name,
      recordJson: JSON.stringify(record),
      ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
      ...(request.idempotencyTtlSeconds === undefined ? {} : { idempotencyTtlSeconds: request.idempotencyTtlSeconds }),
      checkOverlap: request.trigger === "schedule" && fn.overlap === "skip",
    });
    if (admission.kind === "duplicate") {
      const existing = admission.recordJson === undefined ? undefined : (JSON.parse(admission.recordJson) as RunRecord);
      return { id: admission.id, status: existing?.status ?? "queued", duplicate: true };
    }
    if (admission.kind === "overlap") {
      record.status = "skipped";
      record.skipReason = `the previous run ${admission.previous} is still queued or running (overlap: "skip")`;
      await this.store.create(record);
      return { id, status: "skipped", duplicate: false };
    }
    const data: RunJobData = {
      runId: id,
      function: fn.name,
      scheduledAt: record.scheduledAt,
      environment: request.environment,
      trigger: request.trigger,
      ...(request.args === undefined ? {} : { args: request.args }),
      ...(request.notify === true ? { notify: true } : {}),
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
}

function newRecord(id: string, fn: LoadedFunction, request: EnqueueRequest): RunRecord {
  const now = new Date().toISOString();
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
    queuedAt: now,
    startedAt: now,
    durationMs: 0,
  };
}
