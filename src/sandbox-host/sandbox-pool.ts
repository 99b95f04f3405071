// Runs functions in supervised sandbox host processes. A function always goes to the same host
// (its isolate stays warm there). When a host dies, the pool works out which run killed it:
// a run alone on the host is guilty; runs that shared it are re-run one at a time on a solo
// host, where a second death proves guilt and a success proves innocence. A function whose runs
// keep killing hosts is quarantined until its code changes.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { ErrorCodes } from "../errors.ts";
import type { LoadedFunction } from "../functions/types.ts";
import type { LogEntry } from "../run-record.ts";
import { MemoryStateStore } from "../state/state-store.ts";
import type { StateStore } from "../state/state-store.ts";
import { HostDiedError, HostProcess } from "./host-process.ts";
import type { HostFunctionSpec, HostRunOutcome, HostRunRequest } from "./protocol.ts";

export interface SandboxPoolOptions {
  /** Host processes sharing the functions. @default 1 */
  hosts?: number;
  /** Resident memory at which a host is killed, in MiB. @default 2048 */
  maxHostRssMb?: number;
  /** Host deaths proven against one version of a function before it is quarantined. @default 3 */
  quarantineAfter?: number;
  logger: Logger;
  /** Called each time a host process that died is replaced. */
  onHostRestart?: () => void;
  /** Where functions' `ctx.state` lives. @default in this process's memory */
  stateStore?: StateStore;
}

export type PoolRunRequest = Omit<HostRunRequest, "fn">;

export class SandboxPool {
  private readonly hosts: (HostProcess | undefined)[];
  private solo: HostProcess | undefined;
  private soloQueue: Promise<unknown> = Promise.resolve();
  /** Proven host deaths per function version (`name@codeHash`). */
  private readonly strikes = new Map<string, number>();
  private readonly options: Required<Omit<SandboxPoolOptions, "onHostRestart">> & Pick<SandboxPoolOptions, "onHostRestart">;
  private closed = false;
  hostRestarts = 0;

  constructor(options: SandboxPoolOptions) {
    this.options = { hosts: 1, maxHostRssMb: 2048, quarantineAfter: 3, stateStore: new MemoryStateStore(), ...options };
    this.hosts = new Array<HostProcess | undefined>(this.options.hosts).fill(undefined);
  }

  async run(fn: LoadedFunction, request: PoolRunRequest, onLog: (entry: LogEntry) => void): Promise<HostRunOutcome> {
    const version = `${fn.name}@${fn.codeHash}`;
    if ((this.strikes.get(version) ?? 0) >= this.options.quarantineAfter) {
      return failure(ErrorCodes.QUARANTINED, `${fn.name} is quarantined: its runs crashed the sandbox host ${this.options.quarantineAfter} times; change its code or reload to release it`, false);
    }
    const hostRequest: HostRunRequest = { ...request, fn: hostSpec(fn) };
    try {
      return await this.hostFor(fn.name).run(hostRequest, fn.code, onLog);
    } catch (error) {
      if (!(error instanceof HostDiedError)) throw error;
      if (error.runIds.length === 1) return this.convict(version, error);
      this.options.logger.warn({ function: fn.name, runId: request.runId, reason: error.reason }, "sandbox host died with several runs in flight; re-running this one alone");
      return this.runSolo(version, hostRequest, fn.code, onLog);
    }
  }

  /** Drops a function's isolate everywhere, after its runs in flight, and clears its quarantine (after a reload). */
  forget(functionName: string): void {
    for (const key of this.strikes.keys()) if (key.startsWith(`${functionName}@`)) this.strikes.delete(key);
    for (const host of [...this.hosts, this.solo]) host?.forget(functionName);
  }

  quarantined(): string[] {
    return [...this.strikes].filter(([, count]) => count >= this.options.quarantineAfter).map(([version]) => version);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const host of [...this.hosts, this.solo]) host?.kill("pool closed");
  }

  private runSolo(version: string, request: HostRunRequest, code: string, onLog: (entry: LogEntry) => void): Promise<HostRunOutcome> {
    const attempt = this.soloQueue.then(async () => {
      this.solo ??= this.spawn(() => {
        this.solo = undefined;
      });
      try {
        return await this.solo.run(request, code, onLog);
      } catch (error) {
        if (error instanceof HostDiedError) return this.convict(version, error);
        throw error;
      }
    });
    this.soloQueue = attempt.catch(() => undefined);
    return attempt;
  }

  private convict(version: string, error: HostDiedError): HostRunOutcome {
    const strikes = (this.strikes.get(version) ?? 0) + 1;
    this.strikes.set(version, strikes);
    this.options.logger.error({ function: version, reason: error.reason, strikes }, "a run crashed its sandbox host");
    return failure(ErrorCodes.SANDBOX_CRASHED, `the run crashed its sandbox host process (${error.reason}); the host was replaced`, true);
  }

  private hostFor(functionName: string): HostProcess {
    const index = hashOf(functionName) % this.hosts.length;
    const existing = this.hosts[index];
    if (existing?.alive) return existing;
    const host = this.spawn(() => {
      if (this.hosts[index] === host) this.hosts[index] = undefined;
    });
    this.hosts[index] = host;
    return host;
  }

  private spawn(onExit: () => void): HostProcess {
    if (this.closed) throw new Error("the sandbox pool is closed");
    let started = false;
    const host = new HostProcess({ maxRssMb: this.options.maxHostRssMb, logger: this.options.logger, stateStore: this.options.stateStore }, () => {
      onExit();
      if (started && !this.closed) {
        this.hostRestarts++;
        this.options.onHostRestart?.();
        this.options.logger.warn({ pid: host.pid }, "sandbox host process exited; a new one starts with the next run");
      }
    });
    started = true;
    return host;
  }
}

const specs = new WeakMap<LoadedFunction, HostFunctionSpec>();

/** What a host needs of `fn`, made once per loaded version. */
function hostSpec(fn: LoadedFunction): HostFunctionSpec {
  let spec = specs.get(fn);
  if (spec !== undefined) return spec;
  const settings = {
    name: fn.name,
    kind: fn.kind,
    codeHash: fn.codeHash,
    limits: fn.limits,
    isolation: fn.isolation,
    handlers: fn.steps.map((step) => step.handler),
    allowNet: fn.allowNet,
  };
  spec = { key: createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 32), ...settings };
  specs.set(fn, spec);
  return spec;
}

function failure(code: string, message: string, retryable: boolean): HostRunOutcome {
  return { status: "failed", result: null, error: { code, name: "SandboxError", message, retryable }, steps: [], cpuMs: 0, logsTruncated: false };
}

function hashOf(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return hash;
}
