// The chronomaster process part: the scheduler plus its HTTP server (API and page) on the GUI port.
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { jsonErrors, notFound } from "../http/http-error.ts";
import { requireToken } from "../http/require-token.ts";
import type { RunStore } from "../runs/run-store.ts";
import { Chronomaster } from "./chronomaster.ts";
import type { ChronomasterDeps } from "./chronomaster.ts";
import { chronomasterApi } from "./chronomaster-api.ts";
import { statusPage } from "./status-page.ts";

export interface ChronomasterServerDeps extends ChronomasterDeps {
  store: RunStore;
}

export class ChronomasterServer {
  readonly chronomaster: Chronomaster;
  private readonly deps: ChronomasterServerDeps;
  private server: Server | undefined;

  constructor(deps: ChronomasterServerDeps) {
    this.deps = deps;
    this.chronomaster = new Chronomaster(deps);
  }

  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (address === null || address === undefined) throw new Error("the chronomaster is not listening");
    return address.port;
  }

  get url(): string {
    const bind = this.deps.settings.bind;
    const host = bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind.includes(":") ? `[${bind}]` : bind;
    return `http://${host}:${this.port}`;
  }

  async start(): Promise<void> {
    await this.chronomaster.start();
    const { settings, redis, registry, store, logger } = this.deps;
    const app = express();
    app.disable("x-powered-by");
    app.get("/healthz", (_req, res) => void res.type("text/plain").send("ok"));
    app.get("/readyz", async (_req, res) => {
      const redisUp = await redis.ping().then(() => true, () => false);
      const ready = redisUp && this.chronomaster.lifecycleState === "running";
      res.status(ready ? 200 : 503).type("text/plain").send(ready ? "ready" : redisUp ? "starting" : "redis unreachable");
    });
    app.use(requireToken(settings.token));
    app.use(express.json({ limit: "64kb" }));
    app.get("/metrics", async (_req, res) => {
      res.type(this.deps.metrics.registry.contentType).send(await this.deps.metrics.registry.metrics());
    });
    app.use("/api", chronomasterApi({ settings, redis, registry, store, chronomaster: this.chronomaster }));
    app.get("/", (_req, res) => void res.type("html").send(statusPage(this.chronomaster, registry, settings)));
    app.use(notFound);
    app.use(jsonErrors(logger.child({ component: "chronomaster" })));
    this.server = app.listen(settings.guiPort, settings.bind);
    await once(this.server, "listening");
  }

  async stop(): Promise<void> {
    await this.chronomaster.stop();
    const server = this.server;
    if (server === undefined) return;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }
}
