// The consumers of scenario 1 and of bench/cpu-per-job.ts, run in this process on a private
// Redis: BullMQ's in-process worker (the ceiling) and a Skywalker executor, each with a way to
// add jobs the way its users do.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Queue, Worker } from "bullmq";
import pino from "pino";
import { Executor } from "../../src/executor/executor.ts";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { RUN_QUEUE } from "../../src/queue/keys.ts";
import { RunEnqueuer } from "../../src/queue/run-enqueuer.ts";
import { connectRedis } from "../../src/redis/connection.ts";
import { RunStore } from "../../src/runs/run-store.ts";
import { settingsFromEnv } from "../../src/settings.ts";

const functionsDir = fileURLToPath(new URL("../fixtures", import.meta.url));

export interface Consumer {
  queue: Queue;
  /** Adds `count` jobs. */
  add(count: number): Promise<void>;
  /** Stops the consumer and removes its queue. */
  stop(): Promise<void>;
}

/** Until no job of the queue waits or runs. */
export async function drained(queue: Queue): Promise<void> {
  while ((await queue.count()) > 0 || (await queue.getActiveCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

export type BullMQMode = "in-process" | "worker-threads" | "child-processes";

/** A BullMQ worker running a no-op: in-process, or in BullMQ's own sandboxes. */
export async function bullmqConsumer(redisUrl: string, concurrency: number, mode: BullMQMode = "in-process"): Promise<Consumer> {
  const prefix = `bench-${randomUUID().slice(0, 6)}`;
  const queue = new Queue("bench", { connection: connectRedis(redisUrl), prefix });
  const processor = mode === "in-process" ? async () => null : fileURLToPath(new URL("../peers/noop-processor.cjs", import.meta.url));
  // BullMQ pipes each child process's output into ours: at concurrency 50, more listeners on
  // stdout and stderr than Node's leak warning expects.
  if (mode === "child-processes") for (const stream of [process.stdout, process.stderr]) stream.setMaxListeners(Math.max(stream.getMaxListeners(), 4 * concurrency + 10));
  // This process runs with --no-node-snapshot (for isolated-vm), which worker threads refuse:
  // BullMQ's threads get an execArgv of their own, or every job fails at once.
  const worker = new Worker("bench", processor, {
    connection: connectRedis(redisUrl, { forWorker: true }),
    prefix,
    concurrency,
    useWorkerThreads: mode === "worker-threads",
    ...(mode === "worker-threads" ? { workerThreadsOptions: { execArgv: [] } } : {}),
  });
  await worker.waitUntilReady();
  return {
    queue,
    add: async (count) => {
      for (let i = 0; i < count; i += 500) await queue.addBulk(Array.from({ length: Math.min(500, count - i) }, () => ({ name: "noop", data: {}, opts: { removeOnComplete: true } })));
    },
    stop: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

/** A Skywalker executor running the no-op fixture; jobs are queued through its enqueuer, as the proxy queues runs (a record and a job each). */
export async function skywalkerConsumer(redisUrl: string, concurrency: number): Promise<Consumer> {
  const logger = pino({ level: "silent" });
  const settings = settingsFromEnv({}, { prefix: `bench-${randomUUID().slice(0, 6)}`, concurrency, functionsDir });
  const redis = connectRedis(redisUrl);
  const registry = await FunctionRegistry.open(functionsDir, logger);
  const store = new RunStore(redis, { prefix: settings.prefix, historyPerFunction: 100, ttlSeconds: 3600 });
  const queue = new Queue(RUN_QUEUE, { connection: connectRedis(redisUrl), prefix: settings.prefix });
  const enqueuer = new RunEnqueuer(queue, store, redis, settings.prefix);
  const fn = registry.get("noop")!;
  const executor = new Executor({ settings, redisUrl, redis, registry, store, metrics: createMetrics(), logger });
  await executor.start();
  return {
    queue: queue as unknown as Queue,
    add: async (count) => {
      for (let i = 0; i < count; i += 200) await Promise.all(Array.from({ length: Math.min(200, count - i) }, () => enqueuer.enqueue(fn, { environment: null, trigger: "api" })));
    },
    stop: async () => {
      await executor.stop(5000);
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    },
  };
}
