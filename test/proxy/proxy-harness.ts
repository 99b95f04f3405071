// A real proxy on a free port in front of the queued flow's parts, for the proxy's tests.
import { Writable } from "node:stream";
import pino from "pino";
import { ProxyServer } from "../../src/proxy/proxy-server.ts";
import type { Settings } from "../../src/settings.ts";
import { openQueueHarness } from "../helpers/queue-harness.ts";
import type { QueueHarness } from "../helpers/queue-harness.ts";

export interface ProxyHarness extends QueueHarness {
  proxy: ProxyServer;
  url: string;
  /** JSON log lines the proxy wrote. */
  logs: Array<Record<string, unknown>>;
  /** fetch() against the proxy, with the bearer token when one is set (unless `token: null`). */
  call(path: string, init?: RequestInit & { json?: unknown; token?: string | null }): Promise<Response>;
}

export async function openProxyHarness(options: { redisUrl: string; functionsDir: string; settings?: Partial<Settings> }): Promise<ProxyHarness> {
  const harness = await openQueueHarness(options);
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const proxy = new ProxyServer({
    settings: { ...harness.settings, proxyPort: options.settings?.proxyPort ?? 0, bind: "127.0.0.1" },
    redisUrl: options.redisUrl,
    redis: harness.redis,
    registry: harness.registry,
    store: harness.store,
    metrics: harness.metrics,
    logger: pino({ level: "info" }, sink),
  });
  try {
    await proxy.start();
  } catch (error) {
    await harness.close();
    throw error;
  }
  const url = proxy.url;
  return {
    ...harness,
    proxy,
    url,
    logs,
    call(path, init = {}) {
      const { json, token, ...rest } = init;
      const headers = new Headers(rest.headers);
      const bearer = token === undefined ? harness.settings.token : token;
      if (bearer !== null && bearer !== undefined && !headers.has("authorization")) headers.set("authorization", `Bearer ${bearer}`);
      if (json !== undefined) headers.set("content-type", "application/json");
      const body = json === undefined ? rest.body : JSON.stringify(json);
      return fetch(`${url}${path}`, { ...rest, headers, ...(body === undefined ? {} : { body }), method: rest.method ?? (body === undefined ? "GET" : "POST") });
    },
    async close() {
      await proxy.stop(1000);
      await harness.close();
    },
  };
}

/** The `{error: {code, message}}` of an error answer. */
export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}
