// Drives Skywalker as a user would, for the benchmarks: a private redis-server, `skywalker start`
// processes of each role (environment variables as in the README), readiness through /readyz.
// Nothing here imports Skywalker's internals beyond the Redis starter, so the scenarios keep
// working while the executor, run store and host IPC change underneath.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startLocalRedis } from "../../src/redis/local-redis.ts";
import type { LocalRedis } from "../../src/redis/local-redis.ts";

export type Role = "proxy" | "executor" | "chronomaster" | "all";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "skywalker.js");
/** Logs of the processes a scenario starts (git-ignored). */
export const OUT_DIR = join(ROOT, "bench", "out");

export interface SkywalkerProcess {
  role: Role;
  pid: number;
  /** Base URL of its HTTP port: the API (proxy), the GUI (chronomaster) or the probes (executor). */
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  redisUrl: string;
  functionsDir: string;
  prefix: string;
  /** Where the chronomaster posts its ticks. */
  proxyUrl?: string;
  /** More environment variables (SKYWALKER_CONCURRENCY…). */
  env?: Record<string, string>;
  /** Name of its log file under bench/out/. */
  logName?: string;
  /** Extra flags for node, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Its HTTP port (a free one by default); several proxies share one with SKYWALKER_PROXY_REUSE_PORT. */
  port?: number;
}

const started = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of started) child.kill("SIGKILL");
});
// Ctrl-C or a kill: exit through the "exit" handlers, which also stop the private redis-server.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

/** Starts `skywalker start --role <role>` and resolves once its /readyz answers 200. */
export async function startRole(role: Role, options: StartOptions): Promise<SkywalkerProcess> {
  const port = options.port ?? (await freePort());
  // `--profile <role>` on any scenario's command line: that role writes a CPU profile to bench/out/ on exit.
  const profiled = process.argv.includes("--profile") && process.argv[process.argv.indexOf("--profile") + 1] === role;
  const nodeFlags = [...(options.nodeFlags ?? []), ...(profiled ? ["--cpu-prof", "--cpu-prof-dir", OUT_DIR, "--cpu-prof-name", `${options.logName ?? role}-${Date.now()}.cpuprofile`] : [])];
  const portVariable = role === "executor" ? "SKYWALKER_EXECUTOR_PORT" : role === "chronomaster" ? "SKYWALKER_GUI_PORT" : "SKYWALKER_PROXY_PORT";
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    REDIS_URL: options.redisUrl,
    SKYWALKER_FUNCTIONS: options.functionsDir,
    SKYWALKER_PREFIX: options.prefix,
    LOG_LEVEL: "warn",
    [portVariable]: String(port),
    ...(options.proxyUrl === undefined ? {} : { SKYWALKER_PROXY_URL: options.proxyUrl }),
    ...options.env,
  };
  // The other ports must not collide with anything either: a role only listens on its own.
  if (role === "all") env.SKYWALKER_GUI_PORT = String(await freePort());
  mkdirSync(OUT_DIR, { recursive: true });
  const log = createWriteStream(join(OUT_DIR, `${options.logName ?? role}.log`));
  const child = spawn(process.execPath, ["--no-node-snapshot", ...nodeFlags, BIN, "start", "--role", role], { env, stdio: ["ignore", "pipe", "pipe"], cwd: ROOT });
  started.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => started.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 30_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(url, child, 60_000);
  } catch (error) {
    await stop(1000);
    throw new Error(`${role} did not become ready (log: bench/out/${options.logName ?? role}.log): ${(error as Error).message}`, { cause: error });
  }
  return { role, pid: child.pid!, url, child, stop };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      last = `${response.status} ${await response.text()}`;
      if (response.ok) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`not ready within ${timeoutMs} ms: ${last}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A private redis-server on a free port, without persistence (as the test suite uses). */
export function startRedis(): Promise<LocalRedis> {
  return startLocalRedis();
}

/** Stops processes in the order given (e.g. chronomaster, proxy, executor: flow order). */
export async function stopAll(processes: (SkywalkerProcess | undefined)[]): Promise<void> {
  for (const proc of processes) await proc?.stop();
}
