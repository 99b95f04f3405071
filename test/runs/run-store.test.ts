// Run records in a real Redis: the history per function is bounded and takes its records with
// it, so Redis holds at most that many per function whatever the run rate.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { connectRedis } from "../../src/redis/connection.ts";
import type { RunRecord, RunStatus } from "../../src/run-record.ts";
import { RunStore } from "../../src/runs/run-store.ts";

const prefix = `test-runs-${randomUUID()}`;
const redis = connectRedis(inject("redisUrl"));
const store = new RunStore(redis, { prefix, historyPerFunction: 3, ttlSeconds: 60 });

afterAll(() => redis.disconnect());

function record(fn: string, status: RunStatus = "queued"): RunRecord {
  return { id: randomUUID(), function: fn, executor: "default", status, result: null, error: null, logs: [], steps: [], attempt: 0, scheduledAt: null, startedAt: new Date().toISOString(), durationMs: 0 };
}

describe("RunStore", () => {
  it("keeps the newest runs of each function and deletes the records that fall out of its history", async () => {
    const runs = [record("a"), record("a"), record("a"), record("a"), record("a")];
    for (const run of runs) await store.create(run);
    const other = record("b");
    await store.create(other);
    expect((await store.history("a")).map((run) => run.id)).toEqual(runs.slice(2).reverse().map((run) => run.id));
    expect(await store.get(runs[0]!.id)).toBeUndefined();
    expect(await store.get(runs[1]!.id)).toBeUndefined();
    expect(await redis.exists(`${prefix}:run:${runs[0]!.id}`)).toBe(0);
    // another function's history is its own
    expect((await store.history("b")).map((run) => run.id)).toEqual([other.id]);
  });

  it("does not bring back a record that fell out of the history when its run ends", async () => {
    const first = record("c");
    await store.create(first);
    for (let i = 0; i < 3; i++) await store.create(record("c"));
    await store.update({ ...first, status: "succeeded" });
    expect(await store.get(first.id)).toBeUndefined();
    expect(await store.history("c")).toHaveLength(3);
  });

  it("replaces a record that is still kept", async () => {
    const run = record("d");
    await store.create(run);
    await store.update({ ...run, status: "succeeded", result: { ok: true } });
    expect(await store.get(run.id)).toMatchObject({ status: "succeeded", result: { ok: true } });
  });
});
