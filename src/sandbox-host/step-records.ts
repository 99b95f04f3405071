// What a run records of its steps: the outcome a step reports from the isolate, checked before
// the host trusts it, and the records of a step that failed or never ran.
import type { StepOutcome } from "../../sandbox/contract.ts";
import { ErrorCodes } from "../errors.ts";
import type { RunError, StepRecord } from "../run-record.ts";
import type { RunMonitor } from "./run-monitor.ts";

/** Slack over maxResultBytes for the outcome envelope (error messages, stack traces). */
const OUTCOME_ENVELOPE_BYTES = 64 * 1024;

/** The runtime size-checks results, but the host trusts nothing that comes out of an isolate. */
export function parseStepOutcome(outcomeJson: unknown, maxResultBytes: number): StepOutcome {
  const max = maxResultBytes + OUTCOME_ENVELOPE_BYTES;
  if (typeof outcomeJson !== "string" || outcomeJson.length > max) {
    return { ok: false, error: { code: ErrorCodes.RESULT_TOO_LARGE, name: "RangeError", message: `the step's outcome was not a string of at most ${max} bytes` } };
  }
  const outcome = JSON.parse(outcomeJson) as StepOutcome;
  if (outcome.ok === true && typeof outcome.resultJson === "string") return outcome;
  if (outcome.ok === false && typeof outcome.error?.code === "string" && typeof outcome.error.message === "string") return outcome;
  return { ok: false, error: { code: ErrorCodes.INTERNAL, name: "Error", message: "the sandbox runtime returned a malformed outcome" } };
}

/** A step's record as it starts (failed until it succeeds), or of one that a failure ended. */
export function failedStep(index: number, handler: string, monitor: RunMonitor, error: RunError | undefined): StepRecord {
  return { index, handler, status: "failed", result: null, error: error ?? null, startedAt: new Date().toISOString(), durationMs: Date.now() - monitor.startedAt };
}

/** Steps after a failure are recorded as skipped, so a workflow's record shows what did not run. */
export function fillSkippedSteps(steps: StepRecord[], handlers: string[]): void {
  for (let index = steps.length; index < handlers.length; index++) {
    steps.push({ index, handler: handlers[index] ?? "", status: "skipped", result: null, error: null, startedAt: new Date().toISOString(), durationMs: 0 });
  }
}
