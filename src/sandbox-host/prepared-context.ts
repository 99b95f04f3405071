// A context of a function's isolate, made ready to run steps: the runtime is installed and the
// bridged capabilities (log, timers) point at whichever run the context serves now. Then the
// function's code is loaded (its modules are evaluated by the first step, inside the deadline).
// Until it is, a context has run nothing but Skywalker's runtime, so it can be made ahead of
// need (see SpareIsolates).
import ivm from "isolated-vm";
import { BRIDGE } from "../../sandbox/contract.ts";
import type { RuntimeSettings } from "../../sandbox/contract.ts";
import type { RunCapabilities } from "./capabilities/run-capabilities.ts";
import type { RunMonitor } from "./run-monitor.ts";

/** Most timers a run may have pending at once. */
const MAX_TIMERS = 1000;
const SETUP_TIMEOUT_MS = 1000;

export interface PreparedContext {
  context: ivm.Context;
  /** Loads the function's bundle script (which only defines the factory of its modules). */
  loadBundle(bundle: ivm.Script): void;
  /** Starts a step; see BRIDGE.startStep. */
  startStep: ivm.Reference<(inputJson: string, token: number, report: boolean) => void>;
  /** The outcome of a step started without `report`, or "" while pending; see BRIDGE.stepOutcome. */
  stepOutcome: ivm.Reference<() => string>;
  /** Called with the outcome of a step that reports (`token` tells which step). */
  onStepDone: ((token: number, outcomeJson: string) => void) | undefined;
  /**
   * Called when the host could not deliver a timer or a settled host call into the isolate: it
   * ran out of memory or was disposed while the step waited, and the step will never report.
   */
  onDeliveryFailed: ((error: unknown) => void) | undefined;
  /**
   * While set, host calls (fetch, state) are queued instead of started, so that a synchronous
   * slice that is thrown away has had no effect outside the isolate.
   */
  holdCalls: boolean;
  /** Starts the host calls queued while `holdCalls` was set; `discard` drops them instead. */
  releaseCalls(discard?: boolean): void;
  /** The run this context serves now; bridge calls outside a run are ignored. */
  run: RunMonitor | undefined;
  /** What that run may ask of the host (fetch, state). */
  capabilities: RunCapabilities | undefined;
  /** Clears every pending timer (at the end of each run: nothing of a run outlives it). */
  clearTimers(): void;
  release(): void;
}

/**
 * What the bridged callbacks reach. The callbacks live as long as the context does, so they must
 * not hold the context's own handles: that would be a cycle across the two heaps, which neither
 * garbage collector can see, and every released context would leak. `detach` cuts the links.
 */
class Bridge {
  run: RunMonitor | undefined;
  capabilities: RunCapabilities | undefined;
  fire: ((id: number) => void) | undefined;
  settle: ((id: number, ok: boolean, payloadJson: string) => void) | undefined;
  stepDone: ((token: number, outcomeJson: string) => void) | undefined;
  deliveryFailed: ((error: unknown) => void) | undefined;
  holdCalls = false;
  private held: (() => void)[] = [];
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextCallId = 1;

  /** Starts an async host call for the run; answers its id at once, settles it later. */
  hostCall(kind: unknown, payloadJson: unknown): string {
    const capabilities = this.capabilities;
    if (this.run === undefined || capabilities === undefined || (kind !== "fetch" && kind !== "state") || typeof payloadJson !== "string") {
      return JSON.stringify({ error: "no run is in progress" });
    }
    let start: () => Promise<unknown>;
    try {
      const payload = JSON.parse(payloadJson) as unknown;
      // Refusals that need no I/O are thrown here, so they reach the function at once.
      capabilities.check(kind, payload);
      start = () => capabilities.call(kind, payload);
    } catch (error) {
      return JSON.stringify({ error: (error as Error).message });
    }
    const id = this.nextCallId++;
    const run = this.run;
    const deliver = (ok: boolean, payloadJson: string): void => {
      if (this.awaits(run)) this.settle?.(id, ok, payloadJson);
    };
    const begin = (): void => {
      void new Promise((resolve) => resolve(start())).then(
        (value) => deliver(true, JSON.stringify(value ?? null)),
        (error: unknown) => deliver(false, JSON.stringify((error as Error)?.message ?? String(error))),
      );
    };
    if (this.holdCalls) this.held.push(begin);
    else begin();
    return JSON.stringify({ id });
  }

  /**
   * Whether `run` is still waiting for its step to report. Timers and call answers go into the
   * isolate only then: delivered after the step has ended, their callbacks would run outside
   * any run's limits. (The runtime drops them too, but its bookkeeping runs next to the
   * function's code, which can tamper with it.)
   */
  private awaits(run: RunMonitor | undefined): boolean {
    return run !== undefined && this.run === run && this.stepDone !== undefined;
  }

  releaseCalls(discard: boolean): void {
    const held = this.held;
    this.held = [];
    this.holdCalls = false;
    if (!discard) for (const begin of held) begin();
  }

  stepFinished(token: unknown, outcomeJson: unknown): void {
    if (typeof token === "number" && typeof outcomeJson === "string") this.stepDone?.(token, outcomeJson);
  }

  log(level: unknown, msg: unknown): void {
    this.run?.log(level, msg);
  }

  setTimer(id: unknown, delayMs: unknown): void {
    const run = this.run;
    if (run === undefined || typeof id !== "number" || typeof delayMs !== "number") return;
    // A timer due at or after the run's deadline never fires: the deadline ends the run first.
    // (Fired early instead, it would let the code after a long wait run within the deadline.)
    if (delayMs >= run.remainingMs()) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      if (this.awaits(run)) this.fire?.(id);
    }, delayMs);
    this.timers.set(id, timer);
  }

  clearTimer(id: unknown): void {
    if (typeof id !== "number") return;
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  clearTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  detach(): void {
    this.clearTimers();
    this.run = undefined;
    this.capabilities = undefined;
    this.fire = undefined;
    this.settle = undefined;
    this.stepDone = undefined;
    this.deliveryFailed = undefined;
    this.held = [];
  }
}

export function prepareContext(isolate: ivm.Isolate, runtime: ivm.Script): PreparedContext {
  // Setup runs only Skywalker's own code (the bundle script just defines a factory), so the
  // synchronous calls are short and bounded; they save a thread hop each over the async ones.
  const context = isolate.createContextSync();
  const bridge = new Bridge();
  const jail = context.global;
  jail.setSync(BRIDGE.hostLog, new ivm.Callback((level: unknown, msg: unknown) => bridge.log(level, msg)));
  jail.setSync(BRIDGE.hostSetTimer, new ivm.Callback((id: unknown, delayMs: unknown) => bridge.setTimer(id, delayMs)));
  jail.setSync(BRIDGE.hostClearTimer, new ivm.Callback((id: unknown) => bridge.clearTimer(id)));
  jail.setSync(BRIDGE.hostCall, new ivm.Callback((kind: unknown, payloadJson: unknown) => bridge.hostCall(kind, payloadJson)));
  // Ignored mode: the isolate does not wait for the host to take the outcome.
  jail.setSync(BRIDGE.hostStepDone, new ivm.Callback((token: unknown, outcomeJson: unknown) => bridge.stepFinished(token, outcomeJson), { ignored: true }));
  jail.setSync(BRIDGE.settings, JSON.stringify({ maxTimers: MAX_TIMERS } satisfies RuntimeSettings));
  runtime.runSync(context, { timeout: SETUP_TIMEOUT_MS });
  const startStep = takeGlobal<(inputJson: string, token: number, report: boolean) => void>(context, BRIDGE.startStep);
  const stepOutcome = takeGlobal<() => string>(context, BRIDGE.stepOutcome);
  const fireTimer = takeGlobal<(id: number) => void>(context, BRIDGE.fireTimer);
  const settle = takeGlobal<(id: number, ok: boolean, payloadJson: string) => void>(context, BRIDGE.settle);
  // The runtime catches what a timer callback or a continuation throws, so a delivery fails
  // only when the isolate does (out of memory, or disposed by a breach the run already reports).
  bridge.settle = (id, ok, payloadJson) => {
    settle.apply(undefined, [id, ok, payloadJson], { arguments: { copy: true } }).catch((error: unknown) => bridge.deliveryFailed?.(error));
  };
  bridge.fire = (id) => {
    fireTimer.apply(undefined, [id], { arguments: { copy: true } }).catch((error: unknown) => bridge.deliveryFailed?.(error));
  };
  return {
    context,
    loadBundle: (bundle) => void bundle.runSync(context, { timeout: SETUP_TIMEOUT_MS }),
    startStep,
    stepOutcome,
    get onStepDone() {
      return bridge.stepDone;
    },
    set onStepDone(handler: ((token: number, outcomeJson: string) => void) | undefined) {
      bridge.stepDone = handler;
    },
    get onDeliveryFailed() {
      return bridge.deliveryFailed;
    },
    set onDeliveryFailed(handler: ((error: unknown) => void) | undefined) {
      bridge.deliveryFailed = handler;
    },
    get holdCalls() {
      return bridge.holdCalls;
    },
    set holdCalls(hold: boolean) {
      bridge.holdCalls = hold;
    },
    releaseCalls: (discard = false) => bridge.releaseCalls(discard),
    get run() {
      return bridge.run;
    },
    set run(monitor: RunMonitor | undefined) {
      bridge.run = monitor;
    },
    get capabilities() {
      return bridge.capabilities;
    },
    set capabilities(capabilities: RunCapabilities | undefined) {
      bridge.capabilities = capabilities;
    },
    clearTimers: () => bridge.clearTimers(),
    release() {
      bridge.detach();
      startStep.release();
      stepOutcome.release();
      fireTimer.release();
      settle.release();
      context.release();
    },
  };
}

/**
 * Takes a function the runtime left on the global object, as a Reference, and deletes the global.
 * (Not `context.global.get(…, { reference: true })`: on isolated-vm 6.2 that keeps the whole
 * context alive after release, which leaks a context per run in fresh mode.)
 */
function takeGlobal<T>(context: ivm.Context, name: string): ivm.Reference<T> {
  const code = `(() => { const value = globalThis[${JSON.stringify(name)}]; delete globalThis[${JSON.stringify(name)}]; return value; })()`;
  return context.evalSync(code, { reference: true, timeout: SETUP_TIMEOUT_MS }) as ivm.Reference<T>;
}
