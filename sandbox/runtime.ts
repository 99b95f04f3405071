// The runtime that runs first in every function context, before any user code. It takes the
// host's bridged capabilities off the global object (so user code can only reach them
// through console and timers), removes APIs whose memory lives outside the V8 heap or whose
// callbacks run outside a run, and
// installs `startStep`/`stepOutcome`, through which the host runs each handler. Every outcome,
// including a throw, comes back as JSON text that was size-checked in here.
import { BRIDGE } from "./contract.ts";
import type { LogLevel, RuntimeSettings, SerializedError, StepInput, StepOutcome } from "./contract.ts";
import { formatLogLine } from "./format.ts";
import { createFetch, Headers, Response } from "./fetch.ts";
import { createHostCalls } from "./host-call.ts";

type HostLog = (level: LogLevel, msg: string) => void;
type HostSetTimer = (id: number, delayMs: number) => void;
type HostClearTimer = (id: number) => void;
type HostCall = Parameters<typeof createHostCalls>[0];
type HostStepDone = (token: number, outcomeJson: string) => void;
type Handler = (args: unknown, ctx: unknown) => unknown;

// Intrinsics captured before user code runs: a function that tampers with JSON, Object or
// Promise then only breaks its own code, never the way its result is reported.
const global = globalThis as unknown as Record<string, unknown>;
const { stringify, parse } = JSON;
const { freeze, defineProperty } = Object;
const StringCtor = String;
const PromiseCtor = Promise;
const ReflectApply = Reflect.apply;

function take<T>(name: string): T {
  const value = global[name] as T;
  delete global[name];
  return value;
}

const hostLog = take<HostLog>(BRIDGE.hostLog);
const hostSetTimer = take<HostSetTimer>(BRIDGE.hostSetTimer);
const hostClearTimer = take<HostClearTimer>(BRIDGE.hostClearTimer);
const hostCalls = createHostCalls(take<HostCall>(BRIDGE.hostCall));
const hostStepDone = take<HostStepDone>(BRIDGE.hostStepDone);
const settings = parse(take<string>(BRIDGE.settings)) as RuntimeSettings;

// Memory outside the V8 heap is not bounded by the isolate's limit: no WebAssembly memories,
// no shared memory. (ArrayBuffers are counted against the limit by isolated-vm.)
for (const name of ["WebAssembly", "SharedArrayBuffer", "Atomics"]) delete global[name];
// No user code outside a run: a FinalizationRegistry's callbacks run whenever the garbage
// collector gets to them, between runs too, where no run's time or CPU limit applies.
delete global.FinalizationRegistry;

function safeString(read: () => unknown, fallback: string): string {
  try {
    return StringCtor(read());
  } catch {
    return fallback;
  }
}

/** Longest error message or stack kept: an error's outcome must fit the host's envelope (64 KiB). */
const MAX_ERROR_TEXT = 8 * 1024;

function cut(text: string, max = MAX_ERROR_TEXT): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function serializeError(thrown: unknown, code: string): SerializedError {
  if (typeof thrown === "object" && thrown !== null) {
    const name = cut(safeString(() => (thrown as { name?: unknown }).name ?? "Error", "Error"), 200);
    const message = cut(safeString(() => (thrown as { message?: unknown }).message ?? "", "(message getter threw)"));
    const stack = cut(safeString(() => (thrown as { stack?: unknown }).stack ?? "", ""));
    return stack ? { code, name, message, stack } : { code, name, message };
  }
  return { code, name: "NonErrorThrown", message: cut(`a non-Error value was thrown: ${safeString(() => formatLogLine([thrown]), typeof thrown)}`) };
}

// ---- console, routed to the host as text ----
function makeLogger(level: LogLevel) {
  return (...args: unknown[]): void => {
    hostLog(level, formatLogLine(args));
  };
}
const log = freeze({
  debug: makeLogger("debug"),
  info: makeLogger("info"),
  warn: makeLogger("warn"),
  error: makeLogger("error"),
});
defineProperty(global, "console", {
  value: freeze({ ...log, log: log.info, trace: log.debug }),
  writable: true,
  configurable: true,
});

// ---- fetch, made by the host within the function's allowlist ----
for (const [name, value] of [["fetch", createFetch((kind, payload) => hostCalls.call(kind, payload))], ["Headers", Headers], ["Response", Response]] as const) {
  defineProperty(global, name, { value, writable: true, configurable: true });
}
global[BRIDGE.settle] = (id: number, ok: boolean, payloadJson: string): void => hostCalls.settle(id, ok, payloadJson);

/** `ctx.state`: a small key-value store of the function's, kept by the host across runs. */
const state = freeze({
  get: (key: string) => hostCalls.call("state", { op: "get", key: String(key) }),
  set: async (key: string, value: unknown) => {
    await hostCalls.call("state", { op: "set", key: String(key), valueJson: stringify(value === undefined ? null : value) });
  },
  delete: async (key: string) => {
    await hostCalls.call("state", { op: "delete", key: String(key) });
  },
});

// ---- timers, fired by the host inside the run's deadline ----
interface PendingTimer {
  callback: (...args: unknown[]) => unknown;
  args: unknown[];
}
const timers = new Map<number, PendingTimer>();
let nextTimerId = 1;
let reportUncaught: ((error: unknown) => void) | undefined;

function setTimeout(callback: unknown, delayMs?: unknown, ...args: unknown[]): number {
  if (typeof callback !== "function") throw new TypeError("setTimeout: callback must be a function");
  if (timers.size >= settings.maxTimers) {
    const error = new RangeError(`setTimeout: more than ${settings.maxTimers} timers pending in one run`);
    (error as { code?: string }).code = "ERR_TIMER_LIMIT";
    throw error;
  }
  const id = nextTimerId++;
  timers.set(id, { callback: callback as PendingTimer["callback"], args });
  const delay = Number(delayMs);
  hostSetTimer(id, delay > 0 && delay < 2 ** 31 ? delay : 0);
  return id;
}

function clearTimeout(id: unknown): void {
  if (typeof id === "number" && timers.delete(id)) hostClearTimer(id);
}

defineProperty(global, "setTimeout", { value: setTimeout, writable: true, configurable: true });
defineProperty(global, "clearTimeout", { value: clearTimeout, writable: true, configurable: true });
defineProperty(global, "queueMicrotask", {
  value: (callback: () => void) => void PromiseCtor.resolve().then(callback),
  writable: true,
  configurable: true,
});

global[BRIDGE.fireTimer] = (id: number): void => {
  const timer = timers.get(id);
  if (timer === undefined) return;
  timers.delete(id);
  try {
    ReflectApply(timer.callback, undefined, timer.args);
  } catch (error) {
    // Like an uncaught exception in Node: it fails the run that is in progress.
    reportUncaught?.(error);
  }
};

// ---- the function's modules, evaluated on the first step so their top-level code runs inside
// the run's deadline and its errors are reported like any other throw ----
interface Bundle {
  handlers: Handler[];
}
let bundle: Bundle | undefined;

function loadBundle(): Bundle {
  if (bundle !== undefined) return bundle;
  const factory = take<unknown>(BRIDGE.bundle);
  if (typeof factory !== "function") throw new TypeError("the function's code was not loaded");
  bundle = factory() as Bundle;
  return bundle;
}

// ---- running one step ----
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) bytes += 2; // high surrogate: its pair makes 4
    else if (unit >= 0xdc00 && unit <= 0xdfff) bytes += 2;
    else bytes += 3;
  }
  return bytes;
}

function serializeResult(value: unknown, limit: number): StepOutcome {
  let json: string | undefined;
  try {
    json = stringify(value === undefined ? null : value);
  } catch (error) {
    return { ok: false, error: serializeError(error, "ERR_RESULT_NOT_SERIALIZABLE") };
  }
  if (json === undefined) json = "null"; // a function or symbol result: JSON has no such value
  if (json.length > limit || utf8Length(json) > limit) {
    const size = json.length > limit * 4 ? `more than ${limit * 4}` : `${utf8Length(json)}`;
    return {
      ok: false,
      error: {
        code: "ERR_RESULT_TOO_LARGE",
        name: "RangeError",
        message: `the result's JSON is ${size} bytes, over the limit of ${limit} (limits.maxResultBytes)`,
      },
    };
  }
  return { ok: true, resultJson: json };
}

function timerLimitHit(error: unknown): boolean {
  return safeString(() => (error as { code?: unknown } | null)?.code, "") === "ERR_TIMER_LIMIT";
}

function clearAllTimers(): void {
  for (const id of timers.keys()) hostClearTimer(id);
  timers.clear();
  hostCalls.clear();
}

async function callHandler(input: StepInput): Promise<StepOutcome> {
  let handlers: Handler[];
  try {
    handlers = loadBundle().handlers;
  } catch (error) {
    return { ok: false, error: serializeError(error, "ERR_MODULE_INIT") };
  }
  const handler = handlers[input.meta.step];
  if (typeof handler !== "function") {
    return { ok: false, error: { code: "ERR_HANDLER_NOT_FOUND", name: "TypeError", message: `${input.meta.handler} is not a function` } };
  }
  try {
    const args: unknown = parse(input.argsJson);
    const ctx = freeze({
      ...input.meta,
      previousResult: input.previousResultJson === undefined ? undefined : parse(input.previousResultJson),
      secrets: freeze({ ...input.secrets }),
      state,
      log,
    });
    const uncaught = new PromiseCtor<never>((_resolve, reject) => {
      reportUncaught = reject;
    });
    const value = await PromiseCtor.race([PromiseCtor.resolve(ReflectApply(handler, undefined, [args, ctx])), uncaught]);
    return serializeResult(value, input.maxResultBytes);
  } catch (error) {
    return { ok: false, error: serializeError(error, timerLimitHit(error) ? "ERR_TIMER_LIMIT" : "ERR_HANDLER_THREW") };
  }
}

async function runStep(inputJson: string): Promise<string> {
  let outcome: StepOutcome;
  try {
    outcome = await callHandler(parse(inputJson) as StepInput);
  } finally {
    reportUncaught = undefined;
    clearAllTimers();
  }
  try {
    return stringify(outcome);
  } catch {
    return stringify({ ok: false, error: { code: "ERR_HANDLER_THREW", name: "Error", message: "the error could not be reported" } });
  }
}

// The step in progress. A step that ends within the host's first synchronous call is collected
// by `stepOutcome` (no thread hop); one that is still waiting then, or that the host started
// asynchronously, is reported through `hostStepDone`.
interface PendingStep {
  token: number;
  report: boolean;
}
let pending: PendingStep | undefined;
let finishedJson = "";

// `await`, not `.then`: a function that replaced Promise.prototype.then must not see the outcome.
async function finishStep(step: PendingStep, inputJson: string): Promise<void> {
  const outcomeJson = await runStep(inputJson);
  if (pending !== step) return;
  pending = undefined;
  if (step.report) hostStepDone(step.token, outcomeJson);
  else finishedJson = outcomeJson;
}

function startStep(inputJson: string, token: number, report: boolean): void {
  finishedJson = "";
  pending = { token, report };
  void finishStep(pending, inputJson);
}

function stepOutcome(): string {
  if (pending !== undefined) {
    pending.report = true;
    return "";
  }
  const outcomeJson = finishedJson;
  finishedJson = "";
  return outcomeJson;
}

global[BRIDGE.startStep] = startStep;
global[BRIDGE.stepOutcome] = stepOutcome;
