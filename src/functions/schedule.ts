// One `cron` string of a schedule entry: `@every <n>s|m|h` (the original's syntax) or a standard
// 5- or 6-field cron expression.
import { validate } from "node-cron";
import type { ScheduleEntry } from "./types.ts";

const EVERY = /^@every\s+(\d+)\s*(s|m|h)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;
const MAX_EVERY_MS = 8760 * UNIT_MS.h;

export type ParsedTrigger = ScheduleEntry["trigger"];

export function parseSchedule(text: string): { trigger: ParsedTrigger } | { error: string } {
  const trimmed = text.trim();
  const every = EVERY.exec(trimmed);
  if (every !== null) {
    const count = Number(every[1]);
    if (count <= 0) return { error: `"${text}" must fire at least once: use a count above 0` };
    const everyMs = count * UNIT_MS[every[2] as keyof typeof UNIT_MS];
    if (everyMs > MAX_EVERY_MS) return { error: `"${text}" is longer than a year (8760h): use a cron expression for rarer runs` };
    return { trigger: { kind: "every", everyMs } };
  }
  const fields = trimmed.split(/\s+/).length;
  if (!trimmed.startsWith("@") && (fields === 5 || fields === 6) && validate(trimmed)) {
    return { trigger: { kind: "cron", expression: trimmed } };
  }
  const hint = /^every\s+\d+\s*[smh]$/.exec(trimmed) ? ` (did you mean "@${trimmed}"?)` : "";
  return { error: `"${text}" is not a schedule: expected "@every <n>s|m|h" or a 5/6-field cron expression${hint}` };
}

export function isValidTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
