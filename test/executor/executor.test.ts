import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import type { QueueHarness } from "../helpers/queue-harness.ts";
import { openQueueHarness } from "../helpers/queue-harness.ts";
import { redisKeys } from "../../src/queue/keys.ts";

const functionsDir = fileURLToPath(new URL("../fixtures/queue-functions", import.meta.url));
let harness: QueueHarness | undefined;

async function open(settings = {}): Promise<QueueHarness> {
  harness = await openQueueHarness({ redisUrl: inject("redisUrl"), functionsDir, settings });
  return harness;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("executor", () => {
  it("runs a queued run and stores its record with logs, attempt and executor", async () => {
    const h = await open();
    const executor = await h.startExecutor();
    const id = await h.enqueue("echo", { args: { said: "hi" } });
    const record = await h.waitFor(id);
    expect(record).toMatchObject({ status: "succeeded", attempt: 1, executorId: executor.id, result: { args: { said: "hi" }, runId: id, attempt: 1 } });
    expect(record.logs.map((entry) => entry.msg)).toEqual([`echo ${id}`]);
    expect(record.queuedAt).toBeTypeOf("string");
    expect((await h.store.history("echo")).map((run) => run.id)).toEqual([id]);
  });

  it("two executors share the queue and each run executes exactly once", async () => {
    const h = await open({ concurrency: 4 });
    const [a, b] = [await h.startExecutor(), await h.startExecutor()];
    const ids = await Promise.all(Array.from({ length: 40 }, () => h.enqueue("echo")));
    const records = await Promise.all(ids.map((id) => h.waitFor(id)));
    expect(records.every((record) => record.status === "succeeded" && record.attempt === 1)).toBe(true);
    expect(new Set(records.map((record) => record.executorId))).toEqual(new Set([a!.id, b!.id]));
    const counts = await h.queue.getJobCounts("failed", "active", "waiting", "delayed");
    expect(counts).toMatchObject({ failed: 0, active: 0, waiting: 0, delayed: 0 });
    const metric = await h.metrics.runs.get();
    expect(metric.values.find((value) => value.labels.status === "succeeded")?.value).toBe(40);
  });

  it("retries a function that threw, up to its retries, and records the attempt", async () => {
    const h = await open();
    await h.startExecutor();
    const id = await h.enqueue("flaky");
    const between = await h.waitFor(id, (each) => each.status === "queued" && each.attempt === 1 && each.error !== null, 15_000);
    // While it waits for its retry, the record says the error is one the queue retries.
    expect(between.error).toMatchObject({ code: "ERR_HANDLER_THREW", retryable: true });
    const record = await h.waitFor(id, (each) => each.status === "succeeded", 15_000);
    expect(record).toMatchObject({ status: "succeeded", attempt: 2, result: { attempt: 2 } });
  });

  it("does not retry a limit breach by the function itself", async () => {
    const h = await open();
    await h.startExecutor();
    const id = await h.enqueue("spin");
    const record = await h.waitFor(id);
    expect(record.status).toBe("failed");
    expect(record.attempt).toBe(1);
    expect(["ERR_CPU_LIMIT", "ERR_TIMEOUT"]).toContain(record.error?.code);
    expect(await h.queue.getJobCounts("failed")).toMatchObject({ failed: 1 });
  });

  it("fails a run of an unknown function without retrying, naming it", async () => {
    const h = await open();
    await h.startExecutor();
    const id = await h.enqueue("echo");
    await h.waitFor(id);
    // a run of a function this executor does not know (deleted since it was queued)
    await h.store.create({ id: "ghost-run", function: "ghost", executor: "default", status: "queued", result: null, error: null, logs: [], steps: [], attempt: 0, scheduledAt: null, startedAt: new Date().toISOString(), durationMs: 0 });
    await h.queue.add("ghost", { runId: "ghost-run", function: "ghost", scheduledAt: null, environment: null, trigger: "api" }, { jobId: "ghost-run", attempts: 3 });
    const record = await h.waitFor("ghost-run");
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("ERR_FUNCTION_NOT_FOUND");
    expect(record.error?.message).toContain('"ghost"');
    expect(record.attempt).toBe(1);
    expect(await h.queue.getJobCounts("failed")).toMatchObject({ failed: 1 });
  });

  it("drains a run in flight on stop before it stops", async () => {
    const h = await open();
    const executor = await h.startExecutor();
    const id = await h.enqueue("slow", { args: { ms: 800 } });
    await h.waitFor(id, (record) => record.status === "running");
    await executor.stop(5000);
    expect(executor.state).toBe("stopped");
    expect((await h.store.get(id))?.status).toBe("succeeded");
  });
});

describe("stopping", () => {
  it("leaves a run that outlasts the grace time to another executor, and stops on time", async () => {
    const h = await open({ lockMs: 2000 });
    const first = await h.startExecutor();
    const id = await h.enqueue("slow", { args: { ms: 3000 } });
    await h.waitFor(id, (record) => record.status === "running");
    await first.stop(300);
    expect(first.state).toBe("stopped");
    // It stopped without waiting for the run (about 3 s to go), which this executor never recorded.
    expect((await h.store.get(id))?.status).not.toBe("succeeded");
    // Its lock lapses and another executor runs it again, to the end.
    const second = await h.startExecutor();
    const record = await h.waitFor(id, (each) => each.status === "succeeded", 20_000);
    expect(record).toMatchObject({ executorId: second.id, attempt: 2 });
  });
});

describe("overlap", () => {
  it("skips schedule ticks while the previous run is in progress, including after a skipped tick", async () => {
    const h = await open();
    const first = await h.enqueue("slow", { trigger: "schedule", args: { ms: 1500 }, idempotencyKey: "slow@1" });
    const second = await h.enqueue("slow", { trigger: "schedule", idempotencyKey: "slow@2" });
    const third = await h.enqueue("slow", { trigger: "schedule", idempotencyKey: "slow@3" });
    expect((await h.store.get(second))?.status).toBe("skipped");
    expect((await h.store.get(third))?.skipReason).toContain(first);
    const adHoc = await h.enqueue("slow", { trigger: "api", args: { ms: 10 } });
    expect((await h.store.get(adHoc))?.status).toBe("queued");
  });

  it("runs the next tick once the previous run has finished, whether it succeeded or failed", async () => {
    const h = await open();
    await h.startExecutor();
    const first = await h.enqueue("slow", { trigger: "schedule", args: { ms: 10 }, idempotencyKey: "slow@x" });
    expect((await h.waitFor(first)).status).toBe("succeeded");
    const second = await h.enqueue("slow", { trigger: "schedule", args: { ms: 10 }, idempotencyKey: "slow@y" });
    expect((await h.store.get(second))?.status).not.toBe("skipped");
    const failing = await h.enqueue("spin", { trigger: "schedule", idempotencyKey: "spin@x" });
    expect((await h.waitFor(failing)).status).toBe("failed");
    const after = await h.enqueue("spin", { trigger: "schedule", idempotencyKey: "spin@y" });
    expect((await h.store.get(after))?.status).not.toBe("skipped");
  });

  it("skips all but one of a function's ticks admitted together (a batch, a late catch-up)", async () => {
    const h = await open();
    // Concurrent enqueues are admitted before any of their jobs is added, as a batch's are.
    const ids = await Promise.all(["slow@1", "slow@2", "slow@3"].map((key) => h.enqueue("slow", { trigger: "schedule", idempotencyKey: key })));
    const statuses = await Promise.all(ids.map(async (id) => (await h.store.get(id))?.status));
    expect(statuses.filter((status) => status === "queued")).toHaveLength(1);
    expect(statuses.filter((status) => status === "skipped")).toHaveLength(2);
  });

  it("does not skip forever behind a record whose job is gone", async () => {
    const h = await open();
    const stale = await h.enqueue("slow", { trigger: "schedule", idempotencyKey: "slow@a" });
    await h.queue.remove(stale);
    // Within a minute of its admission, a queued run without a job may still be about to get one.
    await h.redis.del(redisKeys(h.settings.prefix).justAdmitted("slow"));
    const next = await h.enqueue("slow", { trigger: "schedule", idempotencyKey: "slow@b" });
    expect((await h.store.get(next))?.status).toBe("queued");
  });
});
