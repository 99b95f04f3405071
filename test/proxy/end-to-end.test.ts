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
