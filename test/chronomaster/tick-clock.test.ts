// The `@every` clock: each function's ticks at its own fixed offset in the period, the same on
// every replica; and under a stalled process, the ticks it missed fired late, up to a bound.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keyTtlSecondsOf, MAX_LATE_TICKS, phaseOf, startClock } from "../../src/chronomaster/tick-clock.ts";
import type { ScheduleEntry } from "../../src/functions/types.ts";

const every = (ms: number) => ({ environment: "production", cron: "@every 1s", cronEnabled: true, trigger: { kind: "every", everyMs: ms } }) as unknown as ScheduleEntry;
const START = Date.parse("2026-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(ms).toISOString();

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the @every clock", () => {
  it("fires each tick at the function's offset in the epoch-aligned period", () => {
    const phase = phaseOf("checker", 1000);
    const ticks: string[] = [];
    const clock = startClock("checker", every(1000), { onTick: (due) => ticks.push(due.toISOString()), onMissed: () => undefined });
    vi.advanceTimersByTime(2000);
    clock.stop();
    expect(ticks).toEqual([at(START + phase), at(START + 1000 + phase)]);
  });

  it("spreads many functions over the period, and a long period's offsets over its first minute", () => {
    const phases = Array.from({ length: 1000 }, (_, i) => phaseOf(`check-${i}`, 1000));
    expect(Math.min(...phases)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...phases)).toBeLessThan(1000);
    // no millisecond holds more than a handful of the thousand
    const perMs = new Map<number, number>();
    for (const phase of phases) perMs.set(phase, (perMs.get(phase) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBeLessThanOrEqual(6);
    expect(phaseOf("check-1", 1000)).toBe(phaseOf("check-1", 1000));
    for (let i = 0; i < 100; i++) expect(phaseOf(`check-${i}`, 3_600_000)).toBeLessThan(60_000);
  });

  it("waits out a period longer than one timer can (about 24.8 days) and fires once", () => {
    const everyMs = 600 * 3_600_000; // @every 600h
    const phase = phaseOf("monthly", everyMs);
    const firstDue = Math.floor((START - phase) / everyMs) * everyMs + everyMs + phase;
    const ticks: string[] = [];
    const clock = startClock("monthly", every(everyMs), { onTick: (due) => ticks.push(due.toISOString()), onMissed: () => undefined });
    // Node fires a longer setTimeout after 1 ms: the clock used to tick again and again then.
    vi.advanceTimersByTime(5000);
    expect(ticks).toEqual([]);
    vi.advanceTimersByTime(firstDue - Date.now() + 1);
    expect(ticks).toEqual([at(firstDue)]);
    vi.advanceTimersByTime(everyMs);
    clock.stop();
    expect(ticks).toEqual([at(firstDue), at(firstDue + everyMs)]);
  });

  it("fires the ticks a stall made it miss, late, and drops and reports those beyond the bound", () => {
    const phase = phaseOf("checker", 1000);
    const ticks: string[] = [];
    const missed: number[] = [];
    const clock = startClock("checker", every(1000), { onTick: (due) => ticks.push(due.toISOString()), onMissed: (count) => missed.push(count) });
    /** The due times from `from` up to now, as the clock should fire them after a stall. */
    const dueUpToNow = (from: number) => {
      const due: string[] = [];
      for (let t = from; t <= Date.now(); t += 1000) due.push(at(t));
      return due;
    };
    // The process is stalled for a few seconds: its timer runs late, once.
    vi.setSystemTime(START + 3000);
    vi.advanceTimersToNextTimer();
    const afterShortStall = dueUpToNow(START + phase);
    expect(afterShortStall.length).toBeGreaterThanOrEqual(4);
    expect(ticks).toEqual(afterShortStall);
    expect(missed).toEqual([]);
    // A stall of a minute: the newest MAX_LATE_TICKS are fired, the rest reported.
    const next = Date.parse(ticks.at(-1)!) + 1000;
    ticks.length = 0;
    vi.setSystemTime(START + 63_000);
    vi.advanceTimersToNextTimer();
    const afterLongStall = dueUpToNow(next);
    expect(ticks).toEqual(afterLongStall.slice(-MAX_LATE_TICKS));
    expect(missed).toEqual([afterLongStall.length - MAX_LATE_TICKS]);
    // And then it is back on time.
    const following = Date.parse(ticks.at(-1)!) + 1000;
    ticks.length = 0;
    vi.advanceTimersByTime(1000);
    expect(ticks).toEqual([at(following)]);
    clock.stop();
  });
});

describe("how long a tick's Idempotency-Key is kept", () => {
  it("is as long as a replica may still send the tick: (MAX_LATE_TICKS + 1) periods, at least 5 minutes, at most 24 hours", () => {
    // @every 1s: minutes, not a day (200 such functions used to hold 17 M keys)
    expect(keyTtlSecondsOf(1000)).toBe(300);
    expect(keyTtlSecondsOf(60_000)).toBe((MAX_LATE_TICKS + 1) * 60);
    expect(keyTtlSecondsOf(3_600_000)).toBe((MAX_LATE_TICKS + 1) * 3600);
    expect(keyTtlSecondsOf(24 * 3_600_000)).toBe(24 * 3600);
    // a period not known: the default day
    expect(keyTtlSecondsOf(undefined)).toBe(24 * 3600);
    expect(keyTtlSecondsOf(0)).toBe(24 * 3600);
  });
});
