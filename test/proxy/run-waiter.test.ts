import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, describe, expect, inject, it } from "vitest";
import { RunWaiter } from "../../src/proxy/run-waiter.ts";
import { connectRedis } from "../../src/redis/connection.ts";
import type { RunRecord, RunStatus } from "../../src/run-record.ts";
import { RunStore } from "../../src/runs/run-store.ts";

const redisUrl = inject("redisUrl");
const prefix = `test-proxy-${randomUUID()}`;
const redis = connectRedis(redisUrl);
const store = new RunStore(redis, { prefix, historyPerFunction: 10, ttlSeconds: 60 });
const waiter = new RunWaiter(connectRedis(redisUrl), store, prefix, pino({ level: "silent" }));

afterAll(async () => {
  await waiter.close();
  redis.disconnect();
});

function record(status: RunStatus): RunRecord {
  const now = new Date().toISOString();
  return { id: randomUUID(), function: "f", executor: "default", status, result: null, error: null, logs: [], steps: [], attempt: 0, scheduledAt: null, startedAt: now, durationMs: 0 };
}

describe("RunWaiter", () => {
  it("answers every waiter of a run when its final record is announced", async () => {
    const run = record("queued");
    await store.create(run);
    const waits = [waiter.wait(run.id, 5000), waiter.wait(run.id, 5000)];
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.update({ ...run, status: "running" }, { announce: true });
    await store.update({ ...run, status: "succeeded", result: 42 }, { announce: true });
    for (const answer of await Promise.all(waits)) expect(answer).toMatchObject({ id: run.id, status: "succeeded", result: 42 });
  });

  it("polls for a run that nobody announces, and answers it well before the timeout", async () => {
    const run = record("queued");
    await store.create(run);
    const started = Date.now();
    const wait = waiter.wait(run.id, 20_000, { announced: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await store.update({ ...run, status: "succeeded", result: "polled" });
    expect(await wait).toMatchObject({ id: run.id, status: "succeeded", result: "polled" });
    // Found by a poll (at most 500 ms apart), not by the last read at the timeout.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("does not announce a final record nobody waits for", async () => {
    const subscriber = connectRedis(redisUrl);
    const heard: string[] = [];
    subscriber.on("message", (_channel: string, message: string) => heard.push(message));
    await subscriber.subscribe(`${prefix}:events:run-finished`);
    const run = record("queued");
    await store.create(run);
    await store.update({ ...run, status: "succeeded" });
    await store.update({ ...run, status: "failed" }, { announce: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    subscriber.disconnect();
    expect(heard.map((message) => (JSON.parse(message) as RunRecord).status)).toEqual(["failed"]);
  });

  it("answers from a whole record announced for it, without reading it back", async () => {
    const run = record("queued");
    await store.create(run);
    const wait = waiter.wait(run.id, 5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Gone from Redis (say, out of its history): only the announcement carries it now.
    await redis.del(`${prefix}:run:${run.id}`);
    await store.update({ ...run, status: "succeeded", result: "announced" }, { announce: true });
    expect(await wait).toMatchObject({ id: run.id, status: "succeeded", result: "announced" });
  });

  it("answers a run that finished before the wait began", async () => {
    const run = record("failed");
    await store.create(run);
    expect(await waiter.wait(run.id, 5000)).toMatchObject({ id: run.id, status: "failed" });
  });

  it("answers undefined on timeout or abort", async () => {
    const run = record("queued");
    await store.create(run);
    expect(await waiter.wait(run.id, 100)).toBeUndefined();
    const abort = new AbortController();
    const aborted = waiter.wait(run.id, 5000, { signal: abort.signal });
    abort.abort();
    expect(await aborted).toBeUndefined();
  });
});
