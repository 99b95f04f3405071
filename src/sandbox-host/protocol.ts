// Messages between the supervisor (the executor or `skywalker run`) and a sandbox host process.
// Plain data over Node's IPC channel, in batches (each IPC message is an array of these; see
// TurnBatch); the host process holds the isolates, so when it dies the supervisor survives
// and learns of it from the channel, not from a message.
import type { ExecutorKind, Isolation, ResolvedLimits } from "../functions/types.ts";
import type { LogEntry, RunError, StepRecord } from "../run-record.ts";
import type { JsonValue } from "../../sandbox/contract.ts";

/** What a host needs to know about a function to run it. */
export interface HostFunctionSpec {
  /** Names this exact version (code and settings): a host that knows the key needs no more. */
  key: string;
  name: string;
  kind: ExecutorKind;
  codeHash: string;
  /** Sent only when this host has not yet seen `codeHash`. */
  code?: string;
  limits: ResolvedLimits;
  isolation: Isolation;
  /** `module.export` of each step, in order. */
  handlers: string[];
  /** Destinations fetch may reach. */
  allowNet: string[];
}

export interface HostRunRequest {
  runId: string;
  fn: HostFunctionSpec;
  attempt: number;
  scheduledAt: string | null;
  environment: string | null;
  /** JSON text of each step's args. */
  stepArgs: string[];
  /** Values of the secrets the function's config names. */
  secrets: Record<string, string>;
}

/** How a run ended inside the host, before the supervisor adds ids and timings of its own. */
export interface HostRunOutcome {
  status: "succeeded" | "failed";
  result: JsonValue;
  error: RunError | null;
  steps: StepRecord[];
  cpuMs: number;
  logsTruncated: boolean;
}

export type StateOp = "get" | "set" | "delete";

/** A run as it crosses: the function's spec only the first time this host sees its key. */
export type WireRunRequest = Omit<HostRunRequest, "fn"> & { specKey: string; fn?: HostFunctionSpec };

export type ToHost =
  /** First of all: the in-isolate runtime's code (built by the supervisor, so a host needs no esbuild). */
  | { type: "init"; runtimeCode: string }
  | { type: "run"; request: WireRunRequest }
  | { type: "forget"; function: string }
  | { type: "state-result"; callId: number; ok: boolean; json: string };

export type FromHost =
  | { type: "ready"; pid: number }
  | { type: "log"; runId: string; entry: LogEntry }
  | { type: "done"; runId: string; outcome: HostRunOutcome }
  | { type: "state"; callId: number; function: string; op: StateOp; key: string; valueJson?: string }
  /** The host is about to exit on purpose, and why (sent alone, not batched). */
  | { type: "exiting"; reason: string };
