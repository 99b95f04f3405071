import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { redisKeys } from "../../src/queue/keys.ts";
import type { RunRecord } from "../../src/run-record.ts";
import { errorOf, openProxyHarness } from "./proxy-harness.ts";
import type { ProxyHarness } from "./proxy-harness.ts";

const functionsDir = fileURLToPath(new URL("../../functions", import.meta.url));
let h: ProxyHarness;

beforeAll(async () => {
  h = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir, settings: { environment: "staging" } });
});
afterAll(async () => {
  await h.close();
});

interface Accepted {
  id: string;
  task_id: string;
  status: string;
  duplicate?: boolean;
}

async function accepted(response: Response, status = 202): Promise<Accepted> {
  expect(response.status).toBe(status);
  return (await response.json()) as Accepted;
}

const original = {
  "job-name": "hello-skywalker",
  "python-codes-config": "hello-skywalker-config.json",
  "python-codes-args": { name: "from the chronomaster" },
  environment: "production",
  cron: "@every 10s",
  "cron-enabled": true,
  extra: "ignored",
};

describe("POST /execute", () => {
  it("accepts the original chronomaster's payload as a schedule tick", async () => {
    const body = await accepted(await h.call("/execute", { json: original }));
    expect(body).toEqual({ id: body.id, task_id: body.id, status: "queued" });
    const job = await h.queue.getJob(body.id);
    expect(job?.data).toMatchObject({ runId: body.id, function: "hello-skywalker", args: { name: "from the chronomaster" }, environment: "production", trigger: "schedule" });
    const run = await h.call(`/runs/${body.id}`);
    expect(run.status).toBe(200);
    expect((await run.json()) as RunRecord).toMatchObject({ id: body.id, function: "hello-skywalker", status: "queued", executor: "default" });
  });

  it("derives the function from python-codes-config when job-name is missing", async () => {
    const { "job-name": _omitted, cron: _cron, ...rest } = original;
    const body = await accepted(await h.call("/execute", { json: rest }));
    expect((await h.queue.getJob(body.id))?.data).toMatchObject({ function: "hello-skywalker", trigger: "api" });
  });

  it("accepts the plain payload; environment defaults to the process's", async () => {
    const scheduledAt = "2024-05-01T12:00:00+02:00";
    const body = await accepted(await h.call("/execute", { json: { function: "hello-skywalker", args: { name: "plain" }, scheduledAt } }));
    const job = await h.queue.getJob(body.id);
    expect(job?.data).toMatchObject({ args: { name: "plain" }, environment: "staging", trigger: "api", scheduledAt: "2024-05-01T10:00:00.000Z" });
    expect((await h.store.get(body.id))?.scheduledAt).toBe("2024-05-01T10:00:00.000Z");
  });

  it("takes JSON sent as a form, as `curl -d '{\"function\":…}'` sends it", async () => {
    const response = await h.call("/execute", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: '{"function":"hello-skywalker"}' });
    const body = await accepted(response);
    expect((await h.queue.getJob(body.id))?.data).toMatchObject({ function: "hello-skywalker", trigger: "api" });
  });

  it("logs each accepted run with its function, id and trigger", async () => {
    const body = await accepted(await h.call("/execute", { json: { function: "hello-skywalker", trigger: "api" } }));
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 30, component: "proxy", function: "hello-skywalker", runId: body.id, trigger: "api" }));
  });

  it("GET /execute takes the same fields as query, args as JSON text", async () => {
    const args = encodeURIComponent(JSON.stringify({ name: "via GET" }));
    const plain = await accepted(await h.call(`/execute?function=hello-skywalker&args=${args}`));
    expect((await h.queue.getJob(plain.id))?.data.args).toEqual({ name: "via GET" });
    const old = await accepted(await h.call(`/execute?job-name=hello-skywalker&python-codes-args=${args}&cron-enabled=true`));
    expect((await h.queue.getJob(old.id))?.data).toMatchObject({ args: { name: "via GET" }, trigger: "api" });
    const bad = await h.call("/execute?function=hello-skywalker&args=%7Bnope");
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ code: "ERR_BAD_JSON", message: expect.stringContaining("`args`") });
  });

  it("an Idempotency-Key makes a repeated trigger return the same run", async () => {
    const before = (await h.store.history("workflow-skywalker")).length;
    const headers = { "idempotency-key": `key-${Date.now()}` };
    const first = await accepted(await h.call("/execute", { json: { function: "workflow-skywalker" }, headers }));
    const second = await accepted(await h.call("/execute", { json: { function: "workflow-skywalker" }, headers }), 200);
    expect(second).toEqual({ id: first.id, task_id: first.id, status: "queued", duplicate: true });
    expect((await h.store.history("workflow-skywalker")).length).toBe(before + 1);
    const jobs = await h.queue.getJobs(["waiting"]);
    expect(jobs.filter((job) => job.data.runId === first.id)).toHaveLength(1);
  });

  it("an Idempotency-Key is the function's: the same key for another function queues that function's run", async () => {
    const key = `shared-${Date.now()}`;
    const headers = { "idempotency-key": key };
    const hello = await accepted(await h.call("/execute", { json: { function: "hello-skywalker" }, headers }));
    const workflow = await accepted(await h.call("/execute", { json: { function: "workflow-skywalker" }, headers }));
    expect(workflow.id).not.toBe(hello.id);
    expect(workflow.duplicate).toBeUndefined();
    expect((await h.queue.getJob(workflow.id))?.data.function).toBe("workflow-skywalker");
    const again = await accepted(await h.call("/execute", { json: { function: "workflow-skywalker" }, headers }), 200);
    expect(again).toEqual({ id: workflow.id, task_id: workflow.id, status: "queued", duplicate: true });
    const batch = await h.call("/execute/batch", { json: { runs: [{ function: "hello-skywalker", idempotencyKey: key }, { function: "http-check", idempotencyKey: key }] } });
    const [helloAgain, other] = ((await batch.json()) as { runs: Accepted[] }).runs;
    expect(helloAgain).toMatchObject({ id: hello.id, duplicate: true });
    expect(other?.duplicate).toBeUndefined();
    expect((await h.queue.getJob(other!.id))?.data.function).toBe("http-check");
    // Each function's claim of the key is its own (a standby chronomaster reads a tick's to learn
    // whether the leader delivered it).
    expect(await h.redis.get(redisKeys(h.settings.prefix).idempotency("http-check", key))).toBe(other!.id);
    expect(await h.redis.get(redisKeys(h.settings.prefix).idempotency("hello-skywalker", key))).toBe(hello.id);
  });

  it("a schedule tick while the previous run is queued is skipped (200)", async () => {
    const tick = { function: "active-passive-skywalker", trigger: "schedule" };
    const headers = { "idempotency-key": `tick-${Date.now()}` };
    await accepted(await h.call("/execute", { json: tick }));
    const skipped = await accepted(await h.call("/execute", { json: tick, headers }), 200);
    expect(skipped).toEqual({ id: skipped.id, task_id: skipped.id, status: "skipped" });
    // Final before the wait subscribed: the read after subscribing answers it.
    const waited = await h.call("/execute?wait=1", { json: tick, headers });
    expect(waited.status).toBe(200);
    expect((await waited.json()) as RunRecord).toMatchObject({ id: skipped.id, status: "skipped", skipReason: expect.stringContaining("still queued") });
  });

  it("?wait=1 with no executor answers 202 with the id once timeoutMs is over", async () => {
    const started = Date.now();
    const body = await accepted(await h.call("/execute?wait=1&timeoutMs=300", { json: { function: "hello-skywalker" } }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(body).toEqual({ id: body.id, task_id: body.id, status: "queued" });
    const prefer = await accepted(await h.call("/execute?timeoutMs=100", { json: { function: "hello-skywalker" }, headers: { prefer: "wait=1" } }));
    expect(prefer.status).toBe("queued");
  });

  it("an unknown function is a 404 naming it", async () => {
    const response = await h.call("/execute", { json: { function: "no-such-function" } });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "ERR_FUNCTION_NOT_FOUND", message: expect.stringContaining('"no-such-function"') });
  });
});

describe("run routes", () => {
  it("GET /runs/:id of an unknown id is a 404 naming it", async () => {
    const response = await h.call("/runs/not-a-run");
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "ERR_RUN_NOT_FOUND", message: expect.stringContaining('"not-a-run"') });
  });

  it("GET /functions/:name/runs lists the history newest first, up to limit", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await accepted(await h.call("/execute", { json: { function: "hello-skywalker" } }))).id);
    const response = await h.call("/functions/hello-skywalker/runs?limit=2");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { function: string; runs: RunRecord[] };
    expect(body.runs.map((run) => run.id)).toEqual([ids[2], ids[1]]);
    expect((await h.call("/functions/hello-skywalker/runs?limit=zero")).status).toBe(400);
    expect((await h.call("/functions/nothing-here/runs")).status).toBe(404);
  });
});
