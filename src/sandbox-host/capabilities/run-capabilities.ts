// What one run may ask of the host besides logs and timers: fetch within its allowlist, and its
// function's state. Bounded per run (request count) and cut off when the run ends, which its
// deadline sees to.
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../json-values.ts";
import type { HostCallKind } from "../../../sandbox/contract.ts";
import { hostFetch } from "./host-fetch.ts";
import type { FetchRequestData } from "./host-fetch.ts";
import { NetPolicy } from "./net-policy.ts";

/** The host process's way to the function's state (kept by the supervisor, e.g. in Redis). */
export type StateCall = (functionName: string, op: "get" | "set" | "delete", key: string, valueJson?: string) => Promise<unknown>;

export interface CapabilitySpec {
  functionName: string;
  allowNet: readonly string[];
  maxRequests: number;
  maxResponseBytes: number;
}

export class RunCapabilities {
  private readonly spec: CapabilitySpec;
  private readonly state: StateCall;
  private policy: NetPolicy | undefined;
  /** Aborts the run's requests when it ends (the run's deadline ends it too); made on the first fetch. */
  private abort: AbortController | undefined;
  private closed = false;
  private requests = 0;

  constructor(spec: CapabilitySpec, state: StateCall) {
    this.spec = spec;
    this.state = state;
  }

  /** Throws the refusals that need no I/O (fetch not allowed, too many requests). */
  check(kind: HostCallKind, payload: unknown): void {
    if (kind === "state") {
      const { valueJson } = payload as { valueJson?: unknown };
      // Stored, it could never be read back: the way back serialises recursively.
      if (typeof valueJson === "string" && nestsDeeperThan(JSON.parse(valueJson))) throw new Error(`ctx.state.set: the value nests deeper than ${MAX_JSON_DEPTH} levels`);
      return;
    }
    if (kind !== "fetch") return;
    if (this.spec.allowNet.length === 0) throw new Error('fetch is not allowed: this function\'s config has no "allow": {"net": [...]}');
    if (++this.requests > this.spec.maxRequests) throw new Error(`fetch: more than ${this.spec.maxRequests} requests in one run (limits.maxRequests)`);
  }

  /** Starts a host call that `check` let through. */
  call(kind: HostCallKind, payload: unknown): Promise<unknown> {
    if (kind === "fetch") {
      this.policy ??= new NetPolicy(this.spec.allowNet);
      this.abort ??= new AbortController();
      if (this.closed) this.abort.abort();
      return hostFetch(payload as FetchRequestData, this.policy, this.spec.maxResponseBytes, this.abort.signal);
    }
    const { op, key, valueJson } = payload as { op: "get" | "set" | "delete"; key: string; valueJson?: string };
    return this.state(this.spec.functionName, op, key, valueJson);
  }

  /** The run is over: requests still in flight are aborted. */
  close(): void {
    this.closed = true;
    this.abort?.abort();
  }
}
