// What one run may ask of the host besides logs and timers: fetch within its allowlist, and its
// function's state. Bounded per run (request count) and cut off when the run ends.
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
  private readonly deadline: number;
  private policy: NetPolicy | undefined;
  /** Made on the first fetch: most runs make none, and a timer per run is not free. */
  private abort: { controller: AbortController; timer: NodeJS.Timeout } | undefined;
  private closed = false;
  private requests = 0;

  constructor(spec: CapabilitySpec, state: StateCall, deadlineMs: number) {
    this.spec = spec;
    this.state = state;
    this.deadline = Date.now() + deadlineMs;
  }

  /** Throws the refusals that need no I/O (fetch not allowed, too many requests). */
  check(kind: HostCallKind, _payload: unknown): void {
    if (kind !== "fetch") return;
    if (this.spec.allowNet.length === 0) throw new Error('fetch is not allowed: this function\'s config has no "allow": {"net": [...]}');
    if (++this.requests > this.spec.maxRequests) throw new Error(`fetch: more than ${this.spec.maxRequests} requests in one run (limits.maxRequests)`);
  }

  /** Starts a host call that `check` let through. */
  call(kind: HostCallKind, payload: unknown): Promise<unknown> {
    if (kind === "fetch") {
      this.policy ??= new NetPolicy(this.spec.allowNet);
      return hostFetch(payload as FetchRequestData, this.policy, this.spec.maxResponseBytes, this.signal());
    }
    const { op, key, valueJson } = payload as { op: "get" | "set" | "delete"; key: string; valueJson?: string };
    return this.state(this.spec.functionName, op, key, valueJson);
  }

  /** The run is over: requests still in flight are aborted. */
  close(): void {
    this.closed = true;
    if (this.abort === undefined) return;
    clearTimeout(this.abort.timer);
    this.abort.controller.abort();
  }

  private signal(): AbortSignal {
    if (this.abort === undefined) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), Math.max(0, this.deadline - Date.now()));
      timer.unref();
      this.abort = { controller, timer };
      if (this.closed) controller.abort();
    }
    return this.abort.controller.signal;
  }
}
