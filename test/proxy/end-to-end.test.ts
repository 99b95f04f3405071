import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunRecord } from "../../src/run-record.ts";
import { openProxyHarness } from "./proxy-harness.ts";
import type { ProxyHarness } from "./proxy-harness.ts";

const functionsDir = fileURLToPath(new URL("../../functions", import.meta.url));
let h: ProxyHarness;

beforeAll(async () => {
  h = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir });
  await h.startExecutor();
});
afterAll(async () => {
  await h.close();
});

describe("proxy and executor", () => {
  it("runs hello-skywalker and answers its record with ?wait=1", async () => {
    const response = await h.call("/execute?wait=1", { json: { "job-name": "hello-skywalker", "python-codes-args": { name: "e2e" } } });
    expect(response.status).toBe(200);
    const record = (await response.json()) as RunRecord;
    expect(record).toMatchObject({ function: "hello-skywalker", status: "succeeded", result: { greeting: "hello, e2e" } });
    expect(Math.abs((record.result as { pi: number }).pi - Math.PI)).toBeLessThan(1e-5);
    const stored = await h.call(`/runs/${record.id}`);
    expect(((await stored.json()) as RunRecord).status).toBe("succeeded");
  });
});

describe("?wait=1 repeating the Idempotency-Key of a run queued without a wait", () => {
  let late: ProxyHarness;
  beforeAll(async () => {
    late = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir });
  });
  afterAll(async () => {
    await late.close();
  });

  it("answers the run's record once it ends, though nothing announces it", async () => {
    const headers = { "idempotency-key": `late-waiter-${Date.now()}` };
    const first = await late.call("/execute", { json: { function: "hello-skywalker" }, headers });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    const started = Date.now();
    const waited = late.call("/execute?wait=1&timeoutMs=20000", { json: { function: "hello-skywalker" }, headers });
    // No executor yet: the run is still queued when the wait begins.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await late.startExecutor();
    const response = await waited;
    expect(response.status).toBe(200);
    expect((await response.json()) as RunRecord).toMatchObject({ id, status: "succeeded" });
    // Found by polling, not by the last read when the 20 s are over.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
