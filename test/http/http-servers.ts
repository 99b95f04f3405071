// A real proxy and chronomaster on free ports over the global test Redis, for the HTTP tests; and
// a request helper that may set any Host header (fetch may not).
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { ChronomasterServer } from "../../src/chronomaster/chronomaster-server.ts";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";
import type { Settings } from "../../src/settings.ts";
import { openProxyHarness } from "../proxy/proxy-harness.ts";
import type { ProxyHarness } from "../proxy/proxy-harness.ts";

const functionsDir = fileURLToPath(new URL("../fixtures/queue-functions", import.meta.url));

export interface Servers {
  proxy: ProxyHarness;
  chronomaster: ChronomasterServer;
  close(): Promise<void>;
}

/** `proxyHost`: the name the chronomaster uses for the proxy (as a Kubernetes Service name would be). */
export async function openServers(redisUrl: string, settings: Partial<Settings> = {}, proxyHost = "127.0.0.1"): Promise<Servers> {
  const proxy = await openProxyHarness({ redisUrl, functionsDir, settings });
  const silent = pino({ level: "silent" });
  const chronomaster = new ChronomasterServer({
    settings: { ...proxy.settings, guiPort: 0, bind: "127.0.0.1", proxyUrl: `http://${proxyHost}:${proxy.proxy.port}` },
    redisUrl,
    redis: proxy.redis,
    registry: await FunctionRegistry.open(functionsDir, silent),
    store: proxy.store,
    metrics: proxy.metrics,
    logger: silent,
    processId: randomUUID(),
  });
  try {
    await chronomaster.start();
  } catch (error) {
    await proxy.close();
    throw error;
  }
  return {
    proxy,
    chronomaster,
    async close() {
      await chronomaster.stop();
      await proxy.close();
    },
  };
}

export interface RawAnswer {
  status: number;
  body: string;
  /** The error code of a JSON error body. */
  code: string | undefined;
}

/** An HTTP request to `url` that sends exactly these headers (Host included, when given). */
export function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...init.headers, ...(init.body === undefined ? {} : { "content-length": String(Buffer.byteLength(init.body)) }) };
    const req = request(url, { method: init.method ?? "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, code });
      });
    });
    req.on("error", reject);
    req.end(init.body);
  });
}
