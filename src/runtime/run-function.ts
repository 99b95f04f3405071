// Runs one function the way an executor does and returns its run record: skips a disabled
// function, asks DNS whether an active-passive function may run here, then runs its steps in
// the sandbox pool. `skywalker run` and the queue's executors share this path.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { JsonValue } from "../../sandbox/contract.ts";
import { ErrorCodes } from "../errors.ts";
import type { LoadedFunction } from "../functions/types.ts";
import type { LogEntry, RunError, RunRecord } from "../run-record.ts";
import type { SandboxPool } from "../sandbox-host/sandbox-pool.ts";
import type { ActiveCheckResult } from "./active-passive.ts";
import { Redactor, resolveSecrets } from "./secrets.ts";
import { argsShapeProblem, isEmptyArgs, isWorkflow } from "./step-args.ts";

export interface RunRequest {
  /** Replaces the config's args when given and not empty (the original's rule). */
  args?: JsonValue;
  runId?: string;
  attempt?: number;
  scheduledAt?: string | null;
  environment?: string | null;
}

export interface RunDependencies {
  pool: SandboxPool;
  /** Decides whether this cluster is the active one for an active-passive function. */
  checkActive: (fn: LoadedFunction) => Promise<ActiveCheckResult>;
  logger: Logger;
  /** Sees each log line of the function as it is written. */
  onLog?: (entry: LogEntry) => void;
  executorId?: string;
}

export async function runFunction(fn: LoadedFunction, request: RunRequest, deps: RunDependencies): Promise<RunRecord> {
  const startedAt = new Date();
  const record: RunRecord = {
    id: request.runId ?? randomUUID(),
    function: fn.name,
    executor: fn.kind,
    status: "running",
    result: null,
    error: null,
    logs: [],
    steps: [],
    attempt: request.attempt ?? 1,
    scheduledAt: request.scheduledAt ?? null,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    ...(deps.executorId === undefined ? {} : { executorId: deps.executorId }),
  };
  // Made on the first line to log: most runs log nothing, and a child logger is not free.
  let childLog: Logger | undefined;
  const log = (): Logger => (childLog ??= deps.logger.child({ function: fn.name, runId: record.id }));
  const started = performance.now();
  const finish = (): RunRecord => {
    record.durationMs = Number((performance.now() - started).toFixed(3));
    return record;
  };

  if (!fn.enabled) {
    skip(record, "the function is disabled (enabled: false in its config)");
    return finish();
  }

  const stepArgs = argsOfSteps(fn, request.args);
  if ("error" in stepArgs) {
    record.status = "failed";
    record.error = stepArgs.error;
    return finish();
  }

  if (fn.kind === "active-passive" || fn.kind === "active-passive-workflow") {
    const decision = await deps.checkActive(fn);
    log().debug({ decision }, "active-passive check");
    if (!decision.active) {
      skip(record, decision.reason);
      if (decision.error !== undefined) record.error = { ...decision.error, retryable: true };
      return finish();
    }
  }

  const secrets = resolveSecrets(fn.secrets);
  if ("missing" in secrets) {
    record.status = "failed";
    record.error = {
      code: ErrorCodes.SECRET_MISSING,
      name: "SecretError",
      message: `secrets ${secrets.missing.join(", ")} of ${fn.name} are not set: set an environment variable of that name or a file in SKYWALKER_SECRETS_DIR`,
      retryable: false,
    };
    return finish();
  }
  const redact = new Redactor(secrets.values);
  const outcome = await deps.pool.run(
    fn,
    {
      runId: record.id,
      attempt: record.attempt,
      scheduledAt: record.scheduledAt,
      environment: request.environment ?? null,
      stepArgs: stepArgs.json,
      secrets: secrets.values,
    },
    (raw) => {
      const entry = redact.empty ? raw : { ...raw, msg: redact.text(raw.msg) };
      record.logs.push(entry);
      log()[entry.level]({ step: entry.step }, entry.msg);
      deps.onLog?.(entry);
    },
  );
  record.status = outcome.status;
  record.result = redact.json(outcome.result);
  record.error = redact.json(outcome.error);
  record.steps = redact.json(outcome.steps);
  record.cpuMs = Number(outcome.cpuMs.toFixed(3));
  if (outcome.logsTruncated) record.logsTruncated = true;
  return finish();
}

function skip(record: RunRecord, reason: string): RunRecord {
  record.status = "skipped";
  record.skipReason = reason;
  return record;
}

/** JSON text of each step's args: the config's, or the request's when given and not empty. */
function argsOfSteps(fn: LoadedFunction, override: JsonValue | undefined): { json: string[] } | { error: RunError } {
  if (isEmptyArgs(override)) return { json: fn.steps.map((step) => JSON.stringify(step.args)) };
  const problem = argsShapeProblem(fn, override);
  if (problem !== undefined) return { error: usage(problem) };
  return { json: isWorkflow(fn) ? (override as JsonValue[]).map((args) => JSON.stringify(args)) : [JSON.stringify(override)] };
}

function usage(message: string): RunError {
  return { code: ErrorCodes.USAGE, name: "UsageError", message, retryable: false };
}
