// The chronomaster's state as the API (`GET /api/state`) and the GUI's live stream show it: the
// scheduler, Redis, the fleet, and per function its schedule here, next fire times, override,
// last run and success rate; plus the functions that failed to load.
import type { Redis } from "ioredis";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import type { LoadedFunction } from "../functions/types.ts";
import type { RunRecord, RunStatus } from "../run-record.ts";
import { redisProblem } from "../redis/redis-problem.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { Settings } from "../settings.ts";
import type { Chronomaster } from "./chronomaster.ts";
import type { Fleet, FleetSnapshot } from "./fleet.ts";

/** Runs the success rate and the recent-runs strip cover. */
export const SUCCESS_WINDOW = 20;

export interface StateViewDeps {
  settings: Settings;
  redis: Redis;
  registry: FunctionRegistry;
  store: RunStore;
  chronomaster: Chronomaster;
  fleet: Fleet;
}

export type FunctionSummary = ReturnType<StateView["describe"]>;
export type ChronomasterState = Awaited<ReturnType<StateView["state"]>>;

export class StateView {
  private readonly deps: StateViewDeps;

  constructor(deps: StateViewDeps) {
    this.deps = deps;
  }

  async redisUp(): Promise<boolean> {
    return (await redisProblem(this.deps.redis)) === undefined;
  }

  async fleet(redisUp?: boolean): Promise<FleetSnapshot> {
    return (redisUp ?? (await this.redisUp())) ? this.deps.fleet.snapshot() : { executors: [], queue: null };
  }

  async state() {
    const { settings, registry, store, chronomaster } = this.deps;
    const redisUp = await this.redisUp();
    const [functions, fleet] = await Promise.all([
      Promise.all(registry.functions().map(async (fn) => this.describe(fn, redisUp ? await store.history(fn.name, SUCCESS_WINDOW).catch(() => []) : []))),
      this.fleet(redisUp),
    ]);
    return {
      state: chronomaster.schedulerStatus,
      environment: settings.environment,
      redis: redisUp ? ("up" as const) : ("down" as const),
      executors: fleet.executors,
      queue: fleet.queue,
      functions,
      errors: registry.errors().map((error) => ({ name: error.name, file: error.file, code: error.code, message: error.message, issues: error.issues, keptLastGood: error.keptLastGood === true })),
      serverTime: new Date().toISOString(),
    };
  }

  describe(fn: LoadedFunction, recent: RunRecord[]) {
    const { chronomaster, settings } = this.deps;
    const finished = recent.filter((run) => run.status === "succeeded" || run.status === "failed");
    const last = recent[0];
    return {
      name: fn.name,
      kind: fn.kind,
      version: fn.version ?? null,
      description: fn.description ?? null,
      enabled: fn.enabled,
      disabledByOperator: chronomaster.isDisabled(fn.name),
      /** Entries that fire here, with their next due time. */
      schedules: chronomaster.nextFires(fn.name),
      /** Every entry for this environment, including those switched off with `cron-enabled: false`. */
      environmentSchedule: fn.schedule.filter((entry) => entry.environment === settings.environment).map((entry) => ({ cron: entry.cron, cronEnabled: entry.cronEnabled, timezone: entry.timezone ?? null })),
      lastRun: last === undefined ? null : { id: last.id, status: last.status, scheduledAt: last.scheduledAt, startedAt: last.startedAt, durationMs: last.durationMs, error: last.error?.code ?? null },
      successRate: finished.length === 0 ? null : finished.filter((run) => run.status === "succeeded").length / finished.length,
      /** Statuses of the last runs, newest first. */
      recent: recent.map((run): RunStatus => run.status),
    };
  }
}
