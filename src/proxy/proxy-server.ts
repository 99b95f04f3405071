// The proxy as a long-lived part: owns its queue producer and run-finished subscription, listens on
// settings.bind:settings.proxyPort, and drains open requests on stop.
import { once } from "node:events";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { RUN_QUEUE } from "../queue/keys.ts";
import { RunEnqueuer } from "../queue/run-enqueuer.ts";
import type { RunJobData } from "../queue/run-job.ts";
import { connectRedis } from "../redis/connection.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { Settings } from "../settings.ts";
import { createProxyApp } from "./proxy-app.ts";
import { RunWaiter } from "./run-waiter.ts";

export interface ProxyServerDeps {
  settings: Settings;
  redisUrl: string;
  /** Shared command connection (run records, idempotency keys, PING); not closed by the proxy. */
  redis: Redis;
  registry: FunctionRegistry;
  store: RunStore;
  metrics: Metrics;
  logger: Logger;
}

export class ProxyServer {
  private readonly deps: ProxyServerDeps;
  private readonly log: Logger;
  private readonly lifecycle: Lifecycle;
  private queue: Queue<RunJobData> | undefined;
  private queueConnection: Redis | undefined;
  private waiter: RunWaiter | undefined;
  private server: Server | undefined;

  constructor(deps: ProxyServerDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ component: "proxy" });
    this.lifecycle = new Lifecycle(this.log);
  }

  get state() {
    return this.lifecycle.state;
  }

  /** The port actually listened on (the one the OS chose when settings.proxyPort is 0). */
  get port(): number {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === "string") throw new Error("the proxy is not listening");
    return (address as AddressInfo).port;
  }

  /** Where a local client reaches the proxy (loopback when it listens on every address). */
  get url(): string {
    const bind = this.deps.settings.bind;
    const host = bind === "0.0.0.0" ? "127.0.0.1" : bind === "::" ? "[::1]" : bind.includes(":") ? `[${bind}]` : bind;
    return `http://${host}:${this.port}`;
  }

  async start(): Promise<void> {
    const { settings, redisUrl } = this.deps;
    try {
      this.queueConnection = connectRedis(redisUrl, { logger: this.log });
      const queue = new Queue<RunJobData>(RUN_QUEUE, { connection: this.queueConnection, prefix: settings.prefix });
      queue.on("error", (error) => this.log.error({ err: error }, "queue error"));
      this.queue = queue;
      this.waiter = new RunWaiter(connectRedis(redisUrl, { logger: this.log }), this.deps.store, settings.prefix, this.log);
      await Promise.all([queue.waitUntilReady(), this.waiter.start()]);
      const app = createProxyApp({
        ...this.deps,
        queue,
        enqueuer: new RunEnqueuer(queue, this.deps.store, this.deps.redis, settings.prefix),
        waiter: this.waiter,
        notReady: () => (this.lifecycle.state === "running" ? undefined : `the proxy is ${this.lifecycle.state}`),
      });
      const server = createServer(app);
      server.listen({ port: settings.proxyPort, host: settings.bind, reusePort: settings.proxyReusePort });
      this.server = server;
      await once(server, "listening");
      this.lifecycle.to("running", { url: this.url });
    } catch (error) {
      this.lifecycle.to("failed", { err: error });
      await this.release();
      throw error;
    }
  }

  /** Stops accepting requests; waits (`?wait=1`) answer at once with 202; open requests get `graceMs` to finish. */
  async stop(graceMs = this.deps.settings.drainMs): Promise<void> {
    if (this.lifecycle.state === "stopped" || this.lifecycle.state === "stopping") return;
    this.lifecycle.to("stopping", { graceMs });
    await this.release(graceMs);
    this.lifecycle.to("stopped");
  }

  private async release(graceMs = 0): Promise<void> {
    const server = this.server;
    const closed = server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    await this.waiter?.close();
    if (server !== undefined) {
      // close() only drops the connections idle at that moment; keep-alive ones idle later would hold it open.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
    }
    await this.queue?.close().catch((error: unknown) => this.log.warn({ err: error }, "could not close the queue"));
    // BullMQ may leave open a connection it was handed rather than created.
    this.queueConnection?.disconnect();
    this.queueConnection = undefined;
    this.server = undefined;
    this.waiter = undefined;
    this.queue = undefined;
  }
}
