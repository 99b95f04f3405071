// A chronomaster started in the test's process against a proxy harness: its Redis, its store and
// metrics, and its URL for the ticks.
import { randomUUID } from "node:crypto";
import pino from "pino";
import { inject } from "vitest";
import { ChronomasterServer } from "../../src/chronomaster/chronomaster-server.ts";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";
import type { ProxyHarness } from "../proxy/proxy-harness.ts";

export interface ChronomasterOptions {
  functionsDir: string;
  /** @default the harness's proxy */
  proxyUrl?: string;
  /** @default the harness's environment */
  environment?: string;
}

export async function startChronomaster(h: ProxyHarness, options: ChronomasterOptions): Promise<ChronomasterServer> {
  const logger = pino({ level: "silent" });
  const registry = await FunctionRegistry.open(options.functionsDir, logger);
  const server = new ChronomasterServer({
    settings: { ...h.settings, guiPort: 0, bind: "127.0.0.1", proxyUrl: options.proxyUrl ?? h.url, environment: options.environment ?? h.settings.environment },
    redisUrl: inject("redisUrl"),
    redis: h.redis,
    registry,
    store: h.store,
    metrics: h.metrics,
    logger,
    processId: randomUUID(),
  });
  await server.start();
  return server;
}
