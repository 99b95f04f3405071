// One function's isolate inside a host process. Runs of the function are serialised on it, so
// each run's CPU time, logs and timers are its own. The isolate (and, in warm mode, its context)
// lives across runs until a run breaches a limit; then it is disposed and rebuilt from the code
// cache on the next run.
import ivm from "isolated-vm";
import type { JsonValue, StepInput, StepOutcome } from "../../sandbox/contract.ts";
import { ErrorCodes } from "../errors.ts";
import type { LogEntry, RunError, StepRecord } from "../run-record.ts";
import { toRunError } from "../run-record.ts";
import { classifyFailure, isolateUnusableAfter } from "./classify-failure.ts";
import type { CodeCache } from "./code-cache.ts";
import { prepareContext } from "./prepared-context.ts";
import type { CompiledScripts, PreparedContext } from "./prepared-context.ts";
import type { HostFunctionSpec, HostRunOutcome, HostRunRequest } from "./protocol.ts";
import { RunMonitor } from "./run-monitor.ts";
import { RunCapabilities } from "./capabilities/run-capabilities.ts";
import type { StateCall } from "./capabilities/run-capabilities.ts";

/** Slack over maxResultBytes for the outcome envelope (error messages, stack traces). */
const OUTCOME_ENVELOPE_BYTES = 64 * 1024;

export class FunctionSandbox {
  private isolate: ivm.Isolate | undefined;
  private scripts: CompiledScripts | undefined;
  private warm: PreparedContext | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  readonly spec: HostFunctionSpec;
  private readonly code: string;
  private readonly runtimeCode: string;
  private readonly cache: CodeCache;
  private readonly state: StateCall;

  constructor(spec: HostFunctionSpec, code: string, runtimeCode: string, cache: CodeCache, state: StateCall) {
    this.spec = spec;
    this.code = code;
    this.runtimeCode = runtimeCode;
    this.cache = cache;
    this.state = state;
  }

  /** Runs after every run queued before it. */
  run(request: HostRunRequest, onLog: (entry: LogEntry) => void): Promise<HostRunOutcome> {
    const next = this.queue.then(() => this.execute(request, onLog));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Disposes the isolate once the runs already queued have finished. */
  retire(): void {
    void this.queue.then(() => this.dispose());
  }

  dispose(): void {
    this.warm = undefined;
    this.scripts = undefined;
    if (this.isolate !== undefined && !this.isolate.isDisposed) this.isolate.dispose();
    this.isolate = undefined;
  }

  private async execute(request: HostRunRequest, onLog: (entry: LogEntry) => void): Promise<HostRunOutcome> {
    const { limits } = this.spec;
    const monitor = new RunMonitor(limits, onLog);
    const isolate = (this.isolate ??= new ivm.Isolate({ memoryLimit: limits.memoryMb }));
    monitor.watch(isolate);
    const capabilities = new RunCapabilities(
      { functionName: this.spec.name, allowNet: this.spec.allowNet, maxRequests: limits.maxRequests, maxResponseBytes: limits.maxResponseBytes },
      this.state,
      monitor.remainingMs(),
    );
    const steps: StepRecord[] = [];
    let failure: RunError | undefined;
    let prepared: PreparedContext | undefined;
    try {
      prepared = await this.context(isolate);
      prepared.run = monitor;
      prepared.capabilities = capabilities;
      failure = await this.runSteps(prepared, request, monitor, steps);
    } catch (thrown) {
      failure = classifyFailure(thrown, isolate, monitor, limits.memoryMb);
      const current = steps.at(-1);
      if (current !== undefined && current.status === "succeeded" && steps.length < request.stepArgs.length) {
        steps.push(failedStep(steps.length, this.spec.handlers[steps.length] ?? "", monitor, failure));
      }
    } finally {
      monitor.stop();
      capabilities.close();
      if (prepared !== undefined) {
        prepared.run = undefined;
        prepared.capabilities = undefined;
        prepared.clearTimers();
      }
    }
    if (failure !== undefined) failure = monitor.breach ?? failure;
    this.afterRun(prepared, failure);
    fillSkippedSteps(steps, this.spec.handlers);
    const last = steps.findLast((step) => step.status === "succeeded");
    return {
      status: failure === undefined ? "succeeded" : "failed",
      result: failure === undefined ? (last?.result ?? null) : null,
      error: failure ?? null,
      steps,
      cpuMs: monitor.cpuMs(),
      logsTruncated: monitor.logsTruncated,
    };
  }

  /** Runs the steps in order; the first failure stops the rest and is returned. */
  private async runSteps(prepared: PreparedContext, request: HostRunRequest, monitor: RunMonitor, steps: StepRecord[]): Promise<RunError | undefined> {
    let previousResultJson: string | undefined;
    for (let index = 0; index < request.stepArgs.length; index++) {
      monitor.step = index;
      const startedAt = Date.now();
      steps.push(failedStep(index, this.spec.handlers[index] ?? "", monitor, undefined));
      const input: StepInput = {
        meta: {
          function: this.spec.name,
          runId: request.runId,
          attempt: request.attempt,
          scheduledAt: request.scheduledAt,
          environment: request.environment,
          step: index,
          stepCount: request.stepArgs.length,
          handler: this.spec.handlers[index] ?? "",
        },
        argsJson: request.stepArgs[index] ?? "{}",
        secrets: request.secrets,
        ...(previousResultJson === undefined ? {} : { previousResultJson }),
      };
      const outcomeJson = await prepared.runStep.apply(undefined, [JSON.stringify(input)], {
        arguments: { copy: true },
        result: { promise: true, copy: true },
        timeout: monitor.remainingMs(),
      });
      const outcome = this.parseOutcome(outcomeJson);
      const step = steps[index]!;
      step.durationMs = Date.now() - startedAt;
      if (!outcome.ok) {
        step.error = toRunError(outcome.error);
        return step.error;
      }
      step.status = "succeeded";
      step.result = JSON.parse(outcome.resultJson) as JsonValue;
      previousResultJson = outcome.resultJson;
    }
    return undefined;
  }

  /** The runtime size-checks results, but the host trusts nothing that comes out of an isolate. */
  private parseOutcome(outcomeJson: unknown): StepOutcome {
    const max = this.spec.limits.maxResultBytes + OUTCOME_ENVELOPE_BYTES;
    if (typeof outcomeJson !== "string" || outcomeJson.length > max) {
      return { ok: false, error: { code: ErrorCodes.RESULT_TOO_LARGE, name: "RangeError", message: `the step's outcome was not a string of at most ${max} bytes` } };
    }
    const outcome = JSON.parse(outcomeJson) as StepOutcome;
    if (outcome.ok === true && typeof outcome.resultJson === "string") return outcome;
    if (outcome.ok === false && typeof outcome.error?.code === "string" && typeof outcome.error.message === "string") return outcome;
    return { ok: false, error: { code: ErrorCodes.INTERNAL, name: "Error", message: "the sandbox runtime returned a malformed outcome" } };
  }

  private async context(isolate: ivm.Isolate): Promise<PreparedContext> {
    if (this.warm !== undefined) return this.warm;
    this.scripts ??= {
      runtime: await this.cache.compile(isolate, "runtime", this.runtimeCode, "skywalker:runtime.js"),
      bundle: await this.cache.compile(isolate, this.spec.codeHash, this.code, `functions:${this.spec.name}.js`),
    };
    const prepared = prepareContext(isolate, this.scripts, { maxResultBytes: this.spec.limits.maxResultBytes });
    if (this.spec.isolation === "warm") this.warm = prepared;
    return prepared;
  }

  private afterRun(prepared: PreparedContext | undefined, failure: RunError | undefined): void {
    if (failure !== undefined && isolateUnusableAfter(failure.code)) {
      this.dispose();
      return;
    }
    if (prepared !== undefined && prepared !== this.warm) prepared.release();
  }
}

function failedStep(index: number, handler: string, monitor: RunMonitor, error: RunError | undefined): StepRecord {
  return { index, handler, status: "failed", result: null, error: error ?? null, startedAt: new Date().toISOString(), durationMs: Date.now() - monitor.startedAt };
}

/** Steps after a failure are recorded as skipped, so a workflow's record shows what did not run. */
function fillSkippedSteps(steps: StepRecord[], handlers: string[]): void {
  for (let index = steps.length; index < handlers.length; index++) {
    steps.push({ index, handler: handlers[index] ?? "", status: "skipped", result: null, error: null, startedAt: new Date().toISOString(), durationMs: 0 });
  }
}
