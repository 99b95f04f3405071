// Vitest global setup: one real redis-server on a free loopback port for the whole run. Tests
// isolate themselves by key prefix; tests that restart Redis start their own server.
import type { TestProject } from "vitest/node";
import { startLocalRedis } from "../../src/redis/local-redis.ts";
import type { LocalRedis } from "../../src/redis/local-redis.ts";

let redis: LocalRedis | undefined;

export async function setup(project: TestProject): Promise<void> {
  redis = await startLocalRedis();
  project.provide("redisUrl", redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
