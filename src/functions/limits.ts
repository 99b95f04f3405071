// Run limits: the defaults a config gets, and the operator's ceilings a config may not exceed.
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import type { LimitCeilings, ResolvedLimits } from "./types.ts";

export const DEFAULT_LIMITS: ResolvedLimits = {
  memoryMb: 64,
  timeoutMs: 10_000,
  cpuMs: 5_000,
  maxResultBytes: 256 * 1024,
  maxLogBytes: 64 * 1024,
  maxRequests: 50,
  maxResponseBytes: 1024 * 1024,
};

/** isolated-vm refuses smaller heaps. */
export const MIN_MEMORY_MB = 8;

/** The environment variable that sets each ceiling, and its default. */
export const CEILING_ENV: Record<keyof ResolvedLimits, { variable: string; fallback: number }> = {
  memoryMb: { variable: "SKYWALKER_MAX_MEMORY_MB", fallback: 512 },
  timeoutMs: { variable: "SKYWALKER_MAX_TIMEOUT_MS", fallback: 300_000 },
  cpuMs: { variable: "SKYWALKER_MAX_CPU_MS", fallback: 300_000 },
  maxResultBytes: { variable: "SKYWALKER_MAX_RESULT_BYTES", fallback: 8 * 1024 * 1024 },
  maxLogBytes: { variable: "SKYWALKER_MAX_LOG_BYTES", fallback: 1024 * 1024 },
  maxRequests: { variable: "SKYWALKER_MAX_REQUESTS", fallback: 1000 },
  maxResponseBytes: { variable: "SKYWALKER_MAX_RESPONSE_BYTES", fallback: 16 * 1024 * 1024 },
};

export function ceilingsFromEnv(env: NodeJS.ProcessEnv = process.env): LimitCeilings {
  const ceilings = {} as LimitCeilings;
  for (const [field, { variable, fallback }] of Object.entries(CEILING_ENV) as [keyof ResolvedLimits, { variable: string; fallback: number }][]) {
    const text = env[variable];
    const value = text === undefined || text === "" ? fallback : Number(text);
    if (!Number.isInteger(value) || value <= 0) {
      throw new SkywalkerError(ErrorCodes.CONFIG_INVALID, `${variable} must be a positive whole number; got "${text}"`);
    }
    ceilings[field] = value;
  }
  return ceilings;
}

export interface LimitIssue {
  path: string;
  message: string;
}

/** Fills in defaults and checks each limit against its ceiling. */
export function resolveLimits(requested: Partial<ResolvedLimits> | undefined, ceilings: LimitCeilings): { limits: ResolvedLimits; issues: LimitIssue[] } {
  const limits: ResolvedLimits = { ...DEFAULT_LIMITS, ...requested };
  const issues: LimitIssue[] = [];
  for (const field of Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[]) {
    if (limits[field] > ceilings[field]) {
      issues.push({
        path: `limits.${field}`,
        message: `${limits[field]} is over the operator's ceiling of ${ceilings[field]} (set by ${CEILING_ENV[field].variable})`,
      });
    }
  }
  if (limits.memoryMb < MIN_MEMORY_MB) issues.push({ path: "limits.memoryMb", message: `must be at least ${MIN_MEMORY_MB} (MiB)` });
  // A default CPU budget never exceeds an explicitly shorter wall-clock budget.
  if (requested?.cpuMs === undefined && limits.cpuMs > limits.timeoutMs) limits.cpuMs = limits.timeoutMs;
  return { limits, issues };
}
