// The supervisor's handle on one sandbox host process: sends it runs, routes its answers and
// log lines back, watches its memory, and reports its death with the runs it took down.
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { LogEntry } from "../run-record.ts";
import type { StateStore } from "../state/state-store.ts";
import { TurnBatch } from "../turn-batch.ts";
import { runtimeSource } from "./runtime-source.ts";
import type { FromHost, HostRunOutcome, HostRunRequest, ToHost, WireRunRequest } from "./protocol.ts";

const HOST_MAIN = fileURLToPath(new URL("./host-main.ts", import.meta.url));
const RSS_CHECK_INTERVAL_MS = 500;

export interface HostProcessOptions {
  /** The host is killed when its resident memory passes this, in MiB (isolate limits are soft). */
  maxRssMb: number;
  logger: Logger;
  /** Where functions' `ctx.state` lives. */
  stateStore: StateStore;
}

interface InFlight {
  request: HostRunRequest;
  resolve: (outcome: HostRunOutcome) => void;
  reject: (error: HostDiedError) => void;
  onLog: (entry: LogEntry) => void;
}

/** The host process died with these runs in flight. */
export class HostDiedError extends Error {
  readonly runIds: string[];
  readonly reason: string;

  constructor(reason: string, runIds: string[]) {
    super(`the sandbox host process died (${reason})`);
    this.name = "HostDiedError";
    this.reason = reason;
    this.runIds = runIds;
  }
}

export class HostProcess {
  private readonly child: ChildProcess;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly codeSent = new Set<string>();
  /** Spec keys sent to the host, with the function each belongs to. */
  private readonly specsSent = new Map<string, { name: string; codeHash: string }>();
  private readonly rssTimer: NodeJS.Timeout;
  private killReason: string | undefined;
  private readonly options: HostProcessOptions;
  private readonly onExit: (host: HostProcess) => void;
  private readonly outbox = new TurnBatch<ToHost>((messages) => {
    if (this.child.connected) this.child.send(messages);
  });
  alive = true;

  constructor(options: HostProcessOptions, onExit: (host: HostProcess) => void) {
    this.options = options;
    this.onExit = onExit;
    this.child = fork(HOST_MAIN, [], {
      execArgv: ["--no-node-snapshot"],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream !== null) createInterface({ input: stream }).on("line", (line) => options.logger.warn({ pid: this.child.pid, line }, "sandbox host output"));
    }
    this.child.on("message", (messages: FromHost[]) => {
      for (const message of messages) this.receive(message);
    });
    this.child.on("exit", (code, signal) => this.exited(code, signal));
    this.child.on("error", (error) => options.logger.error({ err: error }, "sandbox host process error"));
    this.send({ type: "init", runtimeCode: runtimeSource() });
    this.rssTimer = setInterval(() => this.checkMemory(), RSS_CHECK_INTERVAL_MS);
    this.rssTimer.unref();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get runsInFlight(): number {
    return this.inFlight.size;
  }

  run(request: HostRunRequest, code: string, onLog: (entry: LogEntry) => void): Promise<HostRunOutcome> {
    return new Promise((resolve, reject) => {
      if (!this.alive) {
        reject(new HostDiedError(this.killReason ?? "exited", [request.runId]));
        return;
      }
      this.inFlight.set(request.runId, { request, resolve, reject, onLog });
      const { fn, ...rest } = request;
      const wire: WireRunRequest = { ...rest, specKey: fn.key };
      if (!this.specsSent.has(fn.key)) {
        wire.fn = this.codeSent.has(fn.codeHash) ? fn : { ...fn, code };
        this.specsSent.set(fn.key, { name: fn.name, codeHash: fn.codeHash });
        this.codeSent.add(fn.codeHash);
      }
      this.send({ type: "run", request: wire });
    });
  }

  /**
   * The host drops the function's isolate (once its runs in flight have finished), its specs and
   * the code no other spec uses (HostCatalog); what it dropped is sent again with the next run
   * that needs it.
   */
  forget(functionName: string): void {
    for (const [key, sent] of this.specsSent) {
      if (sent.name !== functionName) continue;
      this.specsSent.delete(key);
      this.codeSent.delete(sent.codeHash);
    }
    this.send({ type: "forget", function: functionName });
  }

  kill(reason: string): void {
    this.killReason ??= reason;
    this.child.kill("SIGKILL");
  }

  private send(message: ToHost): void {
    this.outbox.push(message);
  }

  private receive(message: FromHost): void {
    if (message.type === "log") {
      this.inFlight.get(message.runId)?.onLog(message.entry);
    } else if (message.type === "state") {
      void this.answerState(message);
    } else if (message.type === "exiting") {
      this.killReason ??= message.reason;
    } else if (message.type === "done") {
      const entry = this.inFlight.get(message.runId);
      this.inFlight.delete(message.runId);
      entry?.resolve(message.outcome);
    }
  }

  private async answerState(message: Extract<FromHost, { type: "state" }>): Promise<void> {
    const store = this.options.stateStore;
    try {
      let value: unknown = null;
      if (message.op === "get") value = await store.get(message.function, message.key);
      else if (message.op === "set") await store.set(message.function, message.key, message.valueJson ?? "null");
      else await store.delete(message.function, message.key);
      this.send({ type: "state-result", callId: message.callId, ok: true, json: JSON.stringify(value) });
    } catch (error) {
      this.send({ type: "state-result", callId: message.callId, ok: false, json: JSON.stringify((error as Error).message) });
    }
  }

  private checkMemory(): void {
    const rssMb = residentMemoryMb(this.child.pid);
    if (rssMb !== undefined && rssMb > this.options.maxRssMb) {
      this.kill(`its memory reached ${Math.round(rssMb)} MiB, over the host limit of ${this.options.maxRssMb} MiB`);
    }
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.alive = false;
    clearInterval(this.rssTimer);
    const cause = this.killReason ?? (signal !== null ? `signal ${signal}` : `exit code ${code}`);
    const runs = [...this.inFlight.values()];
    this.inFlight.clear();
    const error = new HostDiedError(cause, runs.map((run) => run.request.runId));
    for (const run of runs) run.reject(error);
    this.onExit(this);
  }
}

/** Resident set size of a process from /proc (Linux); undefined elsewhere. */
function residentMemoryMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
