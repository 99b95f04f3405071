// Scenario 3, latency: `POST /execute?wait=1` of a no-op at a fixed rate (open loop: requests
// start on a fixed clock, not back to back), against a proxy and one executor, each its own
// `skywalker start` process on a private Redis. Reports p50, p99 and max from the time each
// request was due, and where the time goes, from the run records' timestamps.
// Run alone: node --no-node-snapshot bench/latency.ts [--rate 200] [--duration 20] [--warmup 3] [--repeat 3]
import { randomUUID } from "node:crypto";
import { summarize, format, percentile } from "./lib/stats.ts";
import { writeFunctions } from "./lib/functions.ts";
import { httpRequest, keepAliveAgent } from "./lib/http.ts";
import { openLoop } from "./lib/open-loop.ts";
import { numberFlag, print, progress, table } from "./lib/report.ts";
import { startRedis, startRole, stopAll } from "./lib/skywalker.ts";

const RATE = numberFlag("rate", 200);
const DURATION_S = numberFlag("duration", 20);
const WARMUP_S = numberFlag("warmup", 3);
const REPEAT = numberFlag("repeat", 3);
const CONCURRENCY = numberFlag("concurrency", 10);

interface Sample {
  latency: number[];
  serviceTime: number[];
  errors: number;
  sent: number;
  /** queuedAt → startedAt, run duration, per run (ms), from the records. */
  queueWait: number[];
  runMs: number[];
}

const redis = await startRedis();
const functions = writeFunctions([{ name: "noop", config: { overlap: "allow" } }]);
const common = { redisUrl: redis.url, functionsDir: functions.dir, prefix: `bench-${randomUUID().slice(0, 6)}` };
const executor = await startRole("executor", { ...common, env: { SKYWALKER_CONCURRENCY: String(CONCURRENCY) }, logName: "latency-executor" });
const proxy = await startRole("proxy", { ...common, logName: "latency-proxy" });
const agent = keepAliveAgent(512);
const executeUrl = `${proxy.url}/execute?wait=1`;

async function measure(durationS: number): Promise<Sample> {
  const sample: Sample = { latency: [], serviceTime: [], errors: 0, sent: 0, queueWait: [], runMs: [] };
  const result = await openLoop({
    rate: RATE,
    durationMs: durationS * 1000,
    send: async () => {
      const { status, body } = await httpRequest(executeUrl, { body: { function: "noop" }, agent });
      if (status !== 200) return false;
      const record = JSON.parse(body) as { status: string; queuedAt: string; startedAt: string; durationMs: number };
      if (record.status !== "succeeded") return false;
      sample.queueWait.push(Date.parse(record.startedAt) - Date.parse(record.queuedAt));
      sample.runMs.push(record.durationMs);
      return true;
    },
  });
  return { ...sample, latency: result.latencies, serviceTime: result.serviceTimes, errors: result.errors, sent: result.sent };
}

const runs: Sample[] = [];
for (let i = 0; i < REPEAT; i++) {
  progress(`latency: run ${i + 1}/${REPEAT}: ${WARMUP_S} s warm-up, then ${DURATION_S} s at ${RATE}/s`);
  await measure(WARMUP_S);
  const sample = await measure(DURATION_S);
  runs.push(sample);
  progress(`  p50 ${percentile(sample.latency, 0.5).toFixed(2)} ms, p99 ${percentile(sample.latency, 0.99).toFixed(2)} ms, max ${Math.max(...sample.latency).toFixed(1)} ms, ${sample.errors} errors of ${sample.sent}`);
}

const over = (pick: (sample: Sample) => number, digits = 2) => format(summarize(runs.map(pick)), digits);
const max = (values: number[]) => values.reduce((a, b) => Math.max(a, b), 0);
print(`### 3. Latency: POST /execute?wait=1, a no-op at ${RATE} runs/s (open loop)\n`);
print(`Proxy and one executor (concurrency ${CONCURRENCY}), separate processes; ${REPEAT} runs of ${DURATION_S} s after ${WARMUP_S} s of warm-up each. Medians of the runs (min–max), in ms.\n`);
print(
  table(
    ["measure", "p50", "p99", "max"],
    [
      ["due time → answer (what a caller sees)", over((s) => percentile(s.latency, 0.5)), over((s) => percentile(s.latency, 0.99)), over((s) => max(s.latency), 1)],
      ["send → answer (without the generator's lag)", over((s) => percentile(s.serviceTime, 0.5)), over((s) => percentile(s.serviceTime, 0.99)), over((s) => max(s.serviceTime), 1)],
      ["record: queuedAt → startedAt (queue hop)", over((s) => percentile(s.queueWait, 0.5)), over((s) => percentile(s.queueWait, 0.99)), over((s) => max(s.queueWait), 1)],
      ["record: durationMs (run in the executor)", over((s) => percentile(s.runMs, 0.5)), over((s) => percentile(s.runMs, 0.99)), over((s) => max(s.runMs), 1)],
    ],
  ),
);
const errors = runs.reduce((sum, s) => sum + s.errors, 0);
const sent = runs.reduce((sum, s) => sum + s.sent, 0);
const p50 = summarize(runs.map((s) => percentile(s.latency, 0.5))).median;
const p99 = summarize(runs.map((s) => percentile(s.latency, 0.99))).median;
print(`\n${errors} of ${sent} requests failed. Target p50 ≤ 3 ms: ${p50 <= 3 ? "met" : "missed"} (${p50.toFixed(2)} ms); p99 ≤ 10 ms: ${p99 <= 10 ? "met" : "missed"} (${p99.toFixed(2)} ms).`);

agent.destroy();
await stopAll([proxy, executor]);
await redis.stop();
functions.remove();
process.exit(0);
