// A sandbox host keeps each function version's spec and each code's text only until the function
// is forgotten (a reload or a removal), and its supervisor sends again what the host dropped: a
// host that lives through many reloads holds only the versions still in use.
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import type { LoadedFunction } from "../../src/functions/types.ts";
import { HostCatalog } from "../../src/sandbox-host/host-catalog.ts";
import type { HostFunctionSpec, WireRunRequest } from "../../src/sandbox-host/protocol.ts";
import { SandboxPool } from "../../src/sandbox-host/sandbox-pool.ts";

function spec(name: string, key: string, codeHash: string): HostFunctionSpec {
  return { key, name, kind: "default", codeHash, limits: {} as HostFunctionSpec["limits"], isolation: "warm", handlers: ["main"], allowNet: [] };
}

function wire(fn: HostFunctionSpec, code?: string): WireRunRequest {
  return { runId: "r", specKey: fn.key, fn: code === undefined ? fn : { ...fn, code }, attempt: 1, scheduledAt: null, environment: null, stepArgs: ["{}"], secrets: {} };
}

describe("HostCatalog", () => {
  it("learns a spec and its code from the first run, and resolves later runs by key alone", () => {
    const catalog = new HostCatalog();
    const a = spec("a", "a1", "h1");
    expect(catalog.resolve(wire(a, "code 1")).fn).toEqual(a);
    const { fn: _fn, ...bare } = wire(a);
    expect(catalog.resolve(bare).fn.name).toBe("a");
    expect(catalog.code("h1")).toBe("code 1");
    expect(() => catalog.resolve({ ...bare, specKey: "unknown" })).toThrow(/no spec unknown/);
  });

  it("forgets every version of a function, and the code no other function uses", () => {
    const catalog = new HostCatalog();
    catalog.resolve(wire(spec("a", "a1", "h1"), "code 1"));
    catalog.resolve(wire(spec("a", "a2", "h2"), "code 2"));
    catalog.resolve(wire(spec("twin", "t1", "h2")));
    catalog.resolve(wire(spec("b", "b1", "h3"), "code 3"));

    expect(catalog.forget("a").sort()).toEqual(["h1"]);
    expect(catalog.code("h1")).toBeUndefined();
    expect(catalog.code("h2")).toBe("code 2"); // the twin still runs it
    expect(catalog.size).toEqual({ specs: 2, codes: 2 });

    expect(catalog.forget("twin")).toEqual(["h2"]);
    expect(catalog.forget("nobody")).toEqual([]);
    expect(catalog.size).toEqual({ specs: 1, codes: 1 });
  });
});

describe("a host process across reloads", () => {
  let pool: SandboxPool;
  let echo: LoadedFunction;
  let twin: LoadedFunction;
  let slow: LoadedFunction;

  beforeAll(async () => {
    const catalog = await loadFunctions(fileURLToPath(new URL("../fixtures/queue-functions", import.meta.url)));
    echo = catalog.functions.get("echo")!;
    twin = { ...echo, name: "echo-twin" }; // the same code under another name
    slow = catalog.functions.get("slow")!;
    pool = new SandboxPool({ logger: pino({ level: "silent" }) });
  });
  afterAll(() => pool.close());

  async function runs(fn: LoadedFunction, n: number): Promise<void> {
    const outcome = await pool.run(fn, { runId: `${fn.name}-${n}`, attempt: 1, scheduledAt: null, environment: null, stepArgs: [`{"n":${n}}`], secrets: {} }, () => undefined);
    expect(outcome.error).toBeNull();
    expect(outcome.result).toMatchObject({ args: { n } });
  }

  it("gets again from its supervisor whatever it dropped when a function was forgotten", async () => {
    await runs(echo, 1);
    await runs(twin, 2); // its spec crosses without the code, which the host has
    pool.forget(echo.name);
    await runs(twin, 3); // the host kept the code: the twin still uses it
    await runs(echo, 4); // spec and code cross again
    pool.forget(echo.name);
    pool.forget(twin.name); // now no spec uses the code, and the host drops it
    await runs(twin, 5);
    await runs(echo, 6);
  });

  it("lets a run in flight finish when its function is forgotten", async () => {
    const running = pool.run(slow, { runId: "slow-1", attempt: 1, scheduledAt: null, environment: null, stepArgs: ['{"ms":600}'], secrets: {} }, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 150));
    pool.forget(slow.name);
    const outcome = await running;
    expect(outcome.error).toBeNull();
    expect(outcome.result).toEqual({ sleptMs: 600 });
  });
});
