// The proxy's HTTP API: `/execute` plus the read-only routes for runs, functions, health and metrics.
import express from "express";
import type { RequestHandler } from "express";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import type { LoadedFunction } from "../functions/types.ts";
import { browserGuard } from "../http/browser-guard.ts";
import { jsonErrors, notFound } from "../http/http-error.ts";
import { redisFailFast } from "../http/redis-fail-fast.ts";
import { requireToken } from "../http/require-token.ts";
import { runRoutes } from "../http/run-routes.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { RunEnqueuer } from "../queue/run-enqueuer.ts";
import type { RunJobData } from "../queue/run-job.ts";
import { redisProblem } from "../redis/redis-problem.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { Settings } from "../settings.ts";
import { executeBatchHandler } from "./execute-batch-route.ts";
import { executeHandler } from "./execute-route.ts";
import { requireUtf8 } from "./json-body.ts";
import type { RunWaiter } from "./run-waiter.ts";

/** Largest request body; a run's args are small, anything bigger is a mistake or an attack. */
export const BODY_LIMIT_BYTES = 64 * 1024;
const QUEUE_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;

export interface ProxyAppDeps {
  settings: Settings;
  redis: Redis;
  registry: FunctionRegistry;
  store: RunStore;
  queue: Queue<RunJobData>;
  enqueuer: RunEnqueuer;
  waiter: RunWaiter;
  metrics: Metrics;
  logger: Logger;
  /** Why the proxy should not take traffic (e.g. it is stopping); undefined when it may. */
  notReady?: () => string | undefined;
}

export function createProxyApp(deps: ProxyAppDeps): express.Express {
  const { settings, registry, store, metrics } = deps;
  const logger = deps.logger.child({ component: "proxy" });
  const app = express();
  app.disable("x-powered-by");
  // Answers are small and never the same twice: hashing each for an ETag is work for nothing.
  app.set("etag", false);
  app.use(redisFailFast);
  app.use(browserGuard({ token: settings.token, allowedHosts: settings.allowedHosts, stateChangingGets: ["/execute"] }));
  // /metrics stays behind the token: Prometheus scrapers can send a bearer token.
  app.use(requireToken(settings.token, { open: ["/healthz", "/readyz"] }));
  // Not strict: a body of `null` or `42` is JSON, and the routes say it is not an object.
  app.use(express.json({ limit: BODY_LIMIT_BYTES, type: ["application/json", "application/*+json"], strict: false, verify: requireUtf8 }));
  // `curl -d '{…}'` sends JSON as a form: /execute takes the text and looks (see json-body).
  app.use("/execute", express.text({ limit: BODY_LIMIT_BYTES, type: "application/x-www-form-urlencoded", verify: requireUtf8 }));

  const execute = executeHandler({ ...deps, logger });
  app.post("/execute", execute);
  app.get("/execute", execute);
  app.post("/execute/batch", executeBatchHandler({ ...deps, logger }));

  app.use(runRoutes({ settings, registry, store }));

  app.get("/functions", (_req, res) => {
    res.json({ functions: registry.functions().map(describeFunction), errors: registry.errors() });
  });

  app.get("/healthz", (_req, res) => {
    res.type("text/plain").send("ok");
  });
  app.get("/readyz", readiness(deps));

  app.get("/metrics", async (_req, res) => {
    try {
      const counts = await deps.queue.getJobCounts(...QUEUE_STATES);
      for (const state of QUEUE_STATES) metrics.queueDepth.set({ state }, counts[state] ?? 0);
    } catch (error) {
      logger.warn({ err: error }, "could not read the queue's job counts");
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use(notFound);
  app.use(jsonErrors(logger));
  return app;
}

function readiness(deps: ProxyAppDeps): RequestHandler {
  return async (_req, res) => {
    const reason = deps.notReady?.() ?? (await redisProblem(deps.redis)) ?? functionsProblem(deps.registry, deps.settings.functionsDir);
    if (reason === undefined) res.type("text/plain").send("ready");
    else res.status(503).type("text/plain").send(`not ready: ${reason}`);
  };
}

/** A proxy with nothing loaded is almost always pointed at the wrong folder. */
function functionsProblem(registry: FunctionRegistry, dir: string): string | undefined {
  if (registry.functions().length > 0) return undefined;
  return `no function is loaded from ${dir} (${registry.errors().length} failed to load)`;
}

function describeFunction(fn: LoadedFunction) {
  return {
    name: fn.name,
    version: fn.version,
    description: fn.description,
    link: fn.link,
    support: fn.support,
    kind: fn.kind,
    enabled: fn.enabled,
    handlers: fn.steps.map((step) => step.handler),
    schedule: fn.schedule,
    limits: fn.limits,
    retries: fn.retries,
    isolation: fn.isolation,
    overlap: fn.overlap,
    config: fn.rawConfig,
  };
}
