// Scenario 1, executor throughput: a no-op function, jobs preloaded, one executor, concurrency
// swept. Skywalker (every run in a V8 isolate, in a supervised host process) against a BullMQ
// worker running the no-op in-process (the ceiling), BullMQ's own sandboxed processors (worker
// threads and child processes), and Celery (the original's stack) when python3-celery is here.
// Each consumer is started and warmed up first; the jobs are preloaded on a paused queue and the
// clock runs from resuming it until the last job is done.
// Run alone: node --no-node-snapshot bench/throughput.ts [--jobs N] [--repeat R] [--only <system>]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startLocalRedis } from "../src/redis/local-redis.ts";
import { bullmqConsumer, drained, skywalkerConsumer } from "./lib/consumers.ts";
import type { Consumer } from "./lib/consumers.ts";
import { format, summarize } from "./lib/stats.ts";
import type { Summary } from "./lib/stats.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const JOBS = arg("jobs", 10_000);
const REPEAT = arg("repeat", 3);
const CONCURRENCY = [1, 10, 50];
const redisServer = await startLocalRedis();

/** Jobs run before the clock starts: processes spawned, code compiled and warmed. */
const WARMUP_JOBS = 300;

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
  { name: "BullMQ in-process no-op (ceiling)", run: async (c) => measure(await bullmqConsumer(redisServer.url, c, "in-process")) },
  { name: "BullMQ sandboxed, worker threads", run: async (c) => measure(await bullmqConsumer(redisServer.url, c, "worker-threads")) },
  { name: "BullMQ sandboxed, child processes", run: async (c) => measure(await bullmqConsumer(redisServer.url, c, "child-processes")) },
  { name: "Celery 5 (original's stack)", run: celery },
  { name: "Skywalker (isolate per function)", run: async (c) => measure(await skywalkerConsumer(redisServer.url, c)) },
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
