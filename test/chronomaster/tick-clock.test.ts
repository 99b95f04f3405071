// The `@every` clock under a stalled process: it fires the ticks it missed late, up to a bound,
// and reports the ones it dropped, instead of silently skipping to the next tick.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_LATE_TICKS, startClock } from "../../src/chronomaster/tick-clock.ts";
import type { ScheduleEntry } from "../../src/functions/types.ts";

const every = (ms: number) => ({ environment: "production", cron: "@every 1s", cronEnabled: true, trigger: { kind: "every", everyMs: ms } }) as unknown as ScheduleEntry;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00.400Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the @every clock", () => {
  it("fires each tick at its epoch-aligned due time", () => {
    const ticks: string[] = [];
    const clock = startClock(every(1000), { onTick: (due) => ticks.push(due.toISOString()), onMissed: () => undefined });
    vi.advanceTimersByTime(2000);
    clock.stop();
    expect(ticks).toEqual(["2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z"]);
  });

  it("fires the ticks a stall made it miss, late, and drops and reports those beyond the bound", () => {
    const ticks: string[] = [];
    const missed: number[] = [];
    const clock = startClock(every(1000), { onTick: (due) => ticks.push(due.toISOString()), onMissed: (count) => missed.push(count) });
    // The process is stalled for 3.6 s: its timer runs late, once.
    vi.setSystemTime(new Date("2026-01-01T00:00:04.000Z"));
    vi.advanceTimersToNextTimer();
    expect(ticks).toEqual(["2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:03.000Z", "2026-01-01T00:00:04.000Z"]);
    expect(missed).toEqual([]);
    // A stall of a minute: the newest MAX_LATE_TICKS are fired, the rest reported.
    ticks.length = 0;
    vi.setSystemTime(new Date("2026-01-01T00:01:04.000Z"));
    vi.advanceTimersToNextTimer();
    expect(ticks).toHaveLength(MAX_LATE_TICKS);
    expect(ticks.at(-1)).toBe("2026-01-01T00:01:04.000Z");
    expect(missed).toEqual([60 - MAX_LATE_TICKS]);
    // And then it is back on time.
    ticks.length = 0;
    vi.advanceTimersByTime(1000);
    expect(ticks).toEqual(["2026-01-01T00:01:05.000Z"]);
    clock.stop();
  });
});
