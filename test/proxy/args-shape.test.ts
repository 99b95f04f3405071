// Args of the wrong shape for the function are a 400 naming the field, not a queued run that can
// only fail with ERR_USAGE; and the proxy's rule is the executor's.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { errorOf, openProxyHarness } from "./proxy-harness.ts";
import type { ProxyHarness } from "./proxy-harness.ts";

const functionsDir = fileURLToPath(new URL("../../functions", import.meta.url));
let h: ProxyHarness;

beforeAll(async () => {
  h = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir });
});
afterAll(async () => {
  await h.close();
});

describe("args that do not fit the function", () => {
  it("are a 400 naming the field and what the function takes", async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ function: "hello-skywalker", args: [1, 2] }, "`args`", "hello-skywalker takes a JSON object (got a list)"],
      [{ function: "active-passive-skywalker", args: [{ service: "x" }] }, "`args`", "takes a JSON object"],
      [{ function: "workflow-skywalker", args: { name: "x" } }, "`args`", "the workflow workflow-skywalker takes a list of 2 objects, one per handler (got an object)"],
      [{ function: "workflow-skywalker", args: [{ name: "x" }] }, "`args`", "(got a list of 1)"],
      [{ function: "workflow-skywalker", args: [{}, {}, {}] }, "`args`", "(got a list of 3)"],
      [{ "job-name": "hello-skywalker", "python-codes-args": ["x"] }, "`python-codes-args`", "takes a JSON object"],
    ];
    for (const [body, field, expected] of cases) {
      const response = await h.call("/execute", { json: body });
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe("ERR_BAD_REQUEST");
      expect(error.message).toContain(`${field}: `);
      expect(error.message).toContain(expected);
    }
    const viaGet = await h.call(`/execute?function=hello-skywalker&args=${encodeURIComponent("[1]")}`);
    expect(viaGet.status).toBe(400);
    expect((await errorOf(viaGet)).message).toContain("`args`: hello-skywalker takes a JSON object");
  });

  it("args that fit, or empty args (the config's), are queued", async () => {
    for (const body of [
      { function: "hello-skywalker", args: { name: "x" } },
      { function: "hello-skywalker", args: [] },
      { function: "workflow-skywalker", args: [{ name: "x" }, { digits: 2 }] },
      { function: "workflow-skywalker", args: {} },
    ]) {
      const response = await h.call("/execute", { json: body });
      expect(response.status, JSON.stringify(body)).toBe(202);
    }
  });

  it("in a batch, refuse that run alone", async () => {
    const response = await h.call("/execute/batch", { json: { runs: [{ function: "workflow-skywalker", args: { name: "x" } }, { function: "hello-skywalker", args: { name: "x" } }] } });
    expect(response.status).toBe(200);
    const { runs } = (await response.json()) as { runs: Array<{ status?: string; error?: { code: string; message: string } }> };
    expect(runs[0]?.error?.code).toBe("ERR_BAD_REQUEST");
    expect(runs[0]?.error?.message).toMatch(/^runs\[0\]: .*`args`: the workflow workflow-skywalker takes a list of 2 objects/);
    expect(runs[1]).toMatchObject({ status: "queued" });
  });
});
