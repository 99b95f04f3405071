// The chronomaster process part: the scheduler plus its HTTP server on the GUI port: the GUI's
// static files (open: they hold no data), sign-in, and behind the token the JSON API and metrics.
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import express from "express";
import type { RequestHandler } from "express";
import { browserGuard } from "../http/browser-guard.ts";
import { jsonErrors, notFound } from "../http/http-error.ts";
import { jsonBodiesOnly } from "../http/json-bodies-only.ts";
import { redisFailFast } from "../http/redis-fail-fast.ts";
import { requireToken } from "../http/require-token.ts";
import { WrongTokenThrottle } from "../http/wrong-token-throttle.ts";
import type { RunStore } from "../runs/run-store.ts";
import { Chronomaster } from "./chronomaster.ts";
import type { ChronomasterDeps } from "./chronomaster.ts";
import { chronomasterApi } from "./chronomaster-api.ts";
import { Fleet } from "./fleet.ts";
import { GuiSession } from "./gui-session.ts";
import { StateEvents } from "./state-events.ts";
import { StateView } from "./state-view.ts";

const GUI_DIR = fileURLToPath(new URL("./gui/", import.meta.url));

/** The page loads only its own files and talks only to its own server; nothing may frame it. */
const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  });
  next();
};

export interface ChronomasterServerDeps extends ChronomasterDeps {
  store: RunStore;
}

export class ChronomasterServer {
  readonly chronomaster: Chronomaster;
  private readonly deps: ChronomasterServerDeps;
  private server: Server | undefined;
  private fleet: Fleet | undefined;
  private events: StateEvents | undefined;

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
    const log = logger.child({ component: "chronomaster" });
    const fleet = new Fleet({ redis, prefix: settings.prefix, logger: log });
    const view = new StateView({ settings, redis, registry, store, chronomaster: this.chronomaster, fleet });
    const events = new StateEvents(() => view.state(), log);
    const throttle = new WrongTokenThrottle();
    const session = new GuiSession(settings.token, throttle);
    this.fleet = fleet;
    this.events = events;

    const app = express();
    app.disable("x-powered-by");
    app.use(securityHeaders);
    app.use(redisFailFast);
    app.use(browserGuard({ token: settings.token, allowedHosts: settings.allowedHosts }));
    app.get("/healthz", (_req, res) => void res.type("text/plain").send("ok"));
    app.get("/readyz", async (_req, res) => {
      const redisUp = await view.redisUp();
      const ready = redisUp && this.chronomaster.lifecycleState === "running";
      res.status(ready ? 200 : 503).type("text/plain").send(ready ? "ready" : redisUp ? "starting" : "redis unreachable");
    });
    app.get("/", (_req, res) => void res.sendFile("index.html", { root: GUI_DIR, headers: { "cache-control": "no-cache" } }));
    // only the page's assets: not its tsconfig.json or whatever else lies in the folder
    const assets = express.static(GUI_DIR, { index: false, setHeaders: (res) => res.set("cache-control", "no-cache") });
    app.use("/gui", (req, res, next) => (/^\/[\w-]+\.(?:js|css|svg)$/.test(req.path) ? assets(req, res, next) : next()), notFound);
    app.use("/api", session.router());
    app.use(requireToken(settings.token, { session, throttle }));
    app.use(express.json({ limit: "64kb" }), jsonBodiesOnly);
    app.get("/metrics", async (_req, res) => {
      res.type(this.deps.metrics.registry.contentType).send(await this.deps.metrics.registry.metrics());
    });
    app.use("/api", chronomasterApi({ settings, registry, store, chronomaster: this.chronomaster, view, events }));
    app.use(notFound);
    app.use(jsonErrors(log));
    this.server = app.listen(settings.guiPort, settings.bind);
    await once(this.server, "listening");
  }

  async stop(): Promise<void> {
    await this.chronomaster.stop();
    this.events?.close();
    await this.fleet?.close();
    const server = this.server;
    if (server === undefined) return;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }
}
