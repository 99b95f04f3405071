// Scenario 7, noisy neighbour: a healthy no-op function run at a steady rate (open loop, POST
// /execute?wait=1) while four other functions spin (`while (true) {}`) until their time limit
// and are triggered again as soon as each run ends. Proxy and one executor (one sandbox host
// process, the default), each its own `skywalker start` process. Reports the healthy function's
// latency without and with the neighbours.
// Run alone: node --no-node-snapshot bench/noisy-neighbour.ts [--rate 20] [--duration 20] [--repeat 3] [--spinners 4]
//   [--limit-ms 2000] [--hosts 1]
import { randomUUID } from "node:crypto";
import { writeFunctions } from "./lib/functions.ts";
import { httpRequest, keepAliveAgent } from "./lib/http.ts";
import { openLoop } from "./lib/open-loop.ts";
import type { OpenLoopResult } from "./lib/open-loop.ts";
import { cpuMsOf, processTree } from "./lib/proc.ts";
import { numberFlag, print, progress, table } from "./lib/report.ts";
import { sleep, startRedis, startRole, stopAll } from "./lib/skywalker.ts";
import { format, percentile, summarize } from "./lib/stats.ts";

const RATE = numberFlag("rate", 20);
const DURATION_S = numberFlag("duration", 20);
const REPEAT = numberFlag("repeat", 3);
const SPINNERS = numberFlag("spinners", 4);
const LIMIT_MS = numberFlag("limit-ms", 2000);
const HOSTS = numberFlag("hosts", 1);
const WARMUP_S = 3;

const spinners = Array.from({ length: SPINNERS }, (_, i) => `spin${i + 1}`);
const functions = writeFunctions([
  { name: "healthy", config: { overlap: "allow" } },
  ...spinners.map((name) => ({ name, code: "export const main = () => { while (true) {} };\n", config: { overlap: "allow", limits: { timeoutMs: LIMIT_MS, cpuMs: LIMIT_MS } } })),
]);

interface Phase {
  healthy: OpenLoopResult;
  /** From the healthy runs' records: queuedAt → startedAt (the queue hop) and durationMs, ms. */
  queueWait: number[];
  runMs: number[];
  /** Spinner runs that ended during the phase, by error code. */
  spins: Map<string, number>;
  /** How long each spinner run took, as its caller saw it, ms. */
  spinMs: number[];
}

async function once(run: number): Promise<{ quiet: Phase; noisy: Phase; cpu: Map<string, number> }> {
  const redis = await startRedis();
  const common = { redisUrl: redis.url, functionsDir: functions.dir, prefix: `bench-${randomUUID().slice(0, 6)}` };
  const executor = await startRole("executor", { ...common, env: { SKYWALKER_SANDBOX_HOSTS: String(HOSTS) }, logName: "noisy-executor" });
  const proxy = await startRole("proxy", { ...common, logName: "noisy-proxy" });
  const agent = keepAliveAgent(256);
  const healthy = async (phase: Phase) => {
    phase.healthy = await openLoop({
      rate: RATE,
      durationMs: DURATION_S * 1000,
      send: async () => {
        const { status, body } = await httpRequest(`${proxy.url}/execute?wait=1`, { body: { function: "healthy" }, agent });
        if (status !== 200) return false;
        const record = JSON.parse(body) as { status: string; queuedAt: string; startedAt: string; durationMs: number };
        phase.queueWait.push(Date.parse(record.startedAt) - Date.parse(record.queuedAt));
        phase.runMs.push(record.durationMs);
        return record.status === "succeeded";
      },
    });
  };
  const newPhase = (): Phase => ({ healthy: { latencies: [], serviceTimes: [], sendLag: [], errors: 0, sent: 0 }, queueWait: [], runMs: [], spins: new Map(), spinMs: [] });
  await openLoop({ rate: RATE, durationMs: WARMUP_S * 1000, send: async () => (await httpRequest(`${proxy.url}/execute?wait=1`, { body: { function: "healthy" }, agent })).status === 200 });

  progress(`noisy neighbour: run ${run}: healthy alone, ${DURATION_S} s at ${RATE}/s`);
  const quiet = newPhase();
  await healthy(quiet);

  progress(`noisy neighbour: run ${run}: with ${SPINNERS} functions spinning to their ${LIMIT_MS} ms limit, re-triggered as each run ends`);
  const noisy = newPhase();
  let spinning = true;
  const loops = spinners.map(async (name) => {
    while (spinning) {
      const startedAt = performance.now();
      const { body } = await httpRequest(`${proxy.url}/execute?wait=1`, { body: { function: name }, agent });
      const record = JSON.parse(body) as { error?: { code?: string } | null };
      noisy.spinMs.push(performance.now() - startedAt);
      const code = record.error?.code ?? "no error";
      noisy.spins.set(code, (noisy.spins.get(code) ?? 0) + 1);
    }
  });
  // The spinners are all on by the time the healthy function is measured.
  await sleep(1000);
  const parts = new Map<string, number[]>([["executor and its sandbox host", processTree(executor.pid)], ["proxy", [proxy.pid]], ["redis-server", [redis.pid!]]]);
  const before = new Map([...parts].map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0)]));
  const measuredFrom = performance.now();
  await healthy(noisy);
  const seconds = (performance.now() - measuredFrom) / 1000;
  parts.set("executor and its sandbox host", processTree(executor.pid));
  const cpu = new Map([...parts].map(([name, pids]) => [name, (pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0) - (before.get(name) ?? 0)) / 10 / seconds]));
  spinning = false;
  await Promise.all(loops);
  agent.destroy();
  await stopAll([proxy, executor]);
  await redis.stop();
  for (const [name, phase] of [["alone", quiet], ["with neighbours", noisy]] as const) {
    const l = phase.healthy.latencies;
    progress(
      `  ${name}: p50 ${percentile(l, 0.5).toFixed(1)} ms, p99 ${percentile(l, 0.99).toFixed(1)} ms, max ${percentile(l, 1).toFixed(1)} ms, ${phase.healthy.errors} errors of ${phase.healthy.sent}; ` +
        `records: queue hop p50 ${percentile(phase.queueWait, 0.5)} p99 ${percentile(phase.queueWait, 0.99)} ms, run p50 ${percentile(phase.runMs, 0.5).toFixed(1)} p99 ${percentile(phase.runMs, 0.99).toFixed(1)} ms`,
    );
  }
  progress(`  spinner runs: ${JSON.stringify(Object.fromEntries(noisy.spins))}, CPU % of a core: ${JSON.stringify(Object.fromEntries([...cpu].map(([k, v]) => [k, Math.round(v)])))}`);
  return { quiet, noisy, cpu };
}

const runs: Awaited<ReturnType<typeof once>>[] = [];
for (let run = 1; run <= REPEAT; run++) runs.push(await once(run));
functions.remove();

const over = (pick: (r: (typeof runs)[number]) => number, digits = 1) => format(summarize(runs.map(pick)), digits);
const row = (label: string, phase: "quiet" | "noisy") => [
  label,
  over((r) => percentile(r[phase].healthy.latencies, 0.5)),
  over((r) => percentile(r[phase].healthy.latencies, 0.99)),
  over((r) => percentile(r[phase].healthy.latencies, 1)),
  String(runs.reduce((sum, r) => sum + r[phase].healthy.errors, 0)),
];
print(`### 7. Noisy neighbour: a healthy function at ${RATE} runs/s while ${SPINNERS} functions spin\n`);
print(
  `POST /execute?wait=1 of a no-op, open loop, ${DURATION_S} s per phase; ${SPINNERS} functions run \`while (true) {}\` with limits.timeoutMs = cpuMs = ${LIMIT_MS}, each re-triggered as soon as its run ends. ` +
    `Proxy and one executor (concurrency 10, ${HOSTS} sandbox host process${HOSTS === 1 ? "" : "es"}). ${REPEAT} runs; medians (min–max), in ms from the time each request was due.\n`,
);
print(
  table(
    ["healthy function", "p50", "p99", "max", "failed"],
    [
      row("alone", "quiet"),
      row(`with ${SPINNERS} spinning neighbours`, "noisy"),
      ["with neighbours, record: queuedAt → startedAt", over((r) => percentile(r.noisy.queueWait, 0.5)), over((r) => percentile(r.noisy.queueWait, 0.99)), over((r) => percentile(r.noisy.queueWait, 1)), ""],
      ["with neighbours, record: durationMs", over((r) => percentile(r.noisy.runMs, 0.5)), over((r) => percentile(r.noisy.runMs, 0.99)), over((r) => percentile(r.noisy.runMs, 1)), ""],
    ],
  ),
);
const codes = [...new Set(runs.flatMap((r) => [...r.noisy.spins.keys()]))];
print(`\nSpinner runs per phase: ${codes.map((code) => `${code} ${over((r) => r.noisy.spins.get(code) ?? 0, 0)}`).join(", ")}; each took ${over((r) => percentile(r.noisy.spinMs, 0.5), 0)} ms (p50) from request to answer.`);
print(`CPU while the neighbours spin, % of one core: ${[...runs[0]!.cpu.keys()].map((part) => `${part} ${over((r) => r.cpu.get(part) ?? 0, 0)}`).join(", ")}.`);
const p99 = summarize(runs.map((r) => percentile(r.noisy.healthy.latencies, 0.99))).median;
print(`\nTarget: healthy p99 ≤ 250 ms while the neighbours spin: ${p99 <= 250 ? "met" : "missed"} (${p99.toFixed(1)} ms).`);
process.exit(0);
