// Scenario 5, density: resident memory per hosted, warmed function. An executor (its own
// `skywalker start --role executor` process) loads 1,000 generated no-op functions; each runs
// once through the proxy, which leaves its isolate warm in the sandbox host. The RSS of the
// executor and its sandbox host process(es) is read from /proc at checkpoints along the way.
// Run alone: node --no-node-snapshot bench/density.ts [--functions 1000] [--repeat 3]
import { randomUUID } from "node:crypto";
import { noopFunctions, writeFunctions } from "./lib/functions.ts";
import { httpRequest, keepAliveAgent } from "./lib/http.ts";
import { commandOf, processTree, treeRss } from "./lib/proc.ts";
import { numberFlag, print, progress, table } from "./lib/report.ts";
import { sleep, startRedis, startRole, stopAll } from "./lib/skywalker.ts";
import { format, summarize } from "./lib/stats.ts";

const FUNCTIONS = numberFlag("functions", 1000);
const REPEAT = numberFlag("repeat", 3);
const IN_FLIGHT = 10;
const MiB = 2 ** 20;
const checkpoints = [0, 1, 10, 100, Math.floor(FUNCTIONS / 4), Math.floor(FUNCTIONS / 2), FUNCTIONS].filter((value, i, all) => all.indexOf(value) === i && value <= FUNCTIONS).sort((a, b) => a - b);

interface Reading {
  total: number;
  executor: number;
  /** Sandbox host processes (src/sandbox-host/host-main.ts). */
  hosts: number;
  /** esbuild's service processes, which the executor and the host start to bundle code. */
  esbuild: number;
  processes: number;
}

function kindOf(pid: number, root: number): "executor" | "hosts" | "esbuild" {
  if (pid === root) return "executor";
  const command = commandOf(pid);
  return command.includes("esbuild") ? "esbuild" : "hosts";
}

/** Median of a few readings, once the memory has settled after the last runs. */
async function settledRss(pid: number): Promise<Reading> {
  await sleep(2000);
  const readings: Reading[] = [];
  for (let i = 0; i < 5; i++) {
    const { total, byPid } = treeRss(pid);
    const reading: Reading = { total, executor: 0, hosts: 0, esbuild: 0, processes: byPid.size };
    for (const [member, rss] of byPid) reading[kindOf(member, pid)] += rss;
    readings.push(reading);
    await sleep(200);
  }
  readings.sort((a, b) => a.total - b.total);
  return readings[2]!;
}

const specs = noopFunctions(FUNCTIONS);
const functions = writeFunctions(specs);
const series = new Map<number, Reading[]>();
for (let r = 0; r < REPEAT; r++) {
  const redis = await startRedis();
  const common = { redisUrl: redis.url, functionsDir: functions.dir, prefix: `bench-${randomUUID().slice(0, 6)}` };
  progress(`density: run ${r + 1}/${REPEAT}: starting an executor with ${FUNCTIONS} functions`);
  const executor = await startRole("executor", { ...common, logName: "density-executor" });
  const proxy = await startRole("proxy", { ...common, logName: "density-proxy" });
  const agent = keepAliveAgent(IN_FLIGHT);
  let warmed = 0;
  const startedAt = performance.now();
  for (const checkpoint of checkpoints) {
    const next = specs.slice(warmed, checkpoint);
    let cursor = 0;
    await Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, next.length) }, async () => {
        while (cursor < next.length) {
          const spec = next[cursor++]!;
          const { status, body } = await httpRequest(`${proxy.url}/execute?wait=1`, { body: { function: spec.name }, agent });
          const record = JSON.parse(body) as { status?: string };
          if (status !== 200 || record.status !== "succeeded") throw new Error(`${spec.name} did not run: ${status} ${body.slice(0, 300)}`);
        }
      }),
    );
    warmed = checkpoint;
    const reading = await settledRss(executor.pid);
    series.set(checkpoint, [...(series.get(checkpoint) ?? []), reading]);
    progress(`  ${checkpoint} warmed: ${(reading.total / MiB).toFixed(1)} MiB (executor ${(reading.executor / MiB).toFixed(1)}, sandbox hosts ${(reading.hosts / MiB).toFixed(1)}, esbuild ${(reading.esbuild / MiB).toFixed(1)}, ${reading.processes} processes)`);
  }
  progress(`  warming took ${((performance.now() - startedAt) / 1000).toFixed(1)} s; processes:\n${processTree(executor.pid).map((pid) => `    ${pid} ${commandOf(pid).slice(0, 160)}`).join("\n")}`);
  agent.destroy();
  await stopAll([proxy, executor]);
  await redis.stop();
}
functions.remove();

const mib = (values: number[], digits = 1) => format(summarize(values.map((value) => value / MiB)), digits);
const at = (count: number) => series.get(count)!;
print(`### 5. Density: RSS per hosted, warmed function\n`);
print(`One executor (\`skywalker start --role executor\`, one sandbox host process) with ${FUNCTIONS} no-op functions loaded; each function run once through the proxy. RSS of the executor and all its descendants (the sandbox host, and the esbuild service processes that the executor and the host start to bundle code), read from /proc/<pid>/status after 2 s of rest. Medians of ${REPEAT} runs (min–max), in MiB.\n`);
print(
  table(
    ["functions warmed", "all processes", "executor", "sandbox host", "esbuild services"],
    checkpoints.map((count) => [String(count), mib(at(count).map((r) => r.total)), mib(at(count).map((r) => r.executor)), mib(at(count).map((r) => r.hosts)), mib(at(count).map((r) => r.esbuild))]),
  ),
);
const perFunction = at(FUNCTIONS).map((reading, i) => (reading.total - at(0)[i]!.total) / FUNCTIONS);
const marginal = at(FUNCTIONS).map((reading, i) => (reading.total - at(1)[i]!.total) / (FUNCTIONS - 1));
const median = summarize(perFunction.map((value) => value / MiB)).median;
print(`\n${table(
  ["per function", "MiB"],
  [
    [`(RSS with ${FUNCTIONS} warmed − RSS with 0 warmed) ÷ ${FUNCTIONS}: includes starting the sandbox host`, mib(perFunction, 2)],
    [`(RSS with ${FUNCTIONS} warmed − RSS with 1 warmed) ÷ ${FUNCTIONS - 1}: each further function`, mib(marginal, 2)],
  ],
)}`);
print(`\nTarget ≤ 3 MB per hosted function: ${median * MiB <= 3e6 ? "met" : "missed"} (${median.toFixed(2)} MiB = ${((median * MiB) / 1e6).toFixed(2)} MB).`);
process.exit(0);
