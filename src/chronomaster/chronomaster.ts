// The chronomaster: fires every schedule tick of this environment at the proxy, as the original
// did, unless an operator stopped the scheduler or disabled the function. State lives in Redis;
// replicas hear of changes on the control channel and re-read it every few seconds anyway. The
// replica that holds the lease sends the ticks; the others stand by (see LeaderLease).
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import type { LoadedFunction, ScheduleEntry } from "../functions/types.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { publishControl, subscribeControl } from "../queue/control-channel.ts";
import type { Settings } from "../settings.ts";
import { Scheduler } from "./scheduler.ts";
import { SchedulerState } from "./scheduler-state.ts";
import type { SchedulerStatus } from "./scheduler-state.ts";
import { TurnBatch } from "../turn-batch.ts";
import { redisKeys } from "../queue/keys.ts";
import { LeaderLease } from "./leader-lease.ts";
import { StandbyCheck } from "./standby-check.ts";
import { keyTtlSecondsOf } from "./tick-clock.ts";
import { idempotencyKeyOf, postTicks } from "./tick-poster.ts";
import type { TickOutcome } from "./tick-poster.ts";

const STATE_REFRESH_MS = 5000;
/**
 * How long a replica that does not hold the lease waits before it sends the ticks the leader has
 * not delivered. Longer than the leader takes to deliver a second's ticks, so that normally it
 * sends none.
 */
export const STANDBY_DELAY_MS = 1500;
/**
 * Ticks due within this window go to the proxy together: functions are spread over their period,
 * so without it a thousand functions on `@every 1s` would be a thousand requests a second.
 */
const TICK_BATCH_WINDOW_MS = 10;

export interface ChronomasterDeps {
  settings: Settings;
  redisUrl: string;
  redis: Redis;
  registry: FunctionRegistry;
  metrics: Metrics;
  logger: Logger;
  /** Identifies this process in reload messages, so it does not reload twice. */
  processId: string;
}

export class Chronomaster {
  readonly state: SchedulerState;
  private readonly deps: ChronomasterDeps;
  private readonly log: Logger;
  private readonly lifecycle: Lifecycle;
  private readonly scheduler: Scheduler;
  private readonly lease: LeaderLease;
  private status: SchedulerStatus = "running";
  private disabled = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private control: { close(): Promise<void> } | undefined;
  /** Ticks due within a few milliseconds go to the proxy as one batch (by the leader). */
  private readonly due = new TurnBatch<DueTick>((ticks) => {
    if (this.lease.isLeader) void this.post(ticks);
    else this.standby.push(ticks);
  }, TICK_BATCH_WINDOW_MS);
  /** A standby's share: the ticks the leader has not delivered after STANDBY_DELAY_MS. */
  private readonly standby = new StandbyCheck<DueTick>({
    delayMs: STANDBY_DELAY_MS,
    delivered: (ticks) => this.delivered(ticks),
    send: (ticks) => {
      this.log.warn({ ticks: ticks.length, first: idempotencyKeyOf(ticks[0]!.fn.name, ticks[0]!.dueAt) }, "the leader did not deliver these ticks; this replica sends them");
      void this.post(ticks);
    },
  });

  constructor(deps: ChronomasterDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ component: "chronomaster" });
    this.lifecycle = new Lifecycle(this.log);
    this.state = new SchedulerState(deps.redis, deps.settings.prefix);
    this.lease = new LeaderLease(deps.redis, deps.settings.prefix, deps.settings.environment, deps.processId, this.log);
    this.scheduler = new Scheduler(deps.settings.environment, {
      onTick: (fn, entry, dueAt) => this.tick(fn, entry, dueAt),
      onMissed: (fn, entry, count) => {
        deps.metrics.skippedTicks.inc({ function: fn.name, reason: "late" }, count);
        this.log.warn({ function: fn.name, cron: entry.cron, missed: count }, "ticks too late to fire (this process was stalled); they were dropped");
      },
    });
    deps.registry.on("change", () => this.scheduler.reschedule(deps.registry.functions()));
  }

  get lifecycleState() {
    return this.lifecycle.state;
  }

  get schedulerStatus(): SchedulerStatus {
    return this.status;
  }

  isDisabled(functionName: string): boolean {
    return this.disabled.has(functionName);
  }

  nextFires(functionName: string) {
    return this.scheduler.entriesOf(functionName);
  }

  /** Whether this replica sends the ticks (see LeaderLease). */
  get isLeader(): boolean {
    return this.lease.isLeader;
  }

  async start(): Promise<void> {
    await this.refresh();
    await this.lease.start();
    this.control = await subscribeControl(this.deps.redisUrl, this.deps.settings.prefix, this.log, (message) => {
      if (message.type === "reload") {
        if (message.by !== this.deps.processId) void this.reloadLocally();
      } else {
        void this.refresh();
      }
    });
    this.refreshTimer = setInterval(() => void this.refresh(), STATE_REFRESH_MS);
    this.refreshTimer.unref();
    this.scheduler.reschedule(this.deps.registry.functions());
    for (const error of this.deps.registry.errors()) this.log.warn({ function: error.name, file: error.file }, `not scheduled: ${error.message}`);
    this.lifecycle.to("running", { environment: this.deps.settings.environment, entries: this.scheduler.size, scheduler: this.status });
  }

  async stop(): Promise<void> {
    this.lifecycle.to("stopping");
    clearInterval(this.refreshTimer);
    this.scheduler.clear();
    this.standby.stop();
    await this.lease.stop();
    await this.control?.close();
    this.lifecycle.to("stopped");
  }

  async setStatus(status: SchedulerStatus): Promise<void> {
    await this.state.setStatus(status);
    await this.refresh();
  }

  async setDisabled(functionName: string, disabled: boolean): Promise<void> {
    await this.state.setDisabled(functionName, disabled);
    await this.refresh();
  }

  /** Re-reads the functions here and tells every other process to do the same. */
  async reload(): Promise<{ changed: string[]; errors: { name: string; message: string }[] }> {
    const { changed } = await this.reloadLocally();
    await publishControl(this.deps.redis, this.deps.settings.prefix, { type: "reload", by: this.deps.processId });
    return { changed, errors: this.deps.registry.errors().map((error) => ({ name: error.name, message: error.message })) };
  }

  private async reloadLocally(): Promise<{ changed: string[] }> {
    const change = await this.deps.registry.reload();
    this.scheduler.reschedule(this.deps.registry.functions());
    this.log.info({ changed: change.changed, entries: this.scheduler.size }, "functions reloaded");
    return change;
  }

  private async refresh(): Promise<void> {
    try {
      const [status, disabled] = await Promise.all([this.state.status(), this.state.disabled()]);
      if (status !== this.status) this.log.info({ from: this.status, to: status }, "scheduler state changed");
      this.status = status;
      this.disabled = disabled;
    } catch (error) {
      this.log.warn({ err: error }, "could not read the scheduler state; keeping the last one");
    }
  }

  private tick(fn: LoadedFunction, entry: ScheduleEntry, dueAt: Date): void {
    const { metrics } = this.deps;
    if (this.status !== "running" || this.disabled.has(fn.name)) return;
    metrics.ticks.inc({ function: fn.name });
    metrics.scheduleLateness.observe({ function: fn.name }, Math.max(0, Date.now() - dueAt.getTime()) / 1000);
    this.due.push({ fn, entry, dueAt, keyTtlSeconds: this.keyTtlSecondsOf(fn, entry, dueAt) });
  }

  /** How long the tick's Idempotency-Key must be kept: a few of its entry's periods (keyTtlSecondsOf). */
  private keyTtlSecondsOf(fn: LoadedFunction, entry: ScheduleEntry, dueAt: Date): number {
    if (entry.trigger.kind === "every") return keyTtlSecondsOf(entry.trigger.everyMs);
    // A cron entry's period, near enough: from this tick to its clock's next one. (Entries of one
    // function with the same cron and timezone have the same next tick.)
    const timezone = entry.timezone ?? null;
    const next = this.scheduler.entriesOf(fn.name).find((item) => item.cron === entry.cron && item.timezone === timezone)?.nextFireAt;
    return keyTtlSecondsOf(next === undefined || next === null ? undefined : Date.parse(next) - dueAt.getTime());
  }

  private async post(ticks: DueTick[]): Promise<void> {
    const { settings } = this.deps;
    const outcomes = await postTicks(
      { proxyUrl: settings.proxyUrl, token: settings.token, environment: settings.environment },
      ticks.map((tick) => ({ functionName: tick.fn.name, dueAt: tick.dueAt, keyTtlSeconds: tick.keyTtlSeconds })),
    );
    ticks.forEach((tick, index) => this.report(tick, outcomes[index] ?? { kind: "error", message: "no answer" }));
  }

  /** For each tick, whether a run has claimed its Idempotency-Key. */
  private async delivered(ticks: DueTick[]): Promise<boolean[]> {
    const keys = redisKeys(this.deps.settings.prefix);
    try {
      const claimed = await this.deps.redis.mget(ticks.map((tick) => keys.idempotency(tick.fn.name, idempotencyKeyOf(tick.fn.name, tick.dueAt))));
      return claimed.map((id) => id !== null);
    } catch (error) {
      this.log.warn({ err: error }, "could not check the leader's ticks; sending them all (the proxy keeps one run per tick)");
      return ticks.map(() => false);
    }
  }

  private report({ fn, entry, dueAt }: DueTick, outcome: TickOutcome): void {
    const { metrics } = this.deps;
    if (outcome.kind === "error") {
      metrics.skippedTicks.inc({ function: fn.name, reason: "error" });
      this.log.error({ function: fn.name, dueAt: dueAt.toISOString(), cron: entry.cron }, outcome.message);
    } else if (outcome.kind === "skipped") {
      metrics.skippedTicks.inc({ function: fn.name, reason: "overlap" });
      this.log.info({ function: fn.name, runId: outcome.id, dueAt: dueAt.toISOString() }, "tick skipped: the previous run is still going");
    } else if (outcome.kind === "queued") {
      this.log.debug({ function: fn.name, runId: outcome.id, dueAt: dueAt.toISOString() }, "tick fired");
    }
  }
}

interface DueTick {
  fn: LoadedFunction;
  entry: ScheduleEntry;
  dueAt: Date;
  /** How long its Idempotency-Key must be kept, in seconds. */
  keyTtlSeconds: number;
}
