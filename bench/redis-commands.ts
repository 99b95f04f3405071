// Counts the Redis commands behind one run, from INFO commandstats: for POST /execute (the
// proxy alone) and for a whole POST /execute?wait=1 run (proxy and one executor). Unlike the
// timings, these counts do not depend on how busy the machine is; they explain the figures of
// scenarios 2 and 3. Run: node --no-node-snapshot bench/redis-commands.ts [--runs 500]
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { writeFunctions } from "./lib/functions.ts";
import { httpRequest, keepAliveAgent } from "./lib/http.ts";
import { numberFlag, print, progress, table } from "./lib/report.ts";
import { sleep, startRedis, startRole, stopAll } from "./lib/skywalker.ts";

const RUNS = numberFlag("runs", 500);

/**
 * Watches Redis with MONITOR: commands that clients send (a MULTI … EXEC block counts as one
 * exchange), and commands that Lua scripts run inside Redis.
 */
class CommandCounter {
  direct = new Map<string, number>();
  lua = new Map<string, number>();
  exchanges = 0;
  private readonly inTransaction = new Set<string>();

  record(args: string[], source: string): void {
    const name = (args[0] ?? "?").toLowerCase();
    if (name === "monitor" || name === "info") return;
    if (source === "lua") {
      this.lua.set(name, (this.lua.get(name) ?? 0) + 1);
      return;
    }
    this.direct.set(name, (this.direct.get(name) ?? 0) + 1);
    if (name === "multi") this.inTransaction.add(source);
    if (!this.inTransaction.has(source)) this.exchanges++;
    if (name === "exec" || name === "discard") {
      this.inTransaction.delete(source);
      this.exchanges++;
    }
  }

  reset(): void {
    this.direct.clear();
    this.lua.clear();
    this.exchanges = 0;
  }
}

function perRun(counts: Map<string, number>): [string, number][] {
  return [...counts].map(([name, calls]) => [name, calls / RUNS] as [string, number]).sort((a, b) => b[1] - a[1]);
}

const redis = await startRedis();
const client = new Redis(redis.url);
const counter = new CommandCounter();
const monitor = await client.monitor();
monitor.on("monitor", (_time: string, args: string[], source: string) => counter.record(args, source));
const functions = writeFunctions([{ name: "noop", config: { overlap: "allow" } }]);
const common = { redisUrl: redis.url, functionsDir: functions.dir, prefix: `bench-${randomUUID().slice(0, 6)}` };
const proxy = await startRole("proxy", { ...common, logName: "commands-proxy" });
const agent = keepAliveAgent(1);
// One request first, so that script loading and subscriptions are not counted.
await httpRequest(`${proxy.url}/execute`, { body: { function: "noop" }, agent });
await sleep(500);
counter.reset();
for (let i = 0; i < RUNS; i++) await httpRequest(`${proxy.url}/execute`, { body: { function: "noop" }, agent });
await sleep(200);
const ingest = { direct: perRun(counter.direct), lua: perRun(counter.lua), exchanges: counter.exchanges / RUNS };
progress(`redis exchanges per POST /execute: ${ingest.exchanges.toFixed(2)}`);

const executor = await startRole("executor", { ...common, logName: "commands-executor" });
// Let it drain what the proxy alone queued, and idle, before counting.
while ((await httpRequest(`${proxy.url}/execute?wait=1`, { body: { function: "noop" }, agent })).status !== 200) await sleep(100);
await sleep(3000);
// What the idle executor and proxy send anyway (BullMQ's blocking fetch, heartbeats), per second.
counter.reset();
const idleStart = performance.now();
await sleep(3000);
const idleSeconds = (performance.now() - idleStart) / 1000;
const idle = { direct: new Map(counter.direct), exchanges: counter.exchanges };
counter.reset();
const started = performance.now();
for (let i = 0; i < RUNS; i++) await httpRequest(`${proxy.url}/execute?wait=1`, { body: { function: "noop" }, agent });
await sleep(200);
const seconds = (performance.now() - started) / 1000;
const scale = seconds / idleSeconds;
const net = new Map([...counter.direct].map(([name, calls]) => [name, Math.max(0, calls - (idle.direct.get(name) ?? 0) * scale)]));
const full = { direct: perRun(net), lua: perRun(counter.lua), exchanges: (counter.exchanges - idle.exchanges * scale) / RUNS };
await stopAll([proxy, executor]);
client.disconnect();
await redis.stop();
functions.remove();

const total = (rows: [string, number][]) => rows.reduce((sum, [, calls]) => sum + calls, 0).toFixed(1);
const list = (rows: [string, number][]) => rows.filter(([, calls]) => calls >= 0.01).map(([name, calls]) => `${name} ${calls.toFixed(2)}`).join(", ");
print(`### Redis commands per run\n`);
print(`${RUNS} requests one after another, watched with Redis MONITOR. An exchange is one command a client sends and waits for, or one MULTI … EXEC block (pipelined commands without MULTI count one each, so exchanges are an upper bound on round trips).\n`);
print(
  table(
    ["path", "exchanges", "commands sent", "commands run inside Lua scripts"],
    [
      ["POST /execute (proxy alone)", ingest.exchanges.toFixed(2), `${total(ingest.direct)}: ${list(ingest.direct)}`, `${total(ingest.lua)}: ${list(ingest.lua)}`],
      ["POST /execute?wait=1 (proxy and executor, net of idle traffic)", full.exchanges.toFixed(2), `${total(full.direct)}: ${list(full.direct)}`, `${total(full.lua)}: ${list(full.lua)}`],
    ],
  ),
);
print(`\nIdle traffic subtracted: ${[...idle.direct].map(([name, calls]) => `${name} ${(calls / idleSeconds).toFixed(1)}/s`).join(", ") || "none"}.`);
process.exit(0);
