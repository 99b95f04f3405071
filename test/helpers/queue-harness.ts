// The parts of the queued flow, wired against a real Redis with a prefix of their own, for tests.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import pino from "pino";
import { Executor } from "../../src/executor/executor.ts";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import type { Metrics } from "../../src/metrics/metrics.ts";
import { RUN_QUEUE } from "../../src/queue/keys.ts";
import type { RunJobData } from "../../src/queue/run-job.ts";
import { RunEnqueuer } from "../../src/queue/run-enqueuer.ts";
import type { EnqueueRequest } from "../../src/queue/run-enqueuer.ts";
import { connectRedis } from "../../src/redis/connection.ts";
import type { RunRecord } from "../../src/run-record.ts";
import { FINAL_STATUSES, RunStore } from "../../src/runs/run-store.ts";
import { settingsFromEnv } from "../../src/settings.ts";
import type { Settings } from "../../src/settings.ts";

export interface QueueHarness {
  settings: Settings;
  redis: Redis;
  registry: FunctionRegistry;
  store: RunStore;
  metrics: Metrics;
  queue: Queue<RunJobData>;
  enqueue(name: string, request?: Partial<EnqueueRequest>): Promise<string>;
  startExecutor(overrides?: Partial<Settings>): Promise<Executor>;
  waitFor(id: string, predicate?: (record: RunRecord) => boolean, timeoutMs?: number): Promise<RunRecord>;
  close(): Promise<void>;
}

export async function openQueueHarness(options: { redisUrl: string; functionsDir: string; settings?: Partial<Settings> }): Promise<QueueHarness> {
  const settings = settingsFromEnv({}, { prefix: `test-${randomUUID().slice(0, 8)}`, functionsDir: options.functionsDir, redisUrl: options.redisUrl, ...options.settings });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const redis = connectRedis(options.redisUrl);
  const registry = await FunctionRegistry.open(options.functionsDir, logger);
  const store = new RunStore(redis, { prefix: settings.prefix, historyPerFunction: settings.historyPerFunction, ttlSeconds: settings.runTtlSeconds });
  const metrics = createMetrics();
  const queue = new Queue<RunJobData>(RUN_QUEUE, { connection: connectRedis(options.redisUrl), prefix: settings.prefix });
  const enqueuer = new RunEnqueuer(queue, store, redis, settings.prefix);
  const executors: Executor[] = [];

  return {
    settings,
    redis,
    registry,
    store,
    metrics,
    queue,
    async enqueue(name, request = {}) {
      const fn = registry.get(name);
      if (fn === undefined) throw new Error(`fixture ${name} did not load: ${registry.loadError(name)?.message}`);
      return (await enqueuer.enqueue(fn, { environment: null, trigger: "api", ...request })).id;
    },
    async startExecutor(overrides = {}) {
      const executor = new Executor({ settings: { ...settings, ...overrides }, redisUrl: options.redisUrl, redis, registry, store, metrics, logger });
      await executor.start();
      executors.push(executor);
      return executor;
    },
    async waitFor(id, predicate = (record) => FINAL_STATUSES.has(record.status), timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = await store.get(id);
        if (record !== undefined && predicate(record)) return record;
        if (Date.now() > deadline) throw new Error(`run ${id} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(record)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await Promise.all(executors.map((executor) => executor.stop(1000)));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      redis.disconnect();
    },
  };
}
