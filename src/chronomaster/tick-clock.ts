// Clocks that fire a schedule entry's ticks with the exact time each tick was due. `@every`
// ticks are aligned to the epoch, and cron ticks to their due second, so every chronomaster
// replica computes the same tick times (and so the same Idempotency-Keys).
import { schedule as scheduleCron } from "node-cron";
import type { ScheduledTask } from "node-cron";
import type { ScheduleEntry } from "../functions/types.ts";
import { IDEMPOTENCY_TTL_S } from "../queue/run-admission.ts";

export interface ClockHandlers {
  onTick: (dueAt: Date) => void;
  /** `count` ticks were due too long ago to fire. */
  onMissed: (count: number) => void;
}

/**
 * A process that was stalled (a long GC, a starved CPU) fires the ticks it missed late, this many
 * at most per schedule entry; older ones are dropped and reported. Another replica may well have
 * fired them on time: the Idempotency-Key makes the late copy a no-op then.
 */
export const MAX_LATE_TICKS = 10;

/** A tick's Idempotency-Key is kept at least this long: a failed post is retried, replicas' clocks differ. */
const MIN_KEY_TTL_S = 5 * 60;

/**
 * How long a tick's Idempotency-Key must be kept, in seconds, for a schedule entry whose ticks fall
 * `periodMs` apart: while some replica may still send the tick (the standby 1.5 s late, a stalled
 * one up to MAX_LATE_TICKS periods late), and no longer, or every tick of an `@every 1s` entry
 * would hold a key for a day. Never longer than a key is kept by default (24 h), nor when the
 * period is not known.
 */
export function keyTtlSecondsOf(periodMs: number | undefined): number {
  if (periodMs === undefined || !(periodMs > 0)) return IDEMPOTENCY_TTL_S;
  const seconds = Math.ceil(((MAX_LATE_TICKS + 1) * periodMs) / 1000);
  return Math.min(IDEMPOTENCY_TTL_S, Math.max(MIN_KEY_TTL_S, seconds));
}

export interface TickClock {
  /** When the next tick is due, if known. */
  next(): Date | null;
  stop(): void;
}

/** The longest delay setTimeout takes (about 24.8 days); Node fires a longer one after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Offsets spread over at most this much of a period. */
const MAX_PHASE_MS = 60_000;

/** A function's offset within an `@every` period: the same on every replica, whole milliseconds. */
export function phaseOf(functionName: string, everyMs: number): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < functionName.length; i++) hash = Math.imul(hash ^ functionName.charCodeAt(i), 0x01000193) >>> 0;
  return hash % Math.min(everyMs, MAX_PHASE_MS);
}

/** The first time after `nowMs` that is `phaseMs` past a multiple of `everyMs` (from the epoch). */
export function nextEveryTick(everyMs: number, nowMs: number, phaseMs = 0): number {
  return Math.floor((nowMs - phaseMs) / everyMs) * everyMs + everyMs + phaseMs;
}

class EveryClock implements TickClock {
  private timer: NodeJS.Timeout | undefined;
  private dueAt: number;
  private readonly everyMs: number;
  private readonly handlers: ClockHandlers;
  private stopped = false;

  constructor(everyMs: number, phaseMs: number, handlers: ClockHandlers) {
    this.everyMs = everyMs;
    this.handlers = handlers;
    this.dueAt = nextEveryTick(everyMs, Date.now(), phaseMs);
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
    if (this.dueAt - Date.now() > MAX_TIMER_MS) {
      // A period longer than one timer can wait (@every 600h, say) is waited out in steps.
      this.timer = setTimeout(() => {
        if (!this.stopped) this.arm();
      }, MAX_TIMER_MS);
      this.timer.unref();
      return;
    }
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      // Every tick due by now (at least this one: a timer may fire a millisecond early), counted
      // rather than listed, so that a long stall costs nothing: only the newest are fired.
      const due = Math.max(1, Math.floor((Date.now() - this.dueAt) / this.everyMs) + 1);
      const first = this.dueAt;
      this.dueAt = first + due * this.everyMs;
      this.arm();
      const fired = Math.min(due, MAX_LATE_TICKS);
      if (due > fired) this.handlers.onMissed(due - fired);
      for (let i = due - fired; i < due; i++) this.handlers.onTick(new Date(first + i * this.everyMs));
    }, Math.max(0, this.dueAt - Date.now()));
    this.timer.unref();
  }
}

class CronClock implements TickClock {
  private readonly task: ScheduledTask;

  constructor(expression: string, timezone: string | undefined, onTick: ClockHandlers["onTick"]) {
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

/** A clock for one schedule entry of the function `functionName`. */
export function startClock(functionName: string, entry: ScheduleEntry, handlers: ClockHandlers): TickClock {
  const { trigger } = entry;
  if (trigger.kind === "every") return new EveryClock(trigger.everyMs, phaseOf(functionName, trigger.everyMs), handlers);
  return new CronClock(trigger.expression, entry.timezone, handlers.onTick);
}
