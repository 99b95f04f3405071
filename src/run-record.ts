// The run record: the one shape in which every part (CLI, queue, proxy, GUI) stores and shows a run.
import type { JsonValue, LogLevel, SerializedError } from "../sandbox/contract.ts";
import type { ExecutorKind } from "./functions/types.ts";

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "skipped";

export interface RunError {
  code: string;
  message: string;
  name?: string;
  stack?: string;
  /** Whether running again could succeed (a crashed sandbox host: yes; a limit breach: no). */
  retryable?: boolean;
}

export interface LogEntry {
  level: LogLevel;
  msg: string;
  /** ISO time. */
  time: string;
  /** Workflow step that wrote the line. */
  step?: number;
}

export interface StepRecord {
  index: number;
  handler: string;
  status: "succeeded" | "failed" | "skipped";
  result: JsonValue;
  error: RunError | null;
  startedAt: string;
  durationMs: number;
}

export interface RunRecord {
  id: string;
  function: string;
  executor: ExecutorKind;
  status: RunStatus;
  result: JsonValue;
  error: RunError | null;
  /** Why a run was skipped (disabled, passive cluster, overlapping tick…). */
  skipReason?: string;
  logs: LogEntry[];
  /** True when log lines were dropped because the run hit `maxLogBytes`. */
  logsTruncated?: boolean;
  steps: StepRecord[];
  attempt: number;
  scheduledAt: string | null;
  /** When the proxy accepted the run (queued runs only). */
  queuedAt?: string;
  startedAt: string;
  durationMs: number;
  /** CPU time the isolate spent on this run, in ms. */
  cpuMs?: number;
  /** Which executor ran it (host name and process), when run by the queue. */
  executorId?: string;
}

export function toRunError(error: SerializedError, retryable = false): RunError {
  const out: RunError = { code: error.code, message: error.message, name: error.name, retryable };
  if (error.stack !== undefined) out.stack = error.stack;
  return out;
}
