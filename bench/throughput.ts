// Scenario 1, executor throughput: a no-op function, jobs preloaded, one executor, concurrency
// swept. Skywalker (every run in a V8 isolate, in a supervised host process) against a BullMQ
// worker running the no-op in-process (the ceiling), BullMQ's own sandboxed processors (worker
// threads and child processes), and Celery (the original's stack) when python3-celery is here.
// Each consumer is started and warmed up first; the jobs are preloaded on a paused queue and the
// clock runs from resuming it until the last job is done.
// Run alone: node --no-node-snapshot bench/throughput.ts [--jobs N] [--repeat R] [--only <system>]
import { randomUUID } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Queue, Worker } from "bullmq";
import pino from "pino";
import { Executor } from "../src/executor/executor.ts";
import { FunctionRegistry } from "../src/functions/function-registry.ts";
import { createMetrics } from "../src/metrics/metrics.ts";
import { RUN_QUEUE } from "../src/queue/keys.ts";
import { RunEnqueuer } from "../src/queue/run-enqueuer.ts";
import { connectRedis } from "../src/redis/connection.ts";
import { startLocalRedis } from "../src/redis/local-redis.ts";
import { RunStore } from "../src/runs/run-store.ts";
import { settingsFromEnv } from "../src/settings.ts";
import { format, summarize } from "./lib/stats.ts";
import type { Summary } from "./lib/stats.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const JOBS = arg("jobs", 3000);
const REPEAT = arg("repeat", 3);
const CONCURRENCY = [1, 10, 50];
const processorFile = fileURLToPath(new URL("./peers/noop-processor.cjs", import.meta.url));
const functionsDir = fileURLToPath(new URL("./fixtures", import.meta.url));
const redisServer = await startLocalRedis();
const logger = pino({ level: "silent" });

/** Jobs run before the clock starts: processes spawned, code compiled and warmed. */
const WARMUP_JOBS = 300;

interface Consumer {
  queue: Queue;
  /** Adds `count` jobs. */
  add(count: number): Promise<void>;
  stop(): Promise<void>;
}

async function drained(queue: Queue): Promise<void> {
  while ((await queue.count()) > 0 || (await queue.getActiveCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * Warms the consumer up, then pauses the queue, preloads the jobs and times how long the consumer
 * takes to run them all once the queue is resumed. Failed jobs make the measurement invalid.
 */
async function measure(consumer: Consumer): Promise<number> {
  const { queue } = consumer;
  try {
    await consumer.add(WARMUP_JOBS);
    await drained(queue);
    await queue.pause();
    await consumer.add(JOBS);
    const started = performance.now();
    await queue.resume();
    await drained(queue);
    const seconds = (performance.now() - started) / 1000;
    const failed = await queue.getFailedCount();
    if (failed > 0) throw new Error(`${failed} jobs failed: the figure would count failures`);
    return JOBS / seconds;
  } finally {
    await consumer.stop();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function bullmq(concurrency: number, mode: "in-process" | "worker-threads" | "child-processes"): Promise<number> {
  const prefix = `bench-${randomUUID().slice(0, 6)}`;
  const queue = new Queue("bench", { connection: connectRedis(redisServer.url), prefix });
  const processor = mode === "in-process" ? async () => null : processorFile;
  // This process runs with --no-node-snapshot (for isolated-vm), which worker threads refuse:
  // BullMQ's threads get an execArgv of their own, or every job fails at once.
  const worker = new Worker("bench", processor, {
    connection: connectRedis(redisServer.url, { forWorker: true }),
    prefix,
    concurrency,
    useWorkerThreads: mode === "worker-threads",
    ...(mode === "worker-threads" ? { workerThreadsOptions: { execArgv: [] } } : {}),
  });
  await worker.waitUntilReady();
  return measure({
    queue,
    add: async (count) => {
      for (let i = 0; i < count; i += 500) await queue.addBulk(Array.from({ length: Math.min(500, count - i) }, () => ({ name: "noop", data: {}, opts: { removeOnComplete: true } })));
    },
    stop: () => worker.close(),
  });
}

async function skywalker(concurrency: number): Promise<number> {
  const settings = settingsFromEnv({}, { prefix: `bench-${randomUUID().slice(0, 6)}`, concurrency, functionsDir });
  const redis = connectRedis(redisServer.url);
  const registry = await FunctionRegistry.open(functionsDir, logger);
  const store = new RunStore(redis, { prefix: settings.prefix, historyPerFunction: 100, ttlSeconds: 3600 });
  const queue = new Queue(RUN_QUEUE, { connection: connectRedis(redisServer.url), prefix: settings.prefix });
  const enqueuer = new RunEnqueuer(queue, store, redis, settings.prefix);
  const fn = registry.get("noop")!;
  const executor = new Executor({ settings, redisUrl: redisServer.url, redis, registry, store, metrics: createMetrics(), logger });
  await executor.start();
  try {
    return await measure({
      queue: queue as unknown as Queue,
      // Through the enqueuer, as the proxy queues runs: a record and a job each.
      add: async (count) => {
        for (let i = 0; i < count; i += 200) await Promise.all(Array.from({ length: Math.min(200, count - i) }, () => enqueuer.enqueue(fn, { environment: null, trigger: "api" })));
      },
      stop: () => executor.stop(5000),
    });
  } finally {
    redis.disconnect();
  }
}

async function celery(concurrency: number): Promise<number | undefined> {
  const script = fileURLToPath(new URL("./peers/celery_peer.py", import.meta.url));
  return new Promise((resolve) => {
    // Debian's python3-celery lives beside Debian's python, which may not be first on PATH.
    const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const child = spawn(python, [script, redisServer.url, String(JOBS), String(concurrency)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => process.env.BENCH_DEBUG && process.stderr.write(chunk));
    child.on("error", () => resolve(undefined));
    child.on("exit", (code) => resolve(code === 0 ? Number(out.trim().split("\n").at(-1)) : undefined));
  });
}

type System = { name: string; run: (c: number) => Promise<number | undefined> };
const systems: System[] = [
  { name: "BullMQ in-process no-op (ceiling)", run: (c) => bullmq(c, "in-process") },
  { name: "BullMQ sandboxed, worker threads", run: (c) => bullmq(c, "worker-threads") },
  { name: "BullMQ sandboxed, child processes", run: (c) => bullmq(c, "child-processes") },
  { name: "Celery 5 (original's stack)", run: celery },
  { name: "Skywalker (isolate per function)", run: skywalker },
];

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1]! : "";
const results = new Map<string, Summary | undefined>();
for (const concurrency of CONCURRENCY) {
  for (const system of systems.filter((candidate) => candidate.name.toLowerCase().includes(only.toLowerCase()))) {
    const rates: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const rate = await system.run(concurrency);
      if (rate === undefined) break;
      rates.push(rate);
    }
    const summary = rates.length > 0 ? summarize(rates) : undefined;
    results.set(`${system.name}@${concurrency}`, summary);
    process.stderr.write(`concurrency ${concurrency}: ${system.name}: ${summary ? format(summary) : "not available"} jobs/s\n`);
  }
}

const lines = ["| system | c=1 | c=10 | c=50 |", "| --- | --- | --- | --- |"];
for (const system of systems) lines.push(`| ${system.name} | ${CONCURRENCY.map((c) => { const s = results.get(`${system.name}@${c}`); return s ? format(s) : "n/a"; }).join(" | ")} |`);
const ratio = (peer: string, c: number) => {
  const ours = results.get(`Skywalker (isolate per function)@${c}`);
  const theirs = results.get(`${peer}@${c}`);
  return ours && theirs ? (ours.median / theirs.median).toFixed(2) : "n/a";
};
lines.push("", "| Skywalker ÷ peer (medians) | c=1 | c=10 | c=50 |", "| --- | --- | --- | --- |");
for (const system of systems.slice(0, 4)) lines.push(`| ÷ ${system.name} | ${CONCURRENCY.map((c) => ratio(system.name, c)).join(" | ")} |`);
process.stdout.write(`${lines.join("\n")}\n`);
await redisServer.stop();
process.exit(0);
