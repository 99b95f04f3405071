// Starts a private redis-server on a free loopback port: for the all-in-one `skywalker start`
// when REDIS_URL is not set, and for the test suite.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { ErrorCodes, SkywalkerError } from "../errors.ts";

export interface LocalRedisOptions {
  /** Folder for the append-only file; without it nothing is persisted. */
  dataDir?: string;
  /** @default "everysec" (at most a second of writes lost on a hard crash) */
  appendFsync?: "always" | "everysec";
  /** Port to listen on. @default a free port */
  port?: number;
  /** @default 10000 */
  startTimeoutMs?: number;
}

export interface LocalRedis {
  url: string;
  port: number;
  pid: number | undefined;
  /** Stops the server (SIGTERM: it flushes its append-only file first). */
  stop(): Promise<void>;
  /** Kills the server without letting it save (for crash tests). */
  kill(): Promise<void>;
}

export const REDIS_MISSING_HELP =
  "redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`) or set REDIS_URL to a Redis you run, e.g. REDIS_URL=redis://127.0.0.1:6379";

export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const port = options.port ?? (await freePort());
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--daemonize", "no", "--logfile", ""];
  if (options.dataDir === undefined) {
    args.push("--appendonly", "no");
  } else {
    const dir = resolve(options.dataDir);
    await mkdir(dir, { recursive: true });
    args.push("--appendonly", "yes", "--appendfsync", options.appendFsync ?? "everysec", "--dir", dir);
  }
  // Its own process group: a Ctrl-C in the terminal must not stop Redis while the runs in
  // flight drain into it; Skywalker stops it last, and kills it if Skywalker itself exits.
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const killOnExit = (): void => {
    child.kill("SIGTERM");
  };
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  await waitUntilReady(child, options.startTimeoutMs ?? 10_000);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop: () => stopWith("SIGTERM"), kill: () => stopWith("SIGKILL") };
}

function waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((done, fail) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new SkywalkerError(ErrorCodes.INTERNAL, `redis-server did not start within ${timeoutMs} ms: ${output.slice(-500)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        done();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(error.code === "ENOENT" ? new SkywalkerError(ErrorCodes.CONFIG_INVALID, REDIS_MISSING_HELP) : error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new SkywalkerError(ErrorCodes.INTERNAL, `redis-server exited with code ${code} before it was ready: ${output.slice(-500)}`));
    });
  });
}

/** A port that was free a moment ago on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}
