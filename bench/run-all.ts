// `npm run bench`: every scenario of bench/ in turn (1 to 7), each in its own process, its
// markdown tables printed to stdout as it finishes, after a description of the machine. The
// whole output also goes to bench/out/results-<time>.md, to assemble bench/RESULTS.md from.
// Run: node --no-node-snapshot bench/run-all.ts [--only 2,3] [--quick]
//   --quick: shorter runs (one repeat, short durations): a smoke test, not figures to quote.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { availableParallelism, loadavg } from "node:os";
import { machineDescription, stringFlag, hasFlag, progress } from "./lib/report.ts";
import { OUT_DIR } from "./lib/skywalker.ts";

interface Scenario {
  number: number;
  title: string;
  script: string;
  args: string[];
  quickArgs: string[];
  /** Its output is plain text, not markdown: shown as a code block. */
  plain?: boolean;
}

const scenarios: Scenario[] = [
  // throughput.ts reads a missing flag as NaN (and then runs nothing), so its defaults are spelled out.
  { number: 1, title: "Executor throughput", script: "throughput.ts", args: ["--jobs", "10000", "--repeat", "3"], quickArgs: ["--jobs", "500", "--repeat", "1"] },
  { number: 2, title: "Ingestion", script: "ingestion.ts", args: [], quickArgs: ["--duration", "3", "--warmup", "1", "--repeat", "1"] },
  { number: 3, title: "Latency", script: "latency.ts", args: [], quickArgs: ["--duration", "5", "--warmup", "1", "--repeat", "1"] },
  { number: 4, title: "Cold and warm runs", script: "sandbox-overhead.ts", args: [], quickArgs: [] },
  { number: 5, title: "Density", script: "density.ts", args: [], quickArgs: ["--functions", "100", "--repeat", "1"] },
  { number: 6, title: "Scheduling", script: "scheduling.ts", args: [], quickArgs: ["--functions", "100", "--duration", "10", "--repeat", "1"] },
  { number: 7, title: "Noisy neighbour", script: "noisy-neighbour.ts", args: [], quickArgs: ["--duration", "5", "--repeat", "1"] },
];

const only = stringFlag("only", "")
  .split(",")
  .filter((item) => item !== "")
  .map(Number);
const quick = hasFlag("quick");
const selected = scenarios.filter((scenario) => only.length === 0 || only.includes(scenario.number));
const benchDir = fileURLToPath(new URL(".", import.meta.url));
const output: string[] = [];
const emit = (text: string) => {
  process.stdout.write(`${text}\n`);
  output.push(text);
};

function runScript(scenario: Scenario): Promise<{ code: number | null; stdout: string; seconds: number }> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--no-node-snapshot", join(benchDir, scenario.script), ...(quick ? scenario.quickArgs : scenario.args)], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("exit", (code) => resolve({ code, stdout, seconds: (performance.now() - startedAt) / 1000 }));
  });
}

const busy = () => loadavg()[0]! > availableParallelism() / 2;

/** Share of CPU time the machine spent idle over `ms` (from /proc/stat; Linux). */
async function idleShare(ms: number): Promise<number | undefined> {
  const sample = () => {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: fields[3]! + (fields[4] ?? 0), total: fields.reduce((sum, value) => sum + value, 0) };
  };
  try {
    const before = sample();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const after = sample();
    return (after.idle - before.idle) / Math.max(1, after.total - before.total);
  } catch {
    return undefined;
  }
}

/**
 * Waits (up to a minute) for the CPUs to be 90% idle over a second: a scenario's processes can
 * take a while to wind down (gunicorn's workers, Redis writing its file), and the next scenario
 * would measure them. Returns how long it waited and the idle share it saw last.
 */
async function settle(): Promise<{ seconds: number; idle: number | undefined }> {
  const startedAt = performance.now();
  let idle = await idleShare(1000);
  while (idle !== undefined && idle < 0.9 && performance.now() - startedAt < 60_000) idle = await idleShare(1000);
  return { seconds: (performance.now() - startedAt) / 1000, idle };
}
emit(`# Skywalker benchmarks${quick ? " (--quick: smoke test, not figures to quote)" : ""}\n`);
emit(`Run ${new Date().toISOString()} on:\n\n${machineDescription()}\n`);
if (busy()) emit(`**The machine was busy when the run started (load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores): these figures are provisional.**\n`);
const failed: string[] = [];
for (const scenario of selected) {
  progress(`\n=== scenario ${scenario.number}: ${scenario.title} (bench/${scenario.script}) ===`);
  const settled = await settle();
  const loadBefore = loadavg()[0]!;
  const { code, stdout, seconds } = await runScript(scenario);
  emit(`## ${scenario.number}. ${scenario.title}\n`);
  const args = quick ? scenario.quickArgs : scenario.args;
  emit(`\`node --no-node-snapshot bench/${scenario.script}${args.length > 0 ? ` ${args.join(" ")}` : ""}\` (${seconds.toFixed(0)} s; started after ${settled.seconds.toFixed(0)} s of waiting for the CPUs to be idle${settled.idle === undefined ? "" : ` (${(settled.idle * 100).toFixed(0)}% idle)`}; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after)\n`);
  emit(scenario.plain === true ? `\`\`\`\n${stdout.trim()}\n\`\`\`\n` : `${stdout.trim()}\n`);
  if (code !== 0) {
    failed.push(`${scenario.number} (${scenario.script}, exit ${code})`);
    emit(`**This scenario failed (exit code ${code}); its output above is incomplete.**\n`);
  }
}
mkdirSync(OUT_DIR, { recursive: true });
const file = join(OUT_DIR, `results-${new Date().toISOString().replaceAll(":", "-")}.md`);
writeFileSync(file, `${output.join("\n")}\n`);
progress(`\nwritten to ${file}`);
if (failed.length > 0) {
  progress(`failed: ${failed.join(", ")}`);
  process.exit(1);
}
