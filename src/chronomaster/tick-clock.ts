// Clocks that fire a schedule entry's ticks with the exact time each tick was due. `@every`
// ticks are aligned to the epoch, and cron ticks to their due second, so every chronomaster
// replica computes the same tick times (and so the same Idempotency-Keys).
import { schedule as scheduleCron } from "node-cron";
import type { ScheduledTask } from "node-cron";
import type { ScheduleEntry } from "../functions/types.ts";

export type OnTick = (dueAt: Date) => void;

export interface TickClock {
  /** When the next tick is due, if known. */
  next(): Date | null;
  stop(): void;
}

/** The first multiple of `everyMs` after `nowMs` (epoch-aligned). */
export function nextEveryTick(everyMs: number, nowMs: number): number {
  return Math.floor(nowMs / everyMs) * everyMs + everyMs;
}

class EveryClock implements TickClock {
  private timer: NodeJS.Timeout | undefined;
  private dueAt: number;
  private readonly everyMs: number;
  private readonly onTick: OnTick;
  private stopped = false;

  constructor(everyMs: number, onTick: OnTick) {
    this.everyMs = everyMs;
    this.onTick = onTick;
    this.dueAt = nextEveryTick(everyMs, Date.now());
    this.arm();
  }

  next(): Date {
    return new Date(this.dueAt);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  // Re-armed from the due time each tick (never setInterval), so delays never accumulate.
  private arm(): void {
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      const due = this.dueAt;
      this.dueAt = nextEveryTick(this.everyMs, Math.max(Date.now(), due));
      this.arm();
      this.onTick(new Date(due));
    }, Math.max(0, this.dueAt - Date.now()));
    this.timer.unref();
  }
}

class CronClock implements TickClock {
  private readonly task: ScheduledTask;

  constructor(expression: string, timezone: string | undefined, onTick: OnTick) {
    this.task = scheduleCron(
      expression,
      (context) => {
        const due = new Date(context.date);
        due.setMilliseconds(0);
        onTick(due);
      },
      { ...(timezone === undefined ? {} : { timezone }), unref: true, suppressMissedWarning: true },
    );
  }

  next(): Date | null {
    return this.task.getNextRun();
  }

  stop(): void {
    void this.task.destroy();
  }
}

export function startClock(entry: ScheduleEntry, onTick: OnTick): TickClock {
  return entry.trigger.kind === "every" ? new EveryClock(entry.trigger.everyMs, onTick) : new CronClock(entry.trigger.expression, entry.timezone, onTick);
}
