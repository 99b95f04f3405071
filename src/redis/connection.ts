// ioredis connections for Skywalker's parts. BullMQ workers need `maxRetriesPerRequest: null`
// so that a blocking command survives a Redis restart instead of failing the worker.
import { Redis } from "ioredis";

export function connectRedis(url: string, options: { forWorker?: boolean } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: options.forWorker === true ? null : 20,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
}
