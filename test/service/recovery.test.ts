// Failures of the parts around a run: an executor killed with SIGKILL mid-run, and Redis
// restarted mid-flow. Nothing accepted is lost.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import { freePort, startLocalRedis } from "../../src/redis/local-redis.ts";
import type { LocalRedis } from "../../src/redis/local-redis.ts";
import { openQueueHarness } from "../helpers/queue-harness.ts";
import type { QueueHarness } from "../helpers/queue-harness.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const functionsDir = join(repo, "test/fixtures/queue-functions");
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** `skywalker start --role executor` as its own process, as it runs in a pod. */
function spawnExecutor(redisUrl: string, prefix: string, lockMs: number, executorPort: number): ChildProcess {
  const child = spawn(process.execPath, [join(repo, "bin/skywalker.js"), "start", "--role", "executor"], {
    env: { ...process.env, REDIS_URL: redisUrl, SKYWALKER_PREFIX: prefix, SKYWALKER_FUNCTIONS: functionsDir, SKYWALKER_LOCK_MS: String(lockMs), SKYWALKER_EXECUTOR_PORT: String(executorPort), LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  cleanups.push(async () => child.kill("SIGKILL"));
  return child;
}

describe("recovery", () => {
  it("recovers a run whose executor was killed with SIGKILL mid-run; another executor completes it", async () => {
    const lockMs = 2000;
    const h: QueueHarness = await openQueueHarness({ redisUrl: inject("redisUrl"), functionsDir, settings: { lockMs } });
    cleanups.push(() => h.close());
    const probePort = await freePort();
    const doomed = spawnExecutor(inject("redisUrl"), h.settings.prefix, lockMs, probePort);
    const id = await h.enqueue("slow", { args: { ms: 1500 } });
    const running = await h.waitFor(id, (record) => record.status === "running", 20_000);
    expect(running.executorId).toMatch(new RegExp(`-${doomed.pid}-`));
    // an executor on its own serves probes and metrics, as its pod needs
    const probe = (path: string) => fetch(`http://127.0.0.1:${probePort}${path}`);
    expect(await (await probe("/healthz")).text()).toBe("ok");
    expect(await (await probe("/readyz")).text()).toBe("ready");
    expect(await (await probe("/metrics")).text()).toContain("skywalker_sandbox_restarts_total");
    doomed.kill("SIGKILL");
    const survivor = await h.startExecutor();
    const record = await h.waitFor(id, undefined, 20_000);
    expect(record).toMatchObject({ status: "succeeded", executorId: survivor.id, result: { sleptMs: 1500 } });
    expect(record.attempt).toBe(2);
    expect(await h.queue.getJobCounts("active", "waiting", "failed")).toMatchObject({ active: 0, waiting: 0, failed: 0 });
  });

  it("loses no accepted run when Redis restarts mid-flow (append-only persistence)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "skywalker-redis-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let redis: LocalRedis = await startLocalRedis({ dataDir, appendFsync: "always" });
    cleanups.push(() => redis.stop());
    const h = await openQueueHarness({ redisUrl: redis.url, functionsDir });
    cleanups.push(() => h.close());
    const accepted = await Promise.all(Array.from({ length: 20 }, (_, i) => h.enqueue("echo", { args: { n: i } })));
    await redis.kill(); // no chance to save: only what the append-only file holds survives
    redis = await startLocalRedis({ dataDir, appendFsync: "always", port: redis.port });
    const later = await Promise.all(Array.from({ length: 5 }, () => h.enqueue("echo")));
    await h.startExecutor();
    const records = await Promise.all([...accepted, ...later].map((id) => h.waitFor(id, undefined, 30_000)));
    expect(records.map((record) => record.status)).toEqual(new Array(25).fill("succeeded"));
    expect(records.slice(0, 20).map((record) => (record.result as { args: { n: number } }).args.n)).toEqual([...Array(20).keys()]);
  });
});
