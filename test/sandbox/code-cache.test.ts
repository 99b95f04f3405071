// The code cache a host keeps per script: refreshed once a script has run, it holds the functions
// V8 compiles only when first called, so a new isolate does not compile them again. The runtime's
// cache is refreshed from a warm-up in an isolate where no function's code has run.
import { fileURLToPath } from "node:url";
import ivm from "isolated-vm";
import { afterEach, describe, expect, it } from "vitest";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import { CodeCache } from "../../src/sandbox-host/code-cache.ts";
import { FunctionSandbox } from "../../src/sandbox-host/function-sandbox.ts";
import type { HostFunctionSpec, HostRunRequest } from "../../src/sandbox-host/protocol.ts";
import { RUNTIME_SCRIPT, runtimeSource } from "../../src/sandbox-host/runtime-source.ts";
import { SpareIsolates } from "../../src/sandbox-host/spare-isolates.ts";
import type { SpareIsolate } from "../../src/sandbox-host/spare-isolates.ts";
import { DEFAULT_LIMITS } from "../../src/functions/limits.ts";

const isolates: ivm.Isolate[] = [];
function newIsolate(): ivm.Isolate {
  const isolate = new ivm.Isolate({ memoryLimit: 32 });
  isolates.push(isolate);
  return isolate;
}
afterEach(() => {
  for (const isolate of isolates.splice(0)) if (!isolate.isDisposed) isolate.dispose();
});

/** Functions that V8 compiles lazily: only the top level is in a cache made at compile time. */
const SCRIPT = `${Array.from({ length: 40 }, (_, i) => `function helper${i}(x) { const list = [x, ${i}]; return list.map((v) => v * 2).reduce((a, b) => a + b, ${i}); }`).join("\n")}
globalThis.total = (n) => { let sum = 0; for (let i = 0; i < 40; i++) sum += globalThis["helper" + i](n); return sum; };
${Array.from({ length: 40 }, (_, i) => `globalThis.helper${i} = helper${i};`).join("\n")}`;
const EXPECTED_TOTAL = Array.from({ length: 40 }, (_, i) => 2 * 3 + 2 * i + i).reduce((a, b) => a + b, 0);

async function runTotal(isolate: ivm.Isolate, script: ivm.Script): Promise<number> {
  const context = await isolate.createContext();
  await script.run(context);
  return (await context.eval("total(3)")) as number;
}

describe("CodeCache", () => {
  it("makes a cache on the first compile and reads it in the next isolate", async () => {
    const cache = new CodeCache();
    await cache.compile(newIsolate(), "s", SCRIPT, "s.js");
    const made = cache.cachedBytes("s");
    expect(made).toBeGreaterThan(0);
    const script = await cache.compile(newIsolate(), "s", SCRIPT, "s.js");
    expect((script as { cachedDataRejected?: boolean }).cachedDataRejected).toBe(false);
    expect(cache.cachedBytes("s")).toBe(made);
  });

  it("refreshed after a run, holds the functions the run compiled, and a new isolate accepts it", async () => {
    const cache = new CodeCache();
    const first = newIsolate();
    const script = await cache.compile(first, "s", SCRIPT, "s.js");
    const atCompile = cache.cachedBytes("s")!;
    expect(await runTotal(first, script)).toBe(EXPECTED_TOTAL);
    expect(cache.isRefreshed("s")).toBe(false);

    await cache.refresh(first, "s", SCRIPT, "s.js");
    expect(cache.isRefreshed("s")).toBe(true);
    // The forty helpers' bytecode is now in it.
    expect(cache.cachedBytes("s")).toBeGreaterThan(atCompile + 40 * 50);

    const next = newIsolate();
    const fromRefreshed = await cache.compile(next, "s", SCRIPT, "s.js");
    expect((fromRefreshed as { cachedDataRejected?: boolean }).cachedDataRejected).toBe(false);
    expect(await runTotal(next, fromRefreshed)).toBe(EXPECTED_TOTAL);
  });

  it("refreshes a key once, and again only after forgetting it", async () => {
    const cache = new CodeCache();
    const isolate = newIsolate();
    const script = await cache.compile(isolate, "s", SCRIPT, "s.js");
    await cache.refresh(isolate, "s", SCRIPT, "s.js");
    const refreshed = cache.cachedBytes("s");
    await runTotal(isolate, script);
    await cache.refresh(isolate, "s", SCRIPT, "s.js");
    expect(cache.cachedBytes("s")).toBe(refreshed);

    cache.forget("s");
    expect(cache.cachedBytes("s")).toBeUndefined();
    expect(cache.isRefreshed("s")).toBe(false);
  });

  it("leaves the cache as it was when the isolate is gone before the refresh", async () => {
    const cache = new CodeCache();
    const isolate = newIsolate();
    await cache.compile(isolate, "s", SCRIPT, "s.js");
    const made = cache.cachedBytes("s");
    isolate.dispose();
    await cache.refresh(isolate, "s", SCRIPT, "s.js");
    expect(cache.cachedBytes("s")).toBe(made);
    expect(cache.isRefreshed("s")).toBe(false);
  });
});

describe("a function's sandbox", () => {
  it("refreshes its bundle's cache after its first run that succeeds", async () => {
    const catalog = await loadFunctions(fileURLToPath(new URL("../fixtures/queue-functions", import.meta.url)));
    const echo = catalog.functions.get("echo")!;
    const spec: HostFunctionSpec = { key: echo.codeHash, name: echo.name, kind: echo.kind, codeHash: echo.codeHash, limits: echo.limits, isolation: echo.isolation, handlers: echo.steps.map((step) => step.handler), allowNet: echo.allowNet };
    const cache = new CodeCache();
    const sandbox = new FunctionSandbox(spec, echo.code, runtimeSource(), cache, () => Promise.reject(new Error("no state here")));
    try {
      const request: HostRunRequest = { runId: "r1", fn: spec, attempt: 1, scheduledAt: null, environment: null, stepArgs: ['{"n":1}'], secrets: {} };
      await sandbox.run(request, () => undefined);
      const atCompile = cache.cachedBytes(echo.codeHash)!;
      await expect.poll(() => cache.isRefreshed(echo.codeHash)).toBe(true);
      expect(cache.cachedBytes(echo.codeHash)).toBeGreaterThan(atCompile);
      // A run in a new isolate, from the refreshed cache, answers as before.
      sandbox.dispose();
      const outcome = await sandbox.run({ ...request, runId: "r2" }, () => undefined);
      expect(outcome.status).toBe("succeeded");
      expect(outcome.result).toMatchObject({ args: { n: 1 }, runId: "r2" });
    } finally {
      sandbox.dispose();
    }
  });
});

describe("the runtime's warm-up", () => {
  it("refreshes the runtime's cache when the host makes its first spare isolate", async () => {
    const runtime = runtimeSource();
    const atCompile = new CodeCache();
    await atCompile.compile(newIsolate(), RUNTIME_SCRIPT.key, runtime, RUNTIME_SCRIPT.filename);

    const cache = new CodeCache();
    const spares = new SpareIsolates(runtime, cache);
    try {
      await expect.poll(() => cache.isRefreshed(RUNTIME_SCRIPT.key), { timeout: 5000 }).toBe(true);
      // The step's path through the runtime (parse the input, call the handler, serialise the
      // result) is compiled in it now, not only the runtime's top level.
      expect(cache.cachedBytes(RUNTIME_SCRIPT.key)).toBeGreaterThan(atCompile.cachedBytes(RUNTIME_SCRIPT.key)! * 1.2);
      // And the spare itself is still made, with a context of its own.
      let spare: SpareIsolate | undefined;
      await expect.poll(() => (spare ??= spares.take(DEFAULT_LIMITS.memoryMb)) !== undefined, { timeout: 5000 }).toBe(true);
      isolates.push(spare!.isolate);
      const started = spare!.context.startStep;
      expect(started).toBeInstanceOf(ivm.Reference);
    } finally {
      spares.close();
    }
  });
});
