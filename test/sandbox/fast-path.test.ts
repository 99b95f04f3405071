// The synchronous slice: a function whose runs have been light starts each run on the host's
// thread, for at most one slice. Whatever it does there, it never holds the thread longer, and
// nothing it did in a slice that was thrown away reaches the outside: its run starts again off
// the thread, once, and ends as it would have there.
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JsonValue } from "../../sandbox/contract.ts";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import type { FunctionCatalog } from "../../src/functions/types.ts";
import type { RunRecord } from "../../src/run-record.ts";
import { runFunction } from "../../src/runtime/run-function.ts";
import { SandboxPool } from "../../src/sandbox-host/sandbox-pool.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/fast-path", import.meta.url));
/** Light runs that earn a function the fast path (see src/sandbox-host/fast-path.ts). */
const LIGHT_RUNS = 3;

let catalog: FunctionCatalog;
let pool: SandboxPool;
let server: Server;
let url: string;
let requests = 0;

beforeAll(async () => {
  catalog = await loadFunctions(FIXTURES);
  server = createServer((_req, res) => {
    requests++;
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await pool.close();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  // A new pool per test: a new host process, where every function starts off the fast path.
  await pool?.close();
  pool = new SandboxPool({ logger: pino({ level: "silent" }) });
  requests = 0;
});

function run(name: string, args: JsonValue): Promise<RunRecord> {
  const fn = catalog.functions.get(name);
  if (fn === undefined) throw new Error(`fixture ${name} did not load`);
  return runFunction(fn, { args }, { pool, logger: pino({ level: "silent" }), checkActive: () => Promise.reject(new Error("none")) });
}

/** Runs the turncoat lightly until it is on the fast path; answers how many runs its isolate has seen. */
async function earnFastPath(name = "turncoat"): Promise<number> {
  let record: RunRecord | undefined;
  // A few runs to spare: the first evaluates the modules and may not be light.
  for (let i = 0; i < LIGHT_RUNS + 3; i++) record = await run(name, { mode: "light" });
  expect(record?.status).toBe("succeeded");
  return LIGHT_RUNS + 3;
}

describe("the synchronous slice", () => {
  it("moves a run that turns heavy off the thread, where it succeeds; its logs and requests happen once", async () => {
    await earnFastPath();
    const record = await run("turncoat", { mode: "compute", ms: 40, url });
    expect(record.status).toBe("succeeded");
    // The slice was thrown away with its isolate: the run started again in a new one.
    expect(record.result).toEqual({ runs: 1 });
    expect(record.logs.map((line) => line.msg)).toEqual(["before", "after"]);
    await expect.poll(() => requests).toBe(1);
    // From then on the function stays off the thread, in the isolate it has now.
    const next = await run("turncoat", { mode: "compute", ms: 40 });
    expect(next.result).toEqual({ runs: 2 });
  });

  it("lets a run that awaits go on off the thread, with the lines it wrote in the slice", async () => {
    const seen = await earnFastPath();
    const record = await run("turncoat", { mode: "wait" });
    expect(record).toMatchObject({ status: "succeeded", result: { runs: seen + 1, waited: true } });
    expect(record.logs.map((line) => line.msg)).toEqual(["waiting"]);
  });

  it.each([
    ["spin", "ERR_CPU_LIMIT"],
    ["microtasks", "ERR_CPU_LIMIT"],
    ["memory", "ERR_MEMORY_LIMIT"],
    ["reject", "ERR_UNHANDLED_REJECTION"],
    ["flood", "ERR_LOG_LIMIT"],
  ])("fails a run that turns to %s with %s, and the function runs again after", async (mode, code) => {
    await earnFastPath();
    const record = await run("turncoat", { mode });
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe(code);
    const after = await run("turncoat", { mode: "light" });
    expect(after.status).toBe("succeeded");
  });

  it("keeps the lines that fit when a run floods its log in the slice", async () => {
    await earnFastPath();
    const record = await run("turncoat", { mode: "flood" });
    expect(record.logsTruncated).toBe(true);
    expect(record.logs.length).toBeGreaterThan(10);
    expect(record.logs[0]?.msg).toBe("flood line 0");
  });

  it("fails a spin at the CPU budget when the budget is smaller than the slice", async () => {
    await earnFastPath("tight");
    const record = await run("tight", { spin: true });
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("ERR_CPU_LIMIT");
    expect(record.error?.message).toContain("5 ms");
  });
});
