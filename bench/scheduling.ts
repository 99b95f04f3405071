// Scenario 6, scheduling: 1,000 functions on `@every 1s`, fired by two chronomaster replicas
// through one proxy, with one executor running the runs, each its own `skywalker start` process.
// Over a window of due seconds it reports lateness (the replicas' /metrics histogram of timer
// lateness, and queuedAt − scheduledAt of the run records: when the run was actually queued),
// missed ticks (a second with no run record for a function: its tick falls at an offset of its
// own within each second) and duplicated ticks (two run records for one function and second),
// from GET /functions/<name>/runs on the proxy.
// Run alone: node --no-node-snapshot bench/scheduling.ts [--functions 1000] [--duration 60] [--replicas 2] [--repeat 3]
//   [--executors 1] [--overlap skip|allow] (skip, the config's default, unless given)
import { randomUUID } from "node:crypto";
import { noopFunctions, writeFunctions } from "./lib/functions.ts";
import { getJson, httpRequest, keepAliveAgent } from "./lib/http.ts";
import { cpuMsOf, processTree } from "./lib/proc.ts";
import { addBuckets, bucketQuantile, bucketTotal, histogramBuckets, subtractBuckets } from "./lib/prometheus.ts";
import type { Buckets } from "./lib/prometheus.ts";
import { numberFlag, print, progress, stringFlag, table } from "./lib/report.ts";
import { sleep, startRedis, startRole, stopAll } from "./lib/skywalker.ts";
import type { SkywalkerProcess } from "./lib/skywalker.ts";
import { format, percentile, summarize } from "./lib/stats.ts";

const FUNCTIONS = numberFlag("functions", 1000);
const DURATION_S = numberFlag("duration", 60);
const REPLICAS = numberFlag("replicas", 2);
const EXECUTORS = numberFlag("executors", 1);
const REPEAT = numberFlag("repeat", 3);
const OVERLAP = stringFlag("overlap", "");
/** Seconds between the last replica being ready and the first due second counted. */
const SETTLE_S = 5;
const HISTORY = DURATION_S + SETTLE_S + 60;

interface RunRecord {
  id: string;
  status: string;
  scheduledAt: string | null;
  queuedAt: string;
}

interface Outcome {
  ticksDue: number;
  missed: number;
  duplicated: number;
  /** queuedAt − scheduledAt of every run record of the window, ms. */
  recordLateness: number[];
  /** Timer lateness of the window, from the replicas' histograms (seconds buckets). */
  timerBuckets: Buckets;
  postErrors: number;
  statuses: Map<string, number>;
  /** CPU used during the window, in % of one core, per part. */
  cpu: Map<string, number>;
}

async function scrape(replicas: SkywalkerProcess[]): Promise<{ lateness: Buckets; errors: number }> {
  let lateness: Buckets = new Map();
  let errors = 0;
  for (const replica of replicas) {
    const { body } = await httpRequest(`${replica.url}/metrics`);
    lateness = addBuckets(lateness, histogramBuckets(body, "skywalker_schedule_lateness_seconds"));
    for (const match of body.matchAll(/^skywalker_skipped_ticks_total\{[^}]*reason="error"[^}]*\} (\S+)$/gm)) errors += Number(match[1]);
  }
  return { lateness, errors };
}

function cpuOf(parts: Map<string, number[]>): Map<string, number> {
  return new Map([...parts].map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0)]));
}

const specs = noopFunctions(FUNCTIONS, {
  schedule: [{ environment: "production", cron: "@every 1s" }],
  ...(OVERLAP === "" ? {} : { overlap: OVERLAP }),
});
const functions = writeFunctions(specs);

async function once(run: number): Promise<Outcome> {
  const redis = await startRedis();
  const common = { redisUrl: redis.url, functionsDir: functions.dir, prefix: `bench-${randomUUID().slice(0, 6)}`, env: { SKYWALKER_HISTORY: String(HISTORY) } };
  const executors: SkywalkerProcess[] = [];
  for (let i = 0; i < EXECUTORS; i++) executors.push(await startRole("executor", { ...common, logName: `scheduling-executor-${i}` }));
  const proxy = await startRole("proxy", { ...common, logName: "scheduling-proxy" });
  const replicas: SkywalkerProcess[] = [];
  for (let i = 0; i < REPLICAS; i++) replicas.push(await startRole("chronomaster", { ...common, proxyUrl: proxy.url, logName: `scheduling-chronomaster-${i}` }));
  const windowStart = Math.ceil((Date.now() + SETTLE_S * 1000) / 1000) * 1000;
  const windowEnd = windowStart + DURATION_S * 1000;
  progress(`scheduling: run ${run}: ${REPLICAS} replicas firing ${FUNCTIONS} functions; counting the due seconds ${new Date(windowStart).toISOString()} to ${new Date(windowEnd).toISOString()}`);

  const parts = new Map<string, number[]>([
    ...replicas.map((replica, i) => [`chronomaster ${i + 1}`, [replica.pid]] as [string, number[]]),
    ["proxy", [proxy.pid]],
    ...executors.map((executor, i) => [`executor ${i + 1} (with its sandbox host)`, processTree(executor.pid)] as [string, number[]]),
    ["redis-server", [redis.pid!]],
  ]);
  await sleep(windowStart - 300 - Date.now());
  const before = await scrape(replicas);
  const cpuBefore = cpuOf(parts);
  const cpuStart = performance.now();
  await sleep(windowEnd + 300 - Date.now());
  const after = await scrape(replicas);
  const cpuAfter = cpuOf(parts);
  const cpuSeconds = (performance.now() - cpuStart) / 1000;
  // processTree again: the sandbox host may have started during the window
  for (const [i, executor] of executors.entries()) parts.set(`executor ${i + 1} (with its sandbox host)`, processTree(executor.pid));
  await stopAll(replicas);
  await sleep(2000);

  const outcome: Outcome = {
    ticksDue: 0,
    missed: 0,
    duplicated: 0,
    recordLateness: [],
    timerBuckets: subtractBuckets(after.lateness, before.lateness),
    postErrors: after.errors - before.errors,
    statuses: new Map(),
    cpu: new Map([...cpuAfter].map(([name, ms]) => [name, ms - (cpuBefore.get(name) ?? 0)]).map(([name, ms]) => [name as string, (ms as number) / 10 / cpuSeconds])),
  };
  const agent = keepAliveAgent(8);
  let cursor = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (cursor < specs.length) {
        const name = specs[cursor++]!.name;
        const { runs } = await getJson<{ runs: RunRecord[] }>(`${proxy.url}/functions/${name}/runs?limit=${HISTORY}`, agent);
        const perDue = new Map<number, number>();
        for (const record of runs) {
          const due = record.scheduledAt === null ? NaN : Date.parse(record.scheduledAt);
          if (!(due >= windowStart && due < windowEnd)) continue;
          // One tick per function in each second; where in the second is the function's own
          // offset (the chronomaster spreads functions over the period), so count by second.
          const second = Math.floor(due / 1000) * 1000;
          perDue.set(second, (perDue.get(second) ?? 0) + 1);
          outcome.recordLateness.push(Date.parse(record.queuedAt) - due);
          outcome.statuses.set(record.status, (outcome.statuses.get(record.status) ?? 0) + 1);
        }
        for (let due = windowStart; due < windowEnd; due += 1000) {
          outcome.ticksDue++;
          const count = perDue.get(due) ?? 0;
          if (count === 0) outcome.missed++;
          if (count > 1) outcome.duplicated += count - 1;
        }
      }
    }),
  );
  agent.destroy();
  await stopAll([proxy, ...executors]);
  await redis.stop();
  const p = (q: number) => percentile(outcome.recordLateness, q);
  progress(
    `  ${outcome.ticksDue} ticks due: ${outcome.missed} missed, ${outcome.duplicated} duplicated; queued − due p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms; ` +
      `timer lateness p50 ${(bucketQuantile(outcome.timerBuckets, 0.5) * 1000).toFixed(1)} ms, p99 ${(bucketQuantile(outcome.timerBuckets, 0.99) * 1000).toFixed(1)} ms over ${bucketTotal(outcome.timerBuckets)} fires; ` +
      `statuses ${JSON.stringify(Object.fromEntries(outcome.statuses))}; CPU ${JSON.stringify(Object.fromEntries([...outcome.cpu].map(([k, v]) => [k, Math.round(v)])))}`,
  );
  return outcome;
}

const outcomes: Outcome[] = [];
for (let run = 1; run <= REPEAT; run++) outcomes.push(await once(run));
functions.remove();

const over = (pick: (outcome: Outcome) => number, digits = 0) => format(summarize(outcomes.map(pick)), digits);
const timer = (q: number) => (outcome: Outcome) => bucketQuantile(outcome.timerBuckets, q) * 1000;
print(`### 6. Scheduling: ${FUNCTIONS} functions on \`@every 1s\`, ${REPLICAS} chronomaster replicas\n`);
print(
  `${REPLICAS} chronomasters, one proxy, ${EXECUTORS} executor${EXECUTORS === 1 ? "" : "s"} (default concurrency), separate processes; overlap ${OVERLAP === "" ? '"skip" (the default)' : `"${OVERLAP}"`}. ` +
    `${REPEAT} runs, each counting ${DURATION_S} due seconds after ${SETTLE_S} s of settling. Medians of the runs (min–max).\n`,
);
print(
  table(
    ["measure", "p50", "p99", "max"],
    [
      ["run queued − due (run records: queuedAt − scheduledAt), ms", over((o) => percentile(o.recordLateness, 0.5)), over((o) => percentile(o.recordLateness, 0.99)), over((o) => percentile(o.recordLateness, 1))],
      ["timer fired − due (chronomaster histogram, interpolated), ms", over(timer(0.5), 1), over(timer(0.99), 1), "n/a"],
    ],
  ),
);
print("");
print(
  table(
    ["ticks", "per run"],
    [
      ["due (functions × seconds)", over((o) => o.ticksDue)],
      ["missed (no run record)", over((o) => o.missed)],
      ["duplicated (more than one run record)", over((o) => o.duplicated)],
      ["posts that failed (chronomaster metric)", over((o) => o.postErrors)],
      ...[...new Set(outcomes.flatMap((o) => [...o.statuses.keys()]))].map((status) => [`run records with status ${status}`, over((o) => o.statuses.get(status) ?? 0)]),
    ],
  ),
);
print("");
print(table(["CPU during the window, % of one core", "median (min–max)"], [...outcomes[0]!.cpu.keys()].map((part) => [part, over((o) => o.cpu.get(part) ?? 0)])));
const p99 = summarize(outcomes.map((o) => percentile(o.recordLateness, 0.99))).median;
const missed = outcomes.reduce((sum, o) => sum + o.missed, 0);
const duplicated = outcomes.reduce((sum, o) => sum + o.duplicated, 0);
print(
  `\nTargets: p99 lateness ≤ 50 ms: ${p99 <= 50 ? "met" : "missed"} (${p99} ms, run records); 0 missed: ${missed === 0 ? "met" : `missed (${missed} over all runs)`}; ` +
    `0 duplicated: ${duplicated === 0 ? "met" : `missed (${duplicated} over all runs)`}.`,
);
process.exit(0);
