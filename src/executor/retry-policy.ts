// Which failed runs the queue tries again. A fault in the function's surroundings (its sandbox
// host died, the DNS check failed) or a plain throw (a check's target blipped) may pass on a
// retry; a breach of the function's own limits, a bad config or a quarantine will not.
import { ErrorCodes } from "../errors.ts";
import type { RunError } from "../run-record.ts";

const RETRYABLE: ReadonlySet<string> = new Set<string>([
  ErrorCodes.SANDBOX_CRASHED,
  ErrorCodes.HANDLER_THREW,
  ErrorCodes.UNHANDLED_REJECTION,
  ErrorCodes.ACTIVE_CHECK_FAILED,
  ErrorCodes.INTERNAL,
]);

export function isRetryable(error: RunError | null): boolean {
  return error !== null && RETRYABLE.has(error.code);
}
