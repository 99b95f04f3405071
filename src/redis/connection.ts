// ioredis connections for Skywalker's parts. BullMQ workers need `maxRetriesPerRequest: null`
// so that a blocking command survives a Redis restart instead of failing the worker. The other
// connections fail fast for commands of an HTTP request (see fail-fast.ts).
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { failFastInScope } from "./fail-fast.ts";

const ERROR_LOG_INTERVAL_MS = 10_000;
/** Longest a command of a non-worker connection waits for Redis's answer (also in the offline queue). */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

export function connectRedis(url: string, options: { forWorker?: boolean; logger?: Logger } = {}): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: options.forWorker === true ? null : 20,
    // Commands issued in one turn of the event loop (the record writes of many runs, say) go to
    // Redis in one write. Not for a worker's connection, which blocks waiting for jobs.
    enableAutoPipelining: options.forWorker !== true,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    // Not for a worker: its blocking commands wait for jobs far longer.
    ...(options.forWorker === true ? {} : { commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
  });
  if (options.forWorker !== true) failFastInScope(client, REDIS_COMMAND_TIMEOUT_MS);
  // ioredis reconnects by itself; a lost connection is reported once per interval, not per retry
  // (and never as an unhandled 'error' event).
  let lastLogged = 0;
  client.on("error", (error: Error) => {
    if (Date.now() - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = Date.now();
    options.logger?.warn({ component: "redis", err: error.message }, "redis connection error; reconnecting");
  });
  return client;
}
