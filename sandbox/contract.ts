// The contract between the host and the code that runs inside a function's isolate.
// Everything that crosses the boundary is plain data (strings, numbers, JSON text):
// no isolated-vm Reference, ExternalCopy or host object ever reaches user code.

/** A JSON value as it travels across the boundary and is stored in run records. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** An error as plain data; rebuilt on the host, never compared with `instanceof` across realms. */
export interface SerializedError {
  /** Stable error code, e.g. `ERR_TIMEOUT`, `ERR_HANDLER_THREW`. */
  code: string;
  name: string;
  message: string;
  stack?: string;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Run metadata the handler sees as `ctx` (plus the logger the runtime adds). */
export interface RunMetadata {
  function: string;
  runId: string;
  attempt: number;
  /** ISO time the run was scheduled for, or null for an ad-hoc run. */
  scheduledAt: string | null;
  /** Name of the schedule environment, e.g. `production`. */
  environment: string | null;
  /** Index of this step in a workflow (0 for a single-handler function). */
  step: number;
  stepCount: number;
  /** The handler this step runs, `module.export`. */
  handler: string;
}

/** What the host passes to one step: metadata, the args and the previous step's result, as JSON text. */
export interface StepInput {
  meta: RunMetadata;
  argsJson: string;
  /** Values of the secrets the function's config names. */
  secrets: Record<string, string>;
  /** JSON text of the previous workflow step's result; absent for the first step. */
  previousResultJson?: string;
  /** Largest result, as UTF-8 bytes of its JSON (the function's limits.maxResultBytes). */
  maxResultBytes: number;
}

/** What one step returns to the host: JSON text, already size-checked inside the isolate. */
export type StepOutcome =
  | { ok: true; resultJson: string }
  | { ok: false; error: SerializedError };

/** Names of the globals through which the host and the in-isolate runtime meet. */
export const BRIDGE = {
  /**
   * Host → isolate: `(stepInputJson, token, report) => void` starts a step. With `report` the outcome
   * goes to `hostStepDone` when the step ends; without, the host collects it with `stepOutcome`.
   */
  startStep: "__skywalker_startStep",
  /**
   * Host → isolate: `() => outcomeJson | ""`, the outcome of the step started without `report`, or
   * "" while it is still pending (from then on it is reported through `hostStepDone`).
   */
  stepOutcome: "__skywalker_stepOutcome",
  /** Isolate → host: `(token, outcomeJson) => void`, a step ended. */
  hostStepDone: "__skywalker_hostStepDone",
  /** Host → isolate: `(timerId) => void`, fires a timer the runtime asked for. */
  fireTimer: "__skywalker_fireTimer",
  /** Isolate → host capabilities, removed from the global scope by the runtime at start. */
  hostLog: "__skywalker_hostLog",
  hostSetTimer: "__skywalker_hostSetTimer",
  hostClearTimer: "__skywalker_hostClearTimer",
  /** Isolate → host: `(kind, payloadJson) => resultJson`, starts an async host call (fetch, state). */
  hostCall: "__skywalker_hostCall",
  /** Host → isolate: `(callId, ok, payloadJson) => void`, settles a host call. */
  settle: "__skywalker_settle",
  /** Runtime settings (JSON text) read once at start, then deleted. */
  settings: "__skywalker_settings",
  /** The bundle of a function defines this global: a function that evaluates its modules and returns `{ handlers }`. */
  bundle: "__skywalker_bundle",
} as const;

/** Settings the runtime reads once when the context is created (the same for every function). */
export interface RuntimeSettings {
  maxTimers: number;
}

/** Kinds of asynchronous host calls a run can make. */
export type HostCallKind = "fetch" | "state";

/** What `hostCall` answers at once: the id its settlement will carry, or why it was refused. */
export type HostCallStart = { id: number } | { error: string };
