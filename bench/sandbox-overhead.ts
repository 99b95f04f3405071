// Scenario 4, cold and warm: the sandbox's own cost for one run, measured inside a host process
// (no IPC, no queue). Warm (isolate and context reused), fresh (new context per run), cold (new
// isolate) with and without V8's code cache. The function is bundled by the real loader: a
// handler that uses a ~40 KB helper module, as a monitoring check with a client library would.
// Run alone: node --no-node-snapshot bench/sandbox-overhead.ts
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFunctions } from "../src/functions/load-functions.ts";
import type { LoadedFunction } from "../src/functions/types.ts";
import { CodeCache } from "../src/sandbox-host/code-cache.ts";
import { FunctionSandbox } from "../src/sandbox-host/function-sandbox.ts";
import type { HostFunctionSpec, HostRunRequest } from "../src/sandbox-host/protocol.ts";
import { runtimeSource } from "../src/sandbox-host/runtime-source.ts";
import { SpareIsolates } from "../src/sandbox-host/spare-isolates.ts";
import { percentile } from "./lib/stats.ts";

const HELPERS = 300;
const dir = await mkdtemp(join(tmpdir(), "skywalker-bench-overhead-"));
const helpers = Array.from({ length: HELPERS }, (_, i) => `export function helper${i}(x) { const list = [x, ${i}]; return list.map((v) => v * 2).filter((v) => v > ${i}).reduce((a, b) => a + b, 0); }`).join("\n");
await mkdir(join(dir, "lib"));
await writeFile(join(dir, "lib", "helpers.js"), helpers);
for (const isolation of ["warm", "fresh"] as const) {
  const name = `check-${isolation}`;
  await mkdir(join(dir, name));
  await writeFile(join(dir, name, "config.json"), JSON.stringify({ name, executor: "default", handler: `${name}.main`, isolation }));
  await writeFile(join(dir, name, `${name}.js`), `import * as helpers from "helpers";\nexport async function main(args) { return { n: args.n, sum: helpers.helper1(args.n) + helpers[\`helper\${args.n}\`](args.n) }; }\n`);
}
const catalog = await loadFunctions(dir);
await rm(dir, { recursive: true, force: true });
const runtime = runtimeSource();
const noState = () => Promise.reject(new Error("no state in this benchmark"));

function loaded(name: string): LoadedFunction {
  const fn = catalog.functions.get(name);
  if (fn === undefined) throw new Error(`${name} did not load: ${catalog.errors.map((error) => error.message).join("; ")}`);
  return fn;
}

function spec(fn: LoadedFunction): HostFunctionSpec {
  return { key: fn.codeHash, name: fn.name, kind: fn.kind, codeHash: fn.codeHash, limits: fn.limits, isolation: fn.isolation, handlers: fn.steps.map((step) => step.handler), allowNet: fn.allowNet };
}

function sandboxOf(fn: LoadedFunction, cache: CodeCache, spares?: SpareIsolates): FunctionSandbox {
  return new FunctionSandbox(spec(fn), fn.code, runtime, cache, noState, spares);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timeRun(sandbox: FunctionSandbox, i: number): Promise<number> {
  const request: HostRunRequest = { runId: `r${i}`, fn: sandbox.spec, attempt: 1, scheduledAt: null, environment: null, stepArgs: ['{"n":7}'], secrets: {} };
  const start = performance.now();
  const outcome = await sandbox.run(request, () => undefined);
  const elapsed = performance.now() - start;
  if (outcome.status !== "succeeded") throw new Error(JSON.stringify(outcome.error));
  return elapsed;
}

const rows: [string, number[]][] = [];

const warmFn = loaded("check-warm");
const cache = new CodeCache();
const warm = sandboxOf(warmFn, cache);
for (let i = 0; i < 100; i++) await timeRun(warm, i);
const warmSamples: number[] = [];
for (let i = 0; i < 5000; i++) warmSamples.push(await timeRun(warm, i));
rows.push(["warm run (isolate and context reused)", warmSamples]);

const fresh = sandboxOf(loaded("check-fresh"), cache);
for (let i = 0; i < 20; i++) await timeRun(fresh, i);
const freshSamples: number[] = [];
for (let i = 0; i < 500; i++) freshSamples.push(await timeRun(fresh, i));
rows.push(["fresh context per run", freshSamples]);

// As in a host: a spare isolate is made ahead of need, and a new one a moment after it is taken
// (cold runs are sporadic: after a breach, a reload or a host restart).
const spares = new SpareIsolates(runtime, cache);
const coldSpare: number[] = [];
for (let i = 0; i < 300; i++) {
  await pause(30);
  const sandbox = sandboxOf(warmFn, cache, spares);
  coldSpare.push(await timeRun(sandbox, i));
  sandbox.dispose();
}
spares.close();
rows.push(["cold: spare isolate, V8 code cache", coldSpare]);

const coldCached: number[] = [];
for (let i = 0; i < 300; i++) {
  const sandbox = sandboxOf(warmFn, cache);
  coldCached.push(await timeRun(sandbox, i));
  sandbox.dispose();
}
rows.push(["cold: isolate made on demand, V8 code cache", coldCached]);

const coldUncached: number[] = [];
for (let i = 0; i < 300; i++) {
  const sandbox = sandboxOf(warmFn, new CodeCache());
  coldUncached.push(await timeRun(sandbox, i));
  sandbox.dispose();
}
rows.push(["cold: isolate made on demand, no code cache", coldUncached]);

const ms = (value: number) => (value < 1 ? `${Math.round(value * 1000)} µs` : `${value.toFixed(2)} ms`);
const lines = [`Function: a handler using a ${Math.round(helpers.length / 1024)} KB helper module (bundle ${Math.round(warmFn.code.length / 1024)} KB).`, "", "| path | p50 | p99 |", "| --- | --- | --- |"];
for (const [name, samples] of rows) lines.push(`| ${name} | ${ms(percentile(samples, 0.5))} | ${ms(percentile(samples, 0.99))} |`);
process.stdout.write(`${lines.join("\n")}\n`);
