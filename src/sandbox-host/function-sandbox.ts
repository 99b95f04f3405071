// One function's isolate inside a host process. Runs of the function are serialised on it, so
// each run's CPU time, logs and timers are its own. The isolate (and, in warm mode, its context)
// lives across runs until a run breaches a limit; then it is disposed and rebuilt from the code
// cache on the next run.
//
// A call into an isolate off the host's thread costs two thread hops (about 60 µs here); a
// synchronous call costs about 2 µs but holds the host's thread. So a function whose runs have
// proven light starts each run with a synchronous slice of at most SYNC_SLICE_MS. Nothing leaves
// the isolate during the slice (log lines are held, host calls queued); if the slice runs out,
// it is thrown away with the isolate, and the run starts again off the thread, where that
// function stays from then on (see FastPath).
import ivm from "isolated-vm";
import type { JsonValue, StepInput } from "../../sandbox/contract.ts";
import { ErrorCodes } from "../errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../json-values.ts";
import type { LogEntry, RunError, StepRecord } from "../run-record.ts";
import { toRunError } from "../run-record.ts";
import { classifyFailure, isolateUnusableAfter } from "./classify-failure.ts";
import type { CodeCache } from "./code-cache.ts";
import { prepareContext } from "./prepared-context.ts";
import type { PreparedContext } from "./prepared-context.ts";
import type { SpareIsolates } from "./spare-isolates.ts";
import type { HostFunctionSpec, HostRunOutcome, HostRunRequest } from "./protocol.ts";
import { FastPath } from "./fast-path.ts";
import { RunMonitor } from "./run-monitor.ts";
import { failedStep, fillSkippedSteps, parseStepOutcome } from "./step-records.ts";
import { RUNTIME_SCRIPT } from "./runtime-source.ts";
import { RunCapabilities } from "./capabilities/run-capabilities.ts";
import type { StateCall } from "./capabilities/run-capabilities.ts";

/** The longest a run may hold the host's thread in its synchronous slice. */
export const SYNC_SLICE_MS = 10;

/** How often the host looks for isolates busy between runs, and the CPU they may use meanwhile (a cache refresh, say). */
export const IDLE_CHECK_MS = 250;
const IDLE_CPU_ALLOWANCE_NS = 50_000_000n;
const MAINTENANCE_GRACE_MS = 1000;

/** The synchronous slice ran out: the attempt is void and the run starts again off the thread. */
const SLICE_OVERRUN = Symbol("slice overrun");

export class FunctionSandbox {
  private isolate: ivm.Isolate | undefined;
  private runtimeScript: ivm.Script | undefined;
  private bundleScript: ivm.Script | undefined;
  private warm: PreparedContext | undefined;
  /** A context with the runtime installed, made before it is needed (from a spare, or for the next fresh run). */
  private ready: PreparedContext | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextStepToken = 1;
  private readonly fastPath = new FastPath();
  private running = false;
  /** Since when a refresh of the code cache is in progress in the isolate (see refreshCodeCacheSoon). */
  private maintenanceSince: number | undefined;
  /** The isolate's CPU time at the last idle check, in ns. */
  private idleCpu: bigint | undefined;

  readonly spec: HostFunctionSpec;
  private readonly code: string;
  private readonly runtimeCode: string;
  private readonly cache: CodeCache;
  private readonly state: StateCall;
  private readonly spares: SpareIsolates | undefined;

  constructor(spec: HostFunctionSpec, code: string, runtimeCode: string, cache: CodeCache, state: StateCall, spares?: SpareIsolates) {
    this.spec = spec;
    this.code = code;
    this.runtimeCode = runtimeCode;
    this.cache = cache;
    this.state = state;
    this.spares = spares;
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
    this.fastPath.reset();
    this.warm = undefined;
    this.ready = undefined;
    this.runtimeScript = undefined;
    this.bundleScript = undefined;
    if (this.isolate !== undefined && !this.isolate.isDisposed) this.isolate.dispose();
    this.isolate = undefined;
  }

  private async execute(request: HostRunRequest, onLog: (entry: LogEntry) => void): Promise<HostRunOutcome> {
    this.running = true;
    try {
      const startedAt = Date.now();
      const outcome = await this.attempt(request, onLog, startedAt, this.fastPath.eligible());
      if (outcome !== SLICE_OVERRUN) {
        this.fastPath.observe(outcome.cpuMs, outcome.error === null || !isolateUnusableAfter(outcome.error.code));
        return outcome;
      }
      this.fastPath.demote();
      this.dispose();
      return (await this.attempt(request, onLog, startedAt, false)) as HostRunOutcome;
    } finally {
      this.running = false;
      this.idleCpu = undefined;
    }
  }

  /**
   * Called every IDLE_CHECK_MS by the host. An isolate that uses CPU while none of its function's
   * runs is in progress runs code that no run's limits watch (a callback a run left behind that
   * got past the runtime's and the bridge's fences): it is thrown away. Answers whether it was.
   */
  checkIdle(): boolean {
    const isolate = this.isolate;
    // A refresh is short; one that takes long waits behind code that should not be running.
    const maintaining = this.maintenanceSince !== undefined && Date.now() - this.maintenanceSince < MAINTENANCE_GRACE_MS;
    if (this.running || maintaining || isolate === undefined || isolate.isDisposed) {
      this.idleCpu = undefined;
      return false;
    }
    const cpu = isolate.cpuTime;
    const before = this.idleCpu;
    this.idleCpu = cpu;
    if (before === undefined || cpu - before <= IDLE_CPU_ALLOWANCE_NS) return false;
    this.dispose();
    return true;
  }

  /** One try at the run; with `sync`, its first step starts in a synchronous slice. */
  private async attempt(request: HostRunRequest, onLog: (entry: LogEntry) => void, startedAt: number, sync: boolean): Promise<HostRunOutcome | typeof SLICE_OVERRUN> {
    const { limits } = this.spec;
    const monitor = new RunMonitor(limits, onLog, startedAt);
    const isolate = this.acquireIsolate();
    monitor.watch(isolate);
    const capabilities = new RunCapabilities(
      { functionName: this.spec.name, allowNet: this.spec.allowNet, maxRequests: limits.maxRequests, maxResponseBytes: limits.maxResponseBytes },
      this.state,
    );
    const steps: StepRecord[] = [];
    let failure: RunError | undefined;
    let prepared: PreparedContext | undefined;
    try {
      prepared = await this.context(isolate);
      prepared.run = monitor;
      prepared.capabilities = capabilities;
      const stepFailure = await this.runSteps(prepared, request, monitor, steps, sync);
      if (stepFailure === SLICE_OVERRUN) return SLICE_OVERRUN;
      failure = stepFailure;
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
        prepared.onStepDone = undefined;
        prepared.onDeliveryFailed = undefined;
        prepared.clearTimers();
      }
    }
    if (failure !== undefined) {
      failure = monitor.breach ?? failure;
      // A breach (or any throw) ends the step in progress: its record says so, and how long it ran.
      const current = steps.findLast((step) => step.status === "failed");
      if (current !== undefined && current.error === null) {
        current.error = failure;
        current.durationMs = Date.now() - Date.parse(current.startedAt);
      }
    }
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
  private async runSteps(prepared: PreparedContext, request: HostRunRequest, monitor: RunMonitor, steps: StepRecord[], sync: boolean): Promise<RunError | undefined | typeof SLICE_OVERRUN> {
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
        maxResultBytes: this.spec.limits.maxResultBytes,
        ...(previousResultJson === undefined ? {} : { previousResultJson }),
      };
      // Only the first step may be thrown away and started again: nothing has left the run yet.
      const outcomeJson = sync && index === 0 ? await this.callSync(prepared, JSON.stringify(input), monitor) : await this.callAsync(prepared, JSON.stringify(input), monitor);
      if (outcomeJson === SLICE_OVERRUN) return SLICE_OVERRUN;
      const outcome = parseStepOutcome(outcomeJson, this.spec.limits.maxResultBytes);
      const step = steps[index]!;
      step.durationMs = Date.now() - startedAt;
      if (!outcome.ok) {
        step.error = toRunError(outcome.error);
        return step.error;
      }
      const result = JSON.parse(outcome.resultJson) as JsonValue;
      // Node's IPC and the run record serialise recursively: a deeper result would overflow them.
      if (nestsDeeperThan(result)) {
        step.error = { code: ErrorCodes.RESULT_NOT_SERIALIZABLE, name: "TypeError", message: `the result nests deeper than ${MAX_JSON_DEPTH} levels`, retryable: false };
        return step.error;
      }
      step.status = "succeeded";
      step.result = result;
      previousResultJson = outcome.resultJson;
    }
    return undefined;
  }

  /** Starts the step off the host's thread; the runtime reports its outcome when it ends. */
  private async callAsync(prepared: PreparedContext, inputJson: string, monitor: RunMonitor): Promise<string> {
    const token = this.nextStepToken++;
    monitor.arm();
    const done = this.stepDone(prepared, token, monitor);
    // Awaited below; a breach while the step starts must not count as an unhandled rejection.
    done.catch(() => undefined);
    await prepared.startStep.apply(undefined, [inputJson, token, true], { arguments: { copy: true }, timeout: monitor.remainingMs() });
    return done;
  }

  /**
   * Starts the step with a synchronous slice: most light steps end in it. One still waiting at
   * its end goes on off the thread; one still running is thrown away (SLICE_OVERRUN).
   */
  private async callSync(prepared: PreparedContext, inputJson: string, monitor: RunMonitor): Promise<string | typeof SLICE_OVERRUN> {
    const token = this.nextStepToken++;
    const wallMs = monitor.remainingMs();
    const cpuMs = monitor.remainingCpuMs();
    const sliceMs = Math.min(SYNC_SLICE_MS, wallMs, cpuMs);
    monitor.hold();
    prepared.holdCalls = true;
    let outcomeJson: string;
    try {
      prepared.startStep.applySync(undefined, [inputJson, token, false], { arguments: { copy: true }, timeout: sliceMs });
      outcomeJson = prepared.stepOutcome.applySync(undefined, [], { timeout: sliceMs });
    } catch (thrown) {
      if (timedOut(thrown)) {
        if (sliceMs === SYNC_SLICE_MS && sliceMs < wallMs && sliceMs < cpuMs) {
          monitor.discard();
          prepared.releaseCalls(true);
          return SLICE_OVERRUN;
        }
        if (cpuMs <= wallMs) monitor.tripCpu();
        else monitor.tripTimeout();
      }
      monitor.release();
      prepared.releaseCalls(true);
      throw thrown;
    }
    monitor.release();
    if (monitor.breach !== undefined) {
      prepared.releaseCalls(true);
      throw new Error(monitor.breach.message);
    }
    prepared.releaseCalls();
    if (outcomeJson !== "") return outcomeJson;
    monitor.arm();
    return this.stepDone(prepared, token, monitor);
  }

  /** The outcome the runtime reports for step `token`; rejects when the run breaches a limit first. */
  private stepDone(prepared: PreparedContext, token: number, monitor: RunMonitor): Promise<string> {
    return new Promise((resolve, reject) => {
      prepared.onStepDone = (doneToken, outcomeJson) => {
        if (doneToken !== token) return;
        prepared.onStepDone = undefined;
        prepared.onDeliveryFailed = undefined;
        resolve(outcomeJson);
      };
      // The isolate died while the step waited (out of memory in a timer callback, say).
      prepared.onDeliveryFailed = reject;
      monitor.onTrip(() => reject(new Error(monitor.breach?.message ?? "the run breached a limit")));
    });
  }

  /** The function's isolate: the one it has, else a spare made ahead of need, else a new one. */
  private acquireIsolate(): ivm.Isolate {
    // Disposed between runs, it ran out of memory outside a run (in a cache refresh, say).
    if (this.isolate?.isDisposed === true) this.dispose();
    if (this.isolate !== undefined) return this.isolate;
    const spare = this.spares?.take(this.spec.limits.memoryMb);
    if (spare !== undefined) {
      this.runtimeScript = spare.runtime;
      this.ready = spare.context;
      this.isolate = spare.isolate;
    } else {
      this.isolate = new ivm.Isolate({ memoryLimit: this.spec.limits.memoryMb });
    }
    return this.isolate;
  }

  private async context(isolate: ivm.Isolate): Promise<PreparedContext> {
    if (this.warm !== undefined) return this.warm;
    this.runtimeScript ??= await this.cache.compile(isolate, RUNTIME_SCRIPT.key, this.runtimeCode, RUNTIME_SCRIPT.filename);
    this.bundleScript ??= await this.cache.compile(isolate, this.spec.codeHash, this.code, this.bundleFilename);
    const prepared = this.ready ?? prepareContext(isolate, this.runtimeScript);
    this.ready = undefined;
    prepared.loadBundle(this.bundleScript);
    if (this.spec.isolation === "warm") this.warm = prepared;
    return prepared;
  }

  /** In fresh mode, makes the next run's context once this run is over, off that run's path. */
  private prepareNextFresh(): void {
    const isolate = this.isolate;
    const runtime = this.runtimeScript;
    if (this.spec.isolation !== "fresh" || isolate === undefined || runtime === undefined || this.ready !== undefined) return;
    setImmediate(() => {
      if (this.isolate !== isolate || isolate.isDisposed || this.ready !== undefined) return;
      try {
        this.ready = prepareContext(isolate, runtime);
      } catch {
        // the isolate went away meanwhile; the next run makes its context itself
      }
    });
  }

  private get bundleFilename(): string {
    return `functions:${this.spec.name}.js`;
  }

  private afterRun(prepared: PreparedContext | undefined, failure: RunError | undefined): void {
    if (failure !== undefined && isolateUnusableAfter(failure.code)) {
      this.dispose();
      return;
    }
    if (prepared !== undefined && prepared !== this.warm) prepared.release();
    if (failure === undefined) this.refreshCodeCacheSoon();
    this.prepareNextFresh();
  }

  /**
   * After the first run that succeeded, the function's own isolate has compiled what its runs
   * call (handlers, helpers): its next new isolate takes that code from the cache. Not in an
   * isolate the function has filled past half its memory limit: the compile allocates there.
   */
  private refreshCodeCacheSoon(): void {
    const isolate = this.isolate;
    const { codeHash } = this.spec;
    if (isolate === undefined || this.cache.isRefreshed(codeHash)) return;
    // Asynchronous throughout: a synchronous call would hold the host's thread for as long as
    // the isolate is busy, and between runs nothing bounds that.
    setImmediate(() => {
      if (isolate.isDisposed) return;
      // Skywalker's own work in the isolate: the idle check must not take it for the function's.
      this.maintenanceSince = Date.now();
      isolate
        .getHeapStatistics()
        .then((heap) => {
          if (heap.used_heap_size + heap.externally_allocated_size < heap.heap_size_limit / 2) return this.cache.refresh(isolate, codeHash, this.code, this.bundleFilename);
        })
        .catch(() => undefined) // disposed meanwhile
        .finally(() => {
          this.maintenanceSince = undefined;
          this.idleCpu = undefined;
        });
    });
  }
}

function timedOut(thrown: unknown): boolean {
  return thrown instanceof Error && /Script execution timed out/i.test(thrown.message);
}
