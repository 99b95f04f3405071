// An executor: a BullMQ worker that takes queued runs and runs them in the sandbox pool, writing
// each run's record as it goes. Many executors can share the queue; BullMQ's job lock makes sure
// only one runs a given job, and a job whose executor died (lock expired) is taken over by another.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { UnrecoverableError, Worker } from "bullmq";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { ErrorCodes } from "../errors.ts";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { RUN_QUEUE } from "../queue/keys.ts";
import type { RunJobData } from "../queue/run-job.ts";
import { connectRedis } from "../redis/connection.ts";
import type { RunRecord } from "../run-record.ts";
import type { RunStore } from "../runs/run-store.ts";
import { activeCheckOptionsFromEnv, checkActive } from "../runtime/active-passive.ts";
import { runFunction } from "../runtime/run-function.ts";
import { SandboxPool } from "../sandbox-host/sandbox-pool.ts";
import { RedisStateStore } from "../state/state-store.ts";
import type { Settings } from "../settings.ts";
import { ExecutorHeartbeat } from "./executor-heartbeat.ts";
import { isRetryable } from "./retry-policy.ts";

export interface ExecutorDeps {
  settings: Settings;
  redisUrl: string;
  redis: Redis;
  registry: FunctionRegistry;
  store: RunStore;
  metrics: Metrics;
  logger: Logger;
}

export class Executor {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  private readonly deps: ExecutorDeps;
  private readonly log: Logger;
  private readonly lifecycle: Lifecycle;
  private readonly pool: SandboxPool;
  private readonly heartbeat: ExecutorHeartbeat;
  private worker: Worker<RunJobData> | undefined;
  private workerConnection: Redis | undefined;
  private inFlight = 0;
  /** Set when stop() gave up on the runs in flight: what they do next is not recorded here. */
  private abandoned = false;

  constructor(deps: ExecutorDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ component: "executor", executorId: this.id });
    this.lifecycle = new Lifecycle(this.log);
    this.pool = new SandboxPool({
      hosts: deps.settings.sandboxHosts,
      maxHostRssMb: deps.settings.sandboxMaxRssMb,
      logger: deps.logger.child({ component: "sandbox" }),
      onHostRestart: () => deps.metrics.sandboxRestarts.inc(),
      stateStore: new RedisStateStore(deps.redis, deps.settings.prefix),
    });
    this.heartbeat = new ExecutorHeartbeat(deps.redis, deps.settings.prefix, this.id, deps.settings.concurrency);
    deps.registry.on("change", ({ changed }) => {
      for (const name of changed) this.pool.forget(name);
    });
  }

  get state() {
    return this.lifecycle.state;
  }

  get runsInFlight(): number {
    return this.inFlight;
  }

  async start(): Promise<void> {
    const { settings } = this.deps;
    this.workerConnection = connectRedis(this.deps.redisUrl, { forWorker: true, logger: this.log });
    this.worker = new Worker<RunJobData>(RUN_QUEUE, (job) => this.process(job), {
      connection: this.workerConnection,
      prefix: settings.prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockMs,
      stalledInterval: Math.max(1000, Math.floor(settings.lockMs / 2)),
      maxStalledCount: 2,
      name: this.id,
    });
    this.worker.on("error", (error) => this.log.error({ err: error }, "worker error"));
    await this.worker.waitUntilReady();
    await this.heartbeat.start(() => this.inFlight);
    this.lifecycle.to("running", { concurrency: settings.concurrency });
  }

  /** Stops taking jobs and waits up to the grace time for runs in flight; the rest are recovered by other executors. */
  async stop(graceMs = this.deps.settings.drainMs): Promise<void> {
    if (this.lifecycle.state === "stopped" || this.lifecycle.state === "stopping") return;
    this.lifecycle.to("stopping", { runsInFlight: this.inFlight, graceMs });
    const worker = this.worker;
    if (worker !== undefined) {
      const drained = worker.close().then(
        () => true,
        () => true,
      );
      const timedOut = new Promise<boolean>((done) => setTimeout(() => done(false), graceMs).unref());
      if (!(await Promise.race([drained, timedOut]))) {
        this.log.warn({ runsInFlight: this.inFlight }, "grace time over; leaving unfinished runs to other executors");
        // BullMQ's close(true) would only wait for the close() above, which waits for the runs.
        // Instead they are abandoned: with this connection gone their locks lapse, and another
        // executor (or this one, restarted) takes them over; the sandbox hosts go below.
        this.abandoned = true;
        this.workerConnection?.disconnect();
      }
    }
    await this.heartbeat.stop();
    this.workerConnection?.disconnect();
    await this.pool.close();
    this.lifecycle.to("stopped");
  }

  private async process(job: Job<RunJobData>): Promise<void> {
    this.inFlight++;
    try {
      await this.runJob(job);
    } finally {
      this.inFlight--;
    }
  }

  private async runJob(job: Job<RunJobData>): Promise<void> {
    const { data } = job;
    const { store, registry, metrics } = this.deps;
    const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    // The job is the queued run: it carries everything the run needs, so nothing is read back.
    const queuedAt = new Date(job.timestamp).toISOString();
    const fn = registry.get(data.function);
    if (fn === undefined) {
      const loadError = registry.loadError(data.function);
      const code = loadError?.code ?? ErrorCodes.FUNCTION_NOT_FOUND;
      const message = loadError?.message ?? `no function named "${data.function}" is loaded on executor ${this.id}`;
      await store.update({ ...placeholder(data, queuedAt), status: "failed", attempt, executorId: this.id, error: { code, message, retryable: false } }, { announce: data.notify === true });
      metrics.runs.inc({ function: data.function, status: "failed" });
      throw new UnrecoverableError(`${code}: ${message}`);
    }
    const record = await runFunction(
      fn,
      { runId: data.runId, attempt, scheduledAt: data.scheduledAt, environment: data.environment, ...(data.args === undefined ? {} : { args: data.args }) },
      {
        pool: this.pool,
        logger: this.log,
        executorId: this.id,
        checkActive: (target) => checkActive(activeCheckOptionsFromEnv(process.env, target.activeEndpoint)),
      },
    );
    if (this.abandoned) throw new Error("the executor stopped before the run finished; another executor takes it over");
    record.queuedAt = queuedAt;
    const attempts = job.opts.attempts ?? 1;
    // The record says what the queue does with the failure (a thrown error is retried).
    if (record.error !== null) record.error = { ...record.error, retryable: isRetryable(record.error) };
    const willRetry = record.status === "failed" && isRetryable(record.error) && attempt < attempts;
    if (willRetry) {
      await store.update({ ...record, status: "queued" });
      this.log.warn({ function: fn.name, runId: data.runId, attempt, attempts, code: record.error?.code }, "run failed; retrying");
      throw new Error(`${record.error?.code}: ${record.error?.message}`);
    }
    // Not awaited: the write leaves for Redis before BullMQ completes the job (which is what makes
    // the run final for the queue), and waiting for its answer would cost a round trip per run.
    store.update(record, { announce: data.notify === true }).catch((error: unknown) => this.log.error({ err: error, function: fn.name, runId: data.runId }, "could not store a run record"));
    metrics.runs.inc({ function: fn.name, status: record.status });
    metrics.runDuration.observe({ function: fn.name }, record.durationMs / 1000);
    if (record.status === "failed") throw new UnrecoverableError(`${record.error?.code}: ${record.error?.message}`);
  }
}

function placeholder(data: RunJobData, queuedAt: string): RunRecord {
  return {
    id: data.runId,
    function: data.function,
    executor: "default",
    status: "queued",
    result: null,
    error: null,
    logs: [],
    steps: [],
    attempt: 0,
    scheduledAt: data.scheduledAt,
    queuedAt,
    startedAt: new Date().toISOString(),
    durationMs: 0,
  };
}
