// What loading a functions folder produces: the validated functions, ready to run, and the
// errors of those that failed to load (one broken function never hides the others).
import type { JsonValue } from "../../sandbox/contract.ts";

export type ExecutorKind = "default" | "workflow" | "active-passive" | "active-passive-workflow";

/** Whether a function keeps its isolate and context between runs. */
export type Isolation = "warm" | "fresh";

/** Limits of one run, resolved from config.json, defaults and the operator's ceilings. */
export interface ResolvedLimits {
  /** V8 heap of the function's isolate, in MiB. */
  memoryMb: number;
  /** Wall-clock time of the whole run (every step, awaited promises and timers), in ms. */
  timeoutMs: number;
  /** CPU time the isolate may spend during one run, in ms. */
  cpuMs: number;
  /** Size of the JSON-serialised result of a step, in bytes. */
  maxResultBytes: number;
  /** Total size of the log lines a run may write, in bytes. */
  maxLogBytes: number;
  /** fetch requests one run may make. */
  maxRequests: number;
  /** Size of one fetch response body, in bytes. */
  maxResponseBytes: number;
}

/** One `@every` or cron entry of a function's `schedule`, validated. */
export interface ScheduleEntry {
  environment: string;
  cron: string;
  cronEnabled: boolean;
  timezone?: string;
  /** Parsed form of `cron`. */
  trigger: { kind: "every"; everyMs: number } | { kind: "cron"; expression: string };
}

/** One handler call: `module.export` and the args it receives. */
export interface StepSpec {
  handler: string;
  module: string;
  exportName: string;
  args: JsonValue;
}

export interface LoadedFunction {
  name: string;
  /** Absolute path of the function's folder. */
  dir: string;
  /** Absolute path of the config file that was read. */
  configFile: string;
  version?: string;
  description?: string;
  link?: string;
  support?: string;
  enabled: boolean;
  kind: ExecutorKind;
  /** One step for default kinds, one per handler for workflows. */
  steps: StepSpec[];
  schedule: ScheduleEntry[];
  limits: ResolvedLimits;
  isolation: Isolation;
  /** Times a failed run is retried by the queue (not used by `skywalker run`). */
  retries: number;
  /** What a tick does while the previous run is still queued or running. */
  overlap: "skip" | "allow";
  /** Endpoint whose CNAME decides active/passive; overrides SKYWALKER_ACTIVE_ENDPOINT. */
  activeEndpoint?: string;
  /** Destinations `fetch` may reach (`allow.net`); empty: no network. */
  allowNet: string[];
  /** Names of the secrets the function receives as `ctx.secrets`. */
  secrets: string[];
  /** The config as written (for APIs and the GUI). */
  rawConfig: Record<string, unknown>;
  /** Bundled JavaScript, a classic script that defines `globalThis.__skywalker_bundle = { handlers }`. */
  code: string;
  /** sha256 of `code`: identifies this version for code caches and reloads. */
  codeHash: string;
}

/** One problem in one function, naming the file, the field and what was expected. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. `schedule[2].cron`; empty when about the whole file. */
  path: string;
  message: string;
}

export interface FunctionLoadError {
  /** The function's folder name. */
  name: string;
  /** File the problem is in. */
  file: string;
  code: string;
  /** One-line summary that names the function, file and field(s). */
  message: string;
  issues: ConfigIssue[];
  /** The function loaded before this error, and that version keeps running until it is fixed. */
  keptLastGood?: boolean;
}

export interface FunctionCatalog {
  /** Root folder the functions were loaded from. */
  root: string;
  functions: Map<string, LoadedFunction>;
  errors: FunctionLoadError[];
}

/** Operator-set maximum for each limit; a config that asks for more is an error. */
export type LimitCeilings = ResolvedLimits;
