// Runs the hostile fixtures through the real loader and a real sandbox pool (real host processes).
import { fileURLToPath } from "node:url";
import pino from "pino";
import { expect } from "vitest";
import type { JsonValue } from "../../sandbox/contract.ts";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import type { FunctionCatalog } from "../../src/functions/types.ts";
import type { RunRecord } from "../../src/run-record.ts";
import { runFunction } from "../../src/runtime/run-function.ts";
import { SandboxPool } from "../../src/sandbox-host/sandbox-pool.ts";
import type { SandboxPoolOptions } from "../../src/sandbox-host/sandbox-pool.ts";

export const HOSTILE_DIR = fileURLToPath(new URL("../fixtures/hostile", import.meta.url));

export interface SandboxHarness {
  catalog: FunctionCatalog;
  pool: SandboxPool;
  run(name: string, args?: JsonValue): Promise<RunRecord>;
  /** Asserts that the healthy fixture still runs and sees untouched built-ins. */
  expectHealthy(): Promise<void>;
  close(): Promise<void>;
}

export async function openSandboxHarness(options: Partial<SandboxPoolOptions> = {}): Promise<SandboxHarness> {
  const catalog = await loadFunctions(HOSTILE_DIR);
  const pool = new SandboxPool({ logger: pino({ level: "silent" }), ...options });
  const deps = { pool, logger: pino({ level: "silent" }), checkActive: () => Promise.reject(new Error("no active-passive fixtures")) };
  const run = async (name: string, args?: JsonValue): Promise<RunRecord> => {
    const fn = catalog.functions.get(name);
    if (fn === undefined) throw new Error(`fixture ${name} did not load: ${catalog.errors.find((error) => error.name === name)?.message}`);
    return runFunction(fn, args === undefined ? {} : { args }, deps);
  };
  return {
    catalog,
    pool,
    run,
    async expectHealthy() {
      const record = await run("healthy");
      expect(record.status).toBe("succeeded");
      expect(record.result).toEqual({ ok: true, polluted: null, stringify: '{"a":1}', push: "function" });
    },
    close: () => pool.close(),
  };
}
