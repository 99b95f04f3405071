// Escape attempts and tampering: nothing of the host reaches user code, and what a function does
// to its own globals stays in its own isolate (and, in fresh mode, in its own run).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandboxHarness } from "../helpers/sandbox-harness.ts";
import type { SandboxHarness } from "../helpers/sandbox-harness.ts";

let h: SandboxHarness;
beforeAll(async () => {
  h = await openSandboxHarness();
});
afterAll(() => h.close());

describe("escape attempts", () => {
  it("finds no process, require, Buffer, bridge globals, WebAssembly or shared memory", async () => {
    const record = await h.run("escape-attempts");
    expect(record.status).toBe("succeeded");
    expect(record.result).toEqual({
      ctorProcess: "undefined",
      thisProcess: "undefined",
      require: "undefined",
      Buffer: "undefined",
      hostLog: "undefined",
      hostSetTimer: "undefined",
      startStep: "undefined",
      stepOutcome: "undefined",
      hostStepDone: "undefined",
      fireTimer: "undefined",
      settings: "undefined",
      hostCall: "undefined",
      settle: "undefined",
      WebAssembly: "undefined",
      SharedArrayBuffer: "undefined",
      Atomics: "undefined",
      fetch: "function", // made by the host, within the function's allow.net (none here)
      XMLHttpRequest: "undefined",
      ivm: "undefined",
      globals: [],
      consoleSource: true,
    });
  });

  it("refuses fetch to a function whose config allows no network", async () => {
    const record = await h.run("fetch-without-allow");
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ code: "ERR_HANDLER_THREW", name: "TypeError" });
    expect(record.error?.message).toContain('fetch is not allowed: this function\'s config has no "allow"');
  });

  it("refuses a static import of a Node built-in at load time, and the other fixtures still load", () => {
    const error = h.catalog.errors.find((entry) => entry.name === "static-import");
    expect(error?.code).toBe("ERR_MODULE_NOT_FOUND");
    expect(error?.message).toContain('module "node:fs" imported by static-import/static-import.js is not available');
    expect(h.catalog.functions.has("healthy")).toBe(true);
    expect(h.catalog.functions.size).toBeGreaterThan(30);
  });

  it("refuses a literal dynamic import at load time and a computed one at run time", async () => {
    expect(h.catalog.errors.find((entry) => entry.name === "dynamic-import")?.code).toBe("ERR_MODULE_NOT_FOUND");
    const record = await h.run("dynamic-import-computed");
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("ERR_HANDLER_THREW");
    await h.expectHealthy();
  });

  it("gives the handler a frozen ctx", async () => {
    const record = await h.run("ctx-mutation");
    expect(record.status).toBe("succeeded");
    const result = record.result as { attempts: Record<string, string>; runId: string };
    expect(result.attempts).toEqual({ runId: "TypeError", log: "TypeError" });
    expect(result.runId).toBe(record.id);
  });

  it("gives each run a fresh copy of the config's args", async () => {
    const first = await h.run("args-copy");
    const second = await h.run("args-copy");
    expect(first.result).toEqual({ before: 1 });
    expect(second.result).toEqual({ before: 1 });
  });
});

describe("tampering", () => {
  it("does not leak prototype tampering into another function", async () => {
    expect((await h.run("tamper-prototypes")).result).toBe("tampered");
    await h.expectHealthy();
  });

  it("keeps globals between runs of a warm function", async () => {
    const first = await h.run("warm-counter");
    const second = await h.run("warm-counter");
    expect(first.result).toEqual({ count: 1, seen: 1 });
    expect(second.result).toEqual({ count: 2, seen: 2 });
  });

  it("gives a fresh function a clean context on every run", async () => {
    const first = await h.run("fresh-tamper");
    const second = await h.run("fresh-tamper");
    expect(first.result).toEqual({ seen: null, counter: 1 });
    expect(second.result).toEqual({ seen: null, counter: 1 });
  });
});
