// Sandbox overhead of one run, measured inside a host process (no IPC): warm (isolate and
// context reused), fresh (new context per run), cold (new isolate) with and without V8's code
// cache. Run: node --no-node-snapshot bench/sandbox-overhead.ts
import { buildSync } from "esbuild";
import { createHash } from "node:crypto";
import { CodeCache } from "../src/sandbox-host/code-cache.ts";
import { FunctionSandbox } from "../src/sandbox-host/function-sandbox.ts";
import type { HostFunctionSpec, HostRunRequest } from "../src/sandbox-host/protocol.ts";
import { runtimeSource } from "../src/sandbox-host/runtime-source.ts";
import { DEFAULT_LIMITS } from "../src/functions/limits.ts";

// A function of realistic size: a noop handler plus ~40 KB of helper code it carries along.
const helpers = Array.from({ length: 300 }, (_, i) => `export function helper${i}(x) { const list = [x, ${i}]; return list.map((v) => v * 2).filter((v) => v > ${i}).reduce((a, b) => a + b, 0); }`).join("\n");
const body = buildSync({ stdin: { contents: `${helpers}\nexport async function main(args) { return args; }`, loader: "js" }, write: false, format: "iife", globalName: "__x", platform: "neutral" }).outputFiles[0]!.text;
const code = `(() => { globalThis.__skywalker_bundle = () => { ${body}; return { handlers: [__x.main] }; }; })();`;
const runtime = runtimeSource();
const noState = () => Promise.reject(new Error("no state in this benchmark"));

function spec(isolation: "warm" | "fresh"): HostFunctionSpec {
  return { key: `noop-${isolation}`, name: "noop", kind: "default", codeHash: createHash("sha256").update(code).digest("hex"), limits: DEFAULT_LIMITS, isolation, handlers: ["noop.main"], allowNet: [] };
}
function request(i: number): HostRunRequest {
  return { runId: `r${i}`, fn: spec("warm"), attempt: 1, scheduledAt: null, environment: null, stepArgs: ['{"n":1}'], secrets: {} };
}
async function timeRun(sandbox: FunctionSandbox, i: number): Promise<number> {
  const start = performance.now();
  const outcome = await sandbox.run(request(i), () => undefined);
  if (outcome.status !== "succeeded") throw new Error(JSON.stringify(outcome.error));
  return performance.now() - start;
}
function summary(name: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  console.log(`${name.padEnd(34)} p50 ${(at(0.5) * 1000).toFixed(0).padStart(6)} µs   p99 ${(at(0.99) * 1000).toFixed(0).padStart(6)} µs   (n=${samples.length})`);
}

const cache = new CodeCache();
const warm = new FunctionSandbox(spec("warm"), code, runtime, cache, noState);
await timeRun(warm, -1);
const warmSamples: number[] = [];
for (let i = 0; i < 3000; i++) warmSamples.push(await timeRun(warm, i));
summary("warm run (isolate + context reused)", warmSamples);

const fresh = new FunctionSandbox(spec("fresh"), code, runtime, cache, noState);
await timeRun(fresh, -1);
const freshSamples: number[] = [];
for (let i = 0; i < 500; i++) freshSamples.push(await timeRun(fresh, i));
summary("fresh context per run", freshSamples);

const coldCached: number[] = [];
for (let i = 0; i < 200; i++) {
  const sandbox = new FunctionSandbox(spec("warm"), code, runtime, cache, noState);
  coldCached.push(await timeRun(sandbox, i));
  sandbox.dispose();
}
summary("cold: new isolate, with code cache", coldCached);

const coldUncached: number[] = [];
for (let i = 0; i < 200; i++) {
  const sandbox = new FunctionSandbox(spec("warm"), code, runtime, new CodeCache(), noState);
  coldUncached.push(await timeRun(sandbox, i));
  sandbox.dispose();
}
summary("cold: new isolate, no code cache", coldUncached);
