// Entry point of a sandbox host process: holds the isolates of the functions routed to it and
// runs what its supervisor asks over IPC. It is expendable by design: if a function manages to
// abort V8, only this process dies, and the supervisor replaces it.
import { ErrorCodes, messageOf } from "../errors.ts";
import { CodeCache } from "./code-cache.ts";
import { HostCatalog } from "./host-catalog.ts";
import { FunctionSandbox, IDLE_CHECK_MS } from "./function-sandbox.ts";
import { TurnBatch } from "../turn-batch.ts";
import { RunMonitor } from "./run-monitor.ts";
import { SpareIsolates } from "./spare-isolates.ts";
import type { FromHost, HostRunOutcome, HostRunRequest, ToHost, WireRunRequest } from "./protocol.ts";
import type { StateCall } from "./capabilities/run-capabilities.ts";

const cache = new CodeCache();
const catalog = new HostCatalog();
const sandboxes = new Map<string, FunctionSandbox>();
/** The runtime's code and the spare isolates made with it, once the supervisor has sent it. */
let runtime: { code: string; spares: SpareIsolates } | undefined;
const stateCalls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextStateCall = 1;

/** State lives with the supervisor (in Redis for executors): ask it over IPC. */
const stateCall: StateCall = (functionName, op, key, valueJson) =>
  new Promise((resolve, reject) => {
    const callId = nextStateCall++;
    stateCalls.set(callId, { resolve, reject });
    send({ type: "state", callId, function: functionName, op, key, ...(valueJson === undefined ? {} : { valueJson }) });
  });

const outbox = new TurnBatch<FromHost>((messages) => {
  if (process.connected) process.send?.(messages);
});

function send(message: FromHost): void {
  outbox.push(message);
}

function sandboxFor(request: HostRunRequest): FunctionSandbox {
  const { fn } = request;
  const current = sandboxes.get(fn.name);
  if (current !== undefined && current.spec.key === fn.key) return current;
  const code = catalog.code(fn.codeHash);
  if (code === undefined) throw new Error(`no code for ${fn.name} (${fn.codeHash}) was sent to this host`);
  if (runtime === undefined) throw new Error("the supervisor has not sent the runtime");
  // The old version finishes its queued runs first: a reload never kills a run in flight.
  current?.retire();
  const sandbox = new FunctionSandbox(fn, code, runtime.code, cache, stateCall, runtime.spares);
  sandboxes.set(fn.name, sandbox);
  return sandbox;
}

async function run(wire: WireRunRequest): Promise<void> {
  let outcome: HostRunOutcome;
  try {
    const request = catalog.resolve(wire);
    const sandbox = sandboxFor(request);
    outcome = await sandbox.run(request, (entry) => send({ type: "log", runId: request.runId, entry }));
  } catch (error) {
    outcome = {
      status: "failed",
      result: null,
      error: { code: ErrorCodes.INTERNAL, name: "Error", message: `the sandbox host failed: ${messageOf(error)}`, retryable: true },
      steps: [],
      cpuMs: 0,
      logsTruncated: false,
    };
  }
  send({ type: "done", runId: wire.runId, outcome });
}

function receive(message: ToHost): void {
  if (message.type === "init") {
    runtime ??= { code: message.runtimeCode, spares: new SpareIsolates(message.runtimeCode, cache) };
  } else if (message.type === "run") {
    void run(message.request);
  } else if (message.type === "state-result") {
    const call = stateCalls.get(message.callId);
    stateCalls.delete(message.callId);
    if (message.ok) call?.resolve(JSON.parse(message.json));
    else call?.reject(new Error(JSON.parse(message.json) as string));
  } else if (message.type === "forget") {
    // As for a new version (sandboxFor): the runs already queued finish, then the isolate goes.
    sandboxes.get(message.function)?.retire();
    sandboxes.delete(message.function);
    for (const codeHash of catalog.forget(message.function)) cache.forget(codeHash);
  }
}

// An isolate's thread that runs on after disposal cannot be stopped: the host exits, after
// telling its supervisor why, and the supervisor finds which run did it (see SandboxPool).
RunMonitor.onRunaway = (reason) => {
  const exit = () => process.exit(70);
  if (!process.connected) exit();
  process.send?.([{ type: "exiting", reason } satisfies FromHost], exit);
  setTimeout(exit, 1000).unref();
};

setInterval(() => {
  for (const [name, sandbox] of sandboxes) {
    if (sandbox.checkIdle()) process.stderr.write(`${JSON.stringify({ function: name, msg: "disposed an isolate that ran code between its function's runs" })}\n`);
  }
}, IDLE_CHECK_MS).unref();

process.on("message", (messages: ToHost[]) => {
  for (const message of messages) receive(message);
});
// Without its supervisor a host has no one to answer to.
process.on("disconnect", () => process.exit(0));
// A Ctrl-C reaches the whole process group; the supervisor decides when this host stops, after
// the runs in flight have drained.
process.on("SIGINT", () => undefined);
send({ type: "ready", pid: process.pid });
