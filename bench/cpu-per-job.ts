// What limits scenario 1: the CPU each process spends per job, for Skywalker's executor and for
// the in-process BullMQ ceiling, at one concurrency. Each consumer is warmed up, the jobs are
// preloaded on a paused queue, and the CPU time of every thread of this process (the executor
// or the BullMQ worker runs here), of its children (the sandbox host) and of Redis is read from
// /proc before and after the drain. Linux only.
// Run: node --no-node-snapshot bench/cpu-per-job.ts [--jobs 20000] [--concurrency 50]
import { readdirSync, readFileSync } from "node:fs";
import { startLocalRedis } from "../src/redis/local-redis.ts";
import { bullmqConsumer, drained, skywalkerConsumer } from "./lib/consumers.ts";
import type { Consumer } from "./lib/consumers.ts";
import { numberFlag } from "./lib/report.ts";

const JOBS = numberFlag("jobs", 20_000);
const CONCURRENCY = numberFlag("concurrency", 50);
const redisServer = await startLocalRedis();

/** CPU seconds per process, split into its main thread and its other threads. */
type Usage = Map<string, number>;

function threadsOf(pid: number | "self"): [string, number][] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task): [string, number][] => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return [[name, (Number(fields[11]) + Number(fields[12])) / 100]];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

function usage(label: string): Usage {
  const out: Usage = new Map();
  const add = (key: string, seconds: number) => out.set(key, (out.get(key) ?? 0) + seconds);
  const processes: [string, number | "self"][] = [[label, "self"]];
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  for (const child of children) {
    const comm = readFileSync(`/proc/${child}/comm`, "utf8").trim();
    if (comm.startsWith("redis")) processes.push(["redis-server", child]);
    else if (comm !== "esbuild") processes.push(["sandbox host", child]);
  }
  for (const [name, pid] of processes) {
    for (const [thread, seconds] of threadsOf(pid)) add(`${name}, ${thread === "MainThread" || thread.startsWith("redis") ? "main thread" : "other threads"}`, seconds);
  }
  return out;
}

async function measure(label: string, consumer: Consumer): Promise<{ rate: number; perJob: Map<string, number> }> {
  const { queue } = consumer;
  try {
    await consumer.add(300);
    await drained(queue);
    await queue.pause();
    await consumer.add(JOBS);
    const before = usage(label);
    const started = performance.now();
    await queue.resume();
    await drained(queue);
    const seconds = (performance.now() - started) / 1000;
    const after = usage(label);
    const perJob = new Map([...after].map(([key, value]) => [key, ((value - (before.get(key) ?? 0)) / JOBS) * 1e6]));
    return { rate: JOBS / seconds, perJob };
  } finally {
    await consumer.stop();
  }
}

const rows: [string, { rate: number; perJob: Map<string, number> }][] = [
  ["BullMQ in-process no-op (ceiling)", await measure("BullMQ worker", await bullmqConsumer(redisServer.url, CONCURRENCY))],
  ["Skywalker", await measure("executor", await skywalkerConsumer(redisServer.url, CONCURRENCY))],
];
const lines = [`CPU per job at concurrency ${CONCURRENCY}, ${JOBS} jobs (µs of CPU time per job, from /proc):`, "", "| system | jobs/s | where | µs per job |", "| --- | --- | --- | --- |"];
for (const [name, { rate, perJob }] of rows) {
  const total = [...perJob.values()].reduce((sum, value) => sum + value, 0);
  for (const [where, micros] of [...perJob].filter(([, micros]) => micros >= 0.5).sort()) lines.push(`| ${name} | ${Math.round(rate)} | ${where} | ${micros.toFixed(0)} |`);
  lines.push(`| ${name} | ${Math.round(rate)} | **all** | **${total.toFixed(0)}** |`);
}
process.stdout.write(`${lines.join("\n")}\n`);
await redisServer.stop();
process.exit(0);
