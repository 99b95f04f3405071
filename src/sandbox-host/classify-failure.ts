// Names what stopped a run when a call into the isolate threw or rejected. The runtime reports
// everything the function itself does as data, so a throw here is a breach the monitor caused,
// a limit V8 enforced, or a promise the function left rejected without a handler.
import type ivm from "isolated-vm";
import { ErrorCodes, messageOf } from "../errors.ts";
import type { RunError } from "../run-record.ts";
import type { RunMonitor } from "./run-monitor.ts";

export function classifyFailure(thrown: unknown, isolate: ivm.Isolate, monitor: RunMonitor, memoryMb: number): RunError {
  if (monitor.breach !== undefined) return monitor.breach;
  const message = messageOf(thrown);
  if (/memory limit/i.test(message)) {
    return {
      code: ErrorCodes.MEMORY_LIMIT,
      name: "LimitError",
      message: `the function ran out of memory: over ${memoryMb} MiB (limits.memoryMb)`,
      retryable: false,
    };
  }
  if (/Script execution timed out/i.test(message)) {
    return { code: ErrorCodes.TIMEOUT, name: "LimitError", message: "the run did not finish within its time limit (limits.timeoutMs)", retryable: false };
  }
  if (isolate.isDisposed) {
    return { code: ErrorCodes.SANDBOX_CRASHED, name: "SandboxError", message: `the isolate stopped: ${message}`, retryable: true };
  }
  return {
    code: ErrorCodes.UNHANDLED_REJECTION,
    name: "UnhandledRejection",
    message: `a promise was rejected and nothing handled it: ${message}`,
    retryable: false,
  };
}

/** Codes after which the isolate is not trusted for another run. */
const BREACH_CODES: ReadonlySet<string> = new Set<string>([
  ErrorCodes.TIMEOUT,
  ErrorCodes.CPU_LIMIT,
  ErrorCodes.MEMORY_LIMIT,
  ErrorCodes.LOG_LIMIT,
  ErrorCodes.RESULT_TOO_LARGE,
  ErrorCodes.RESULT_NOT_SERIALIZABLE,
  ErrorCodes.TIMER_LIMIT,
  ErrorCodes.UNHANDLED_REJECTION,
  ErrorCodes.SANDBOX_CRASHED,
  ErrorCodes.MODULE_INIT,
]);

export function isolateUnusableAfter(code: string): boolean {
  return BREACH_CODES.has(code);
}
