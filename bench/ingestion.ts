// Scenario 2, ingestion: requests per second that `POST /execute` accepts (202), driven by
// autocannon on loopback, against the original's stack: a Flask proxy queueing a Celery task on
// Redis (bench/peers/flask_proxy.py), served by gunicorn. The proxies run alone (no executor),
// each on a fresh Redis for each run; the systems take turns, so drift in the machine's load
// hits them alike.
// Run alone: node --no-node-snapshot bench/ingestion.ts [--connections 50] [--duration 10] [--warmup 2] [--repeat 3]
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { freePort } from "../src/redis/local-redis.ts";
import { writeFunctions } from "./lib/functions.ts";
import { httpRequest } from "./lib/http.ts";
import { cpuMsOf, processTree } from "./lib/proc.ts";
import { hasFlag, numberFlag, print, progress, stringFlag, table } from "./lib/report.ts";
import { sleep, startRedis, startRole } from "./lib/skywalker.ts";
import { format, summarize } from "./lib/stats.ts";
import type { Summary } from "./lib/stats.ts";

const CONNECTIONS = numberFlag("connections", 50);
const DURATION_S = numberFlag("duration", 10);
const WARMUP_S = numberFlag("warmup", 2);
const REPEAT = numberFlag("repeat", 3);
const ONLY = stringFlag("only", "");
const PYTHON = "/usr/bin/python3";
const AUTOCANNON = fileURLToPath(new URL("../node_modules/autocannon/autocannon.js", import.meta.url));
const PEERS = fileURLToPath(new URL("./peers", import.meta.url));
/** gunicorn's own advice for its worker count: 2 × cores + 1. */
const GUNICORN_WORKERS = 2 * (await import("node:os")).availableParallelism() + 1;

interface Server {
  url: string;
  /** The request body each system's callers send. */
  body: string;
  /** The server's processes (a gunicorn master and its workers). */
  pids(): number[];
  stop(): Promise<void>;
}

interface System {
  name: string;
  start(redisUrl: string): Promise<Server>;
}

const functions = writeFunctions([{ name: "noop" }]);

/** `processes` > 1: proxies sharing one port (SKYWALKER_PROXY_REUSE_PORT), as replicas share a Service. */
function skywalkerProxy(processes: number): System {
  return {
    name: processes === 1 ? "Skywalker proxy (1 Node process)" : `Skywalker proxy (${processes} Node processes, one port)`,
    async start(redisUrl) {
      const port = await freePort();
      const prefix = `bench-${randomUUID().slice(0, 6)}`;
      const proxies = await Promise.all(
        Array.from({ length: processes }, (_, index) =>
          startRole("proxy", { redisUrl, functionsDir: functions.dir, prefix, port, env: { SKYWALKER_PROXY_REUSE_PORT: String(processes > 1) }, logName: `ingestion-proxy-${index}` }),
        ),
      );
      return {
        url: `${proxies[0]!.url}/execute`,
        body: JSON.stringify({ function: "noop" }),
        pids: () => proxies.map((proxy) => proxy.pid),
        stop: async () => {
          await Promise.all(proxies.map((proxy) => proxy.stop()));
        },
      };
    },
  };
}

/** `threads` > 1: gunicorn's gthread workers, which keep connections alive; else its default sync workers. */
function celeryPeer(workers: number, threads: number, resultBackend: boolean): System {
  const kind = threads > 1 ? `${workers} gthread workers × ${threads} threads` : `${workers} sync worker${workers === 1 ? "" : "s"}`;
  return {
    name: `Flask + Celery, gunicorn ${kind}${resultBackend ? "" : ", no result backend"}`,
    async start(redisUrl) {
      const port = await freePort();
      const workerArgs = threads > 1 ? ["-w", String(workers), "-k", "gthread", "--threads", String(threads)] : ["-w", String(workers)];
      const child = spawn(PYTHON, ["-m", "gunicorn", ...workerArgs, "-b", `127.0.0.1:${port}`, "--log-level", "warning", "flask_proxy:app"], {
        cwd: PEERS,
        env: { PATH: process.env.PATH ?? "", BENCH_REDIS_URL: redisUrl, BENCH_RESULT_BACKEND: resultBackend ? "redis" : "none", PYTHONDONTWRITEBYTECODE: "1" },
        stdio: ["ignore", "ignore", process.env.BENCH_DEBUG ? "inherit" : "ignore"],
      });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`${url}/healthz`, child);
      // The original's chronomaster body: what this proxy's callers send.
      const body = JSON.stringify({ "job-name": "noop", "python-codes-config": "noop-config.json", "python-codes-args": {}, environment: "production", cron: "@every 10s", "cron-enabled": true });
      return { url: `${url}/execute`, body, pids: () => processTree(child.pid!), stop: () => stopChild(child) };
    },
  };
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      if ((await httpRequest(url, { timeoutMs: 1000 })).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within 30 s`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

interface Load {
  /** CPU used during the run, in % of one core: the server, Redis, and autocannon. */
  cpu?: { server: number; redis: number; generator: number };
  accepted: number;
  other: number;
  errors: number;
  latencyP50: number;
  latencyP99: number;
}

/** Runs autocannon in its own process (so the generator does not share an event loop with us). */
function autocannon(url: string, body: string, seconds: number, watch: { server: () => number[]; redis: number } | undefined = undefined): Promise<Load> {
  const args = [AUTOCANNON, "--json", "-c", String(CONNECTIONS), "-d", String(seconds), "-m", "POST", "-H", "content-type=application/json", "-b", body, url];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    const cpuNow = () => (watch === undefined ? undefined : { server: watch.server().reduce((sum, pid) => sum + cpuMsOf(pid), 0), redis: cpuMsOf(watch.redis), generator: cpuMsOf(child.pid!) });
    const cpuBefore = cpuNow();
    const startedAt = performance.now();
    let cpuAfter: ReturnType<typeof cpuNow>;
    // Read just before autocannon ends (its own CPU is gone once it has exited).
    const timer = setTimeout(() => (cpuAfter = cpuNow()), seconds * 1000 - 100);
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const elapsedMs = performance.now() - startedAt - 100;
      const share = (after: number, before: number) => (100 * (after - before)) / elapsedMs;
      const cpu = cpuBefore && cpuAfter ? { server: share(cpuAfter.server, cpuBefore.server), redis: share(cpuAfter.redis, cpuBefore.redis), generator: share(cpuAfter.generator, cpuBefore.generator) } : undefined;
      const result = JSON.parse(out) as { "2xx": number; non2xx: number; errors: number; timeouts: number; duration: number; latency: { p50: number; p99: number } };
      // 202 is the only 2xx either proxy answers to these requests.
      resolve({ ...(cpu === undefined ? {} : { cpu }), accepted: result["2xx"] / result.duration, other: result.non2xx, errors: result.errors + result.timeouts, latencyP50: result.latency.p50, latencyP99: result.latency.p99 });
    });
  });
}

/** The peer needs Debian's python3-celery, python3-flask, python3-redis and python3-gunicorn. */
function peerMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const check = spawnSync(PYTHON, ["-c", "import celery, flask, redis, gunicorn"], { encoding: "utf8" });
  return check.status === 0 ? undefined : (check.stderr.trim().split("\n").at(-1) ?? "a module is missing");
}

const ourSystems = [skywalkerProxy(1), skywalkerProxy(2)];
const peers: System[] = [];
const missing = peerMissing();
if (missing === undefined) {
  peers.push(celeryPeer(1, 1, true), celeryPeer(GUNICORN_WORKERS, 1, true), celeryPeer(GUNICORN_WORKERS, 4, true));
  if (hasFlag("lean-celery")) peers.push(celeryPeer(GUNICORN_WORKERS, 4, false));
} else {
  print(`The Celery peer is skipped: ${missing} (apt-get install python3-celery python3-flask python3-redis python3-gunicorn).\n`);
}
const systems = [...ourSystems, ...peers];

const rates = new Map<string, number[]>();
const latencies = new Map<string, { p50: number[]; p99: number[] }>();
const failures = new Map<string, number>();
const cpus = new Map<string, { server: number[]; redis: number[]; generator: number[] }>();
for (let i = 0; i < REPEAT; i++) {
  for (const system of systems.filter((candidate) => candidate.name.toLowerCase().includes(ONLY.toLowerCase()))) {
    const redis = await startRedis();
    let server: Server | undefined;
    try {
      server = await system.start(redis.url);
      await autocannon(server.url, server.body, WARMUP_S);
      const load = await autocannon(server.url, server.body, DURATION_S, { server: server.pids, redis: redis.pid! });
      rates.set(system.name, [...(rates.get(system.name) ?? []), load.accepted]);
      const seen = latencies.get(system.name) ?? { p50: [], p99: [] };
      seen.p50.push(load.latencyP50);
      seen.p99.push(load.latencyP99);
      latencies.set(system.name, seen);
      failures.set(system.name, (failures.get(system.name) ?? 0) + load.other + load.errors);
      if (load.cpu !== undefined) {
        const seenCpu = cpus.get(system.name) ?? { server: [], redis: [], generator: [] };
        seenCpu.server.push(load.cpu.server);
        seenCpu.redis.push(load.cpu.redis);
        seenCpu.generator.push(load.cpu.generator);
        cpus.set(system.name, seenCpu);
      }
      progress(`ingestion: run ${i + 1}/${REPEAT}: ${system.name}: ${load.accepted.toFixed(0)} accepted/s (${load.other} other answers, ${load.errors} errors)`);
    } catch (error) {
      progress(`ingestion: ${system.name}: ${(error as Error).message}`);
    } finally {
      await server?.stop();
      await redis.stop();
    }
  }
}

const summaries = new Map<string, Summary>([...rates].map(([name, values]) => [name, summarize(values)]));
print(`### 2. Ingestion: POST /execute accepted per second\n`);
print(`autocannon, ${CONNECTIONS} connections, ${DURATION_S} s after ${WARMUP_S} s of warm-up, ${REPEAT} runs per system; each run on a fresh Redis, without executors. Medians (min–max).\n`);
print(
  table(
    ["system", "accepted/s", "latency p50", "latency p99", "non-202 or errors", "CPU, % of one core: server / Redis / autocannon"],
    systems.map((system) => {
      const summary = summaries.get(system.name);
      const seen = latencies.get(system.name);
      return [
        system.name,
        summary ? format(summary) : "n/a",
        seen ? `${summarize(seen.p50).median} ms` : "n/a",
        seen ? `${summarize(seen.p99).median} ms` : "n/a",
        String(failures.get(system.name) ?? "n/a"),
        (() => {
          const cpu = cpus.get(system.name);
          return cpu ? [cpu.server, cpu.redis, cpu.generator].map((values) => summarize(values).median.toFixed(0)).join(" / ") : "n/a";
        })(),
      ];
    }),
  ),
);
const peerRows = peers.map((peer) => {
  const theirs = summaries.get(peer.name);
  return [
    `÷ ${peer.name}`,
    ...ourSystems.map((system) => {
      const ours = summaries.get(system.name);
      return ours && theirs ? (ours.median / theirs.median).toFixed(2) : "n/a";
    }),
  ];
});
if (peerRows.length > 0) print(`\n${table(["Skywalker ÷ peer (medians)", ...ourSystems.map((system) => system.name.replace("Skywalker proxy ", ""))], peerRows)}`);
// The verdict is against the fastest configuration of the original's stack, not the weakest.
const original = peers.filter((peer) => !peer.name.includes("no result backend") && summaries.has(peer.name));
const fastest = original.sort((a, b) => summaries.get(b.name)!.median - summaries.get(a.name)!.median)[0];
for (const system of ourSystems) {
  const ours = summaries.get(system.name);
  if (ours === undefined || fastest === undefined) continue;
  const ratio = ours.median / summaries.get(fastest.name)!.median;
  print(`\nTarget ≥ 5 × the Celery peer, against its fastest configuration here (${fastest.name}), ${system.name}: ${ratio >= 5 ? "met" : "missed"} (${ratio.toFixed(2)} ×).`);
}
functions.remove();
process.exit(0);
