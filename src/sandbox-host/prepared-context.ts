// A context of a function's isolate, made ready to run steps: the runtime is installed, the
// bridged capabilities (log, timers) point at whichever run the context serves now, and the
// function's code is loaded (its modules are evaluated by the first step, inside the deadline).
import ivm from "isolated-vm";
import { BRIDGE } from "../../sandbox/contract.ts";
import type { RuntimeSettings } from "../../sandbox/contract.ts";
import type { RunMonitor } from "./run-monitor.ts";

/** Most timers a run may have pending at once. */
const MAX_TIMERS = 1000;
const SETUP_TIMEOUT_MS = 1000;

export interface CompiledScripts {
  runtime: ivm.Script;
  bundle: ivm.Script;
}

export interface PreparedContext {
  context: ivm.Context;
  runStep: ivm.Reference<(inputJson: string) => Promise<string>>;
  /** The run this context serves now; bridge calls outside a run are ignored. */
  run: RunMonitor | undefined;
  /** Clears every pending timer (at the end of each run: nothing of a run outlives it). */
  clearTimers(): void;
  release(): void;
}

export async function prepareContext(
  isolate: ivm.Isolate,
  scripts: CompiledScripts,
  settings: Omit<RuntimeSettings, "maxTimers">,
): Promise<PreparedContext> {
  const context = await isolate.createContext();
  const timers = new Map<number, NodeJS.Timeout>();
  let fireTimer: ivm.Reference<(id: number) => void> | undefined;

  const prepared: PreparedContext = {
    context,
    runStep: undefined as unknown as PreparedContext["runStep"],
    run: undefined,
    clearTimers() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
    release() {
      prepared.clearTimers();
      prepared.runStep.release();
      fireTimer?.release();
      context.release();
    },
  };

  const hostLog = (level: unknown, msg: unknown): void => prepared.run?.log(level, msg);
  const hostSetTimer = (id: unknown, delayMs: unknown): void => {
    if (prepared.run === undefined || typeof id !== "number" || typeof delayMs !== "number") return;
    const timer = setTimeout(() => {
      timers.delete(id);
      fireTimer?.apply(undefined, [id], { arguments: { copy: true } }).catch(() => {
        // the isolate was disposed by a breach: the run reports that, not the timer
      });
    }, Math.min(delayMs, prepared.run.remainingMs()));
    timers.set(id, timer);
  };
  const hostClearTimer = (id: unknown): void => {
    if (typeof id !== "number") return;
    clearTimeout(timers.get(id));
    timers.delete(id);
  };

  const jail = context.global;
  await jail.set(BRIDGE.hostLog, new ivm.Callback(hostLog));
  await jail.set(BRIDGE.hostSetTimer, new ivm.Callback(hostSetTimer));
  await jail.set(BRIDGE.hostClearTimer, new ivm.Callback(hostClearTimer));
  await jail.set(BRIDGE.settings, JSON.stringify({ ...settings, maxTimers: MAX_TIMERS } satisfies RuntimeSettings));
  await scripts.runtime.run(context, { timeout: SETUP_TIMEOUT_MS });
  prepared.runStep = await jail.get(BRIDGE.runStep, { reference: true });
  fireTimer = await jail.get(BRIDGE.fireTimer, { reference: true });
  await jail.delete(BRIDGE.runStep);
  await jail.delete(BRIDGE.fireTimer);
  await scripts.bundle.run(context, { timeout: SETUP_TIMEOUT_MS });
  return prepared;
}
