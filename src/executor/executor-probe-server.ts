// Health, readiness and metrics of an executor running on its own (a pod of the executor
// Deployment): liveness while the process is up, readiness while the worker runs and Redis
// answers, and its Prometheus metrics (behind the token when one is set).
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { jsonErrors, notFound } from "../http/http-error.ts";
import { requireToken } from "../http/require-token.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Settings } from "../settings.ts";
import type { Executor } from "./executor.ts";

export class ExecutorProbeServer {
  private server: Server | undefined;
  private readonly deps: { settings: Settings; redis: Redis; metrics: Metrics; executor: Executor; logger: Logger };

  constructor(deps: { settings: Settings; redis: Redis; metrics: Metrics; executor: Executor; logger: Logger }) {
    this.deps = deps;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  async start(): Promise<void> {
    const { settings, redis, metrics, executor, logger } = this.deps;
    const app = express();
    app.disable("x-powered-by");
    app.get("/healthz", (_req, res) => void res.type("text/plain").send("ok"));
    app.get("/readyz", async (_req, res) => {
      const redisUp = await redis.ping().then(() => true, () => false);
      const ready = redisUp && executor.state === "running";
      res.status(ready ? 200 : 503).type("text/plain").send(ready ? "ready" : redisUp ? `executor ${executor.state}` : "redis unreachable");
    });
    app.use(requireToken(settings.token));
    app.get("/metrics", async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
    app.use(notFound);
    app.use(jsonErrors(logger));
    this.server = app.listen(settings.executorPort, settings.bind);
    await once(this.server, "listening");
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }
}
