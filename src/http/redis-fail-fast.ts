// Middleware: the Redis commands a request makes fail fast, so a client learns within seconds that
// Redis is down or stalled (503 ERR_REDIS_UNAVAILABLE) instead of waiting on ioredis's retries.
import type { RequestHandler } from "express";
import { failFastScope } from "../redis/fail-fast.ts";

export const redisFailFast: RequestHandler = (_req, res, next) => {
  const scope = failFastScope();
  res.once("close", scope.close);
  scope.run(next);
};
