// Keeps one clock per schedule entry that should fire in this environment: entries whose
// `environment` matches and whose `cron-enabled` is not false, of enabled functions.
import type { LoadedFunction, ScheduleEntry } from "../functions/types.ts";
import { startClock } from "./tick-clock.ts";
import type { TickClock } from "./tick-clock.ts";

export interface ScheduledEntry {
  function: string;
  entry: ScheduleEntry;
  clock: TickClock;
}

export interface TickHandlers {
  onTick: (fn: LoadedFunction, entry: ScheduleEntry, dueAt: Date) => void;
  /** `count` ticks were due too long ago to fire (the process was stalled). */
  onMissed: (fn: LoadedFunction, entry: ScheduleEntry, count: number) => void;
}

export function entriesToSchedule(fn: LoadedFunction, environment: string): ScheduleEntry[] {
  if (!fn.enabled) return [];
  return fn.schedule.filter((entry) => entry.environment === environment && entry.cronEnabled);
}

export class Scheduler {
  private scheduled: ScheduledEntry[] = [];
  private readonly environment: string;
  private readonly handlers: TickHandlers;

  constructor(environment: string, handlers: TickHandlers) {
    this.environment = environment;
    this.handlers = handlers;
  }

  /** Drops every clock and starts those the given functions need. */
  reschedule(functions: LoadedFunction[]): void {
    this.clear();
    for (const fn of functions) {
      for (const entry of entriesToSchedule(fn, this.environment)) {
        const clock = startClock(fn.name, entry, {
          onTick: (dueAt) => this.handlers.onTick(fn, entry, dueAt),
          onMissed: (count) => this.handlers.onMissed(fn, entry, count),
        });
        this.scheduled.push({ function: fn.name, entry, clock });
      }
    }
  }

  /** Schedule entries of a function in this environment, with their next due time. */
  entriesOf(functionName: string): { cron: string; timezone: string | null; nextFireAt: string | null }[] {
    return this.scheduled
      .filter((item) => item.function === functionName)
      .map((item) => ({ cron: item.entry.cron, timezone: item.entry.timezone ?? null, nextFireAt: item.clock.next()?.toISOString() ?? null }));
  }

  get size(): number {
    return this.scheduled.length;
  }

  clear(): void {
    for (const item of this.scheduled) item.clock.stop();
    this.scheduled = [];
  }
}
