// `POST /execute/batch`: the chronomaster's way to send the ticks that fall due together. Each run
// gets its own answer, in order, and one bad run never costs the others.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { redisKeys } from "../../src/queue/keys.ts";
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

type Answer = { id?: string; status?: string; duplicate?: boolean; error?: { code: string; message: string } };

async function batch(runs: unknown): Promise<Answer[]> {
  const response = await h.call("/execute/batch", { json: { runs } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { runs: Answer[] }).runs;
}

describe("POST /execute/batch", () => {
  it("queues each run and answers each, in order; a repeated Idempotency-Key answers the same run", async () => {
    const tick = { function: "hello-skywalker", trigger: "schedule", scheduledAt: "2024-05-01T10:00:00Z", idempotencyKey: "hello-skywalker@2024-05-01T10:00:00.000Z" };
    const [first, other] = await batch([tick, { function: "workflow-skywalker" }]);
    expect(first).toMatchObject({ status: "queued" });
    expect(other).toMatchObject({ status: "queued" });
    expect((await h.queue.getJob(first!.id!))?.data).toMatchObject({ function: "hello-skywalker", trigger: "schedule", scheduledAt: "2024-05-01T10:00:00.000Z" });
    const [again] = await batch([tick]);
    expect(again).toEqual({ id: first!.id, task_id: first!.id, status: "queued", duplicate: true });
  });

  it("keeps a tick's Idempotency-Key as long as its `idempotencyKeyTtlS` says; a key without it for 24 hours", async () => {
    const keys = redisKeys(h.settings.prefix);
    const tick = { function: "hello-skywalker", trigger: "schedule", scheduledAt: "2024-05-01T11:00:00Z", idempotencyKey: "hello-skywalker@2024-05-01T11:00:00.000Z" };
    const [short, plain] = await batch([{ ...tick, idempotencyKeyTtlS: 300 }, { function: "hello-skywalker", idempotencyKey: "api-caller-key" }]);
    // (queued, or skipped under hello-skywalker's overlap rule: either way the key is claimed)
    expect(short).toMatchObject({ id: expect.any(String) });
    expect(plain).toMatchObject({ status: "queued" });
    const shortTtl = await h.redis.ttl(keys.idempotency("hello-skywalker", tick.idempotencyKey));
    expect(shortTtl).toBeGreaterThan(290);
    expect(shortTtl).toBeLessThanOrEqual(300);
    expect(await h.redis.ttl(keys.idempotency("hello-skywalker", "api-caller-key"))).toBeGreaterThan(24 * 3600 - 10);
    // the repeat still answers the same run
    const [again] = await batch([{ ...tick, idempotencyKeyTtlS: 300 }]);
    expect(again).toMatchObject({ id: short!.id, duplicate: true });
  });

  it("refuses an `idempotencyKeyTtlS` that is not 1 to 86400 whole seconds, or comes without a key", async () => {
    const run = { function: "hello-skywalker", idempotencyKey: "ttl-check" };
    const answers = await batch([
      { ...run, idempotencyKeyTtlS: 0 },
      { ...run, idempotencyKeyTtlS: 1.5 },
      { ...run, idempotencyKeyTtlS: "300" },
      { ...run, idempotencyKeyTtlS: 86401 },
      { function: "hello-skywalker", idempotencyKeyTtlS: 300 },
    ]);
    for (const [index, answer] of answers.entries()) {
      expect(answer.error).toMatchObject({ code: "ERR_BAD_REQUEST" });
      expect(answer.error?.message).toContain(`runs.${index}.idempotencyKeyTtlS`);
    }
    expect(answers[0]?.error?.message).toContain("from 1 to 86400 (got 0)");
    expect(answers[2]?.error?.message).toContain("(got a string)");
    expect(answers[4]?.error?.message).toContain("only with an `idempotencyKey`");
  });

  it("answers a bad run with its own error, naming it, and queues the rest", async () => {
    const answers = await batch([{ function: "no-such-function" }, { function: "hello-skywalker", args: "text" }, { function: "hello-skywalker", idempotencyKey: "" }, { function: "hello-skywalker" }]);
    expect(answers[0]?.error).toMatchObject({ code: "ERR_FUNCTION_NOT_FOUND" });
    expect(answers[0]?.error?.message).toContain("runs[0]");
    expect(answers[0]?.error?.message).toContain('"no-such-function"');
    expect(answers[1]?.error).toMatchObject({ code: "ERR_BAD_REQUEST" });
    expect(answers[1]?.error?.message).toContain("`args`");
    expect(answers[2]?.error?.message).toContain("runs.2.idempotencyKey");
    expect(answers[3]).toMatchObject({ status: "queued" });
  });

  it("answers an item that is not an object with its own error, and queues the rest", async () => {
    const response = await h.call("/execute/batch", { json: { runs: [{ function: "hello-skywalker", args: { name: "x" } }, null, 1, "x", [], { function: "hello-skywalker" }] } });
    expect(response.status).toBe(200);
    const { runs } = (await response.json()) as { runs: Answer[] };
    expect(runs).toHaveLength(6);
    expect(runs[0]).toMatchObject({ status: "queued", id: expect.any(String) });
    expect(runs.slice(1, 5).map((run) => run.error)).toEqual([
      { code: "ERR_BAD_REQUEST", message: "runs[1]: expected an object (got null)" },
      { code: "ERR_BAD_REQUEST", message: "runs[2]: expected an object (got a number)" },
      { code: "ERR_BAD_REQUEST", message: "runs[3]: expected an object (got a string)" },
      { code: "ERR_BAD_REQUEST", message: "runs[4]: expected an object (got a list)" },
    ]);
    expect(runs[5]).toMatchObject({ status: "queued" });
  });

  it("answers an item with an unknown field or mixed formats with its own error", async () => {
    const answers = await batch([{ function: "hello-skywalker", arg: {} }, { function: "hello-skywalker", "job-name": "hello-skywalker" }, { function: "hello-skywalker" }]);
    expect(answers[0]?.error?.message).toContain("runs[0]: invalid /execute request: `arg`: unknown field");
    expect(answers[1]?.error?.message).toContain("`function` and `job-name`");
    expect(answers[2]).toMatchObject({ status: "queued" });
  });

  it("refuses a form or text body with a 415, as /execute does; takes JSON sent as a form", async () => {
    const runs = '{"runs":[{"function":"hello-skywalker"}]}';
    for (const [contentType, body] of [["text/plain", runs], ["application/x-www-form-urlencoded", "runs=hello-skywalker"]] as const) {
      const response = await h.call("/execute/batch", { method: "POST", body, headers: { "content-type": contentType } });
      expect(response.status).toBe(415);
      expect(await errorOf(response)).toMatchObject({ code: "ERR_UNSUPPORTED_MEDIA_TYPE", message: expect.stringContaining("application/json") });
    }
    const asForm = await h.call("/execute/batch", { method: "POST", body: runs, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(asForm.status).toBe(200);
  });

  it("refuses a body that is not a list of runs, or too long a list", async () => {
    for (const body of [{}, { runs: [] }, { runs: "hello-skywalker" }]) {
      const response = await h.call("/execute/batch", { json: body });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).message).toContain("`runs`: expected a non-empty list");
    }
    for (const body of [[], null, 42]) {
      const response = await h.call("/execute/batch", { json: body });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).message).toContain("JSON but not an object");
    }
    const tooMany = await h.call("/execute/batch", { json: { runs: Array.from({ length: 251 }, () => ({ function: "hello-skywalker" })) } });
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).message).toContain("at most 250");
  });

  it("needs the token when one is set", async () => {
    const guarded = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir, settings: { token: "s3cret" } });
    try {
      const refused = await guarded.call("/execute/batch", { json: { runs: [{ function: "hello-skywalker" }] }, token: null });
      expect(refused.status).toBe(401);
      const accepted = await guarded.call("/execute/batch", { json: { runs: [{ function: "hello-skywalker" }] } });
      expect(accepted.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
