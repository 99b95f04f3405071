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

export type TickHandler = (fn: LoadedFunction, entry: ScheduleEntry, dueAt: Date) => void;

export function entriesToSchedule(fn: LoadedFunction, environment: string): ScheduleEntry[] {
  if (!fn.enabled) return [];
  return fn.schedule.filter((entry) => entry.environment === environment && entry.cronEnabled);
}

export class Scheduler {
  private scheduled: ScheduledEntry[] = [];
  private readonly environment: string;
  private readonly onTick: TickHandler;

  constructor(environment: string, onTick: TickHandler) {
    this.environment = environment;
    this.onTick = onTick;
  }

  /** Drops every clock and starts those the given functions need. */
  reschedule(functions: LoadedFunction[]): void {
    this.clear();
    for (const fn of functions) {
      for (const entry of entriesToSchedule(fn, this.environment)) {
        this.scheduled.push({ function: fn.name, entry, clock: startClock(entry, (dueAt) => this.onTick(fn, entry, dueAt)) });
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
