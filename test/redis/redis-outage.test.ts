// With Redis killed or stopped (SIGSTOP), the proxy and the chronomaster answer 503 naming Redis
// within seconds instead of hanging; a request refused that way never takes effect later; and
// everything works again once Redis is back.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ChronomasterServer } from "../../src/chronomaster/chronomaster-server.ts";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";
import { startLocalRedis } from "../../src/redis/local-redis.ts";
import type { LocalRedis } from "../../src/redis/local-redis.ts";
import { openProxyHarness } from "../proxy/proxy-harness.ts";
import type { ProxyHarness } from "../proxy/proxy-harness.ts";

const functionsDir = fileURLToPath(new URL("../fixtures/queue-functions", import.meta.url));
/** A bound on a failure path (the request must not hang), not a speed target. */
const ANSWER_WITHIN_MS = 6000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Service {
  redis: LocalRedis;
  proxy: ProxyHarness;
  chronomaster: ChronomasterServer;
}

async function startService(): Promise<Service> {
  const service = { redis: await startLocalRedis() } as Service;
  cleanups.push(() => service.redis.stop());
  service.proxy = await openProxyHarness({ redisUrl: service.redis.url, functionsDir });
  cleanups.push(() => service.proxy.close());
  const silent = pino({ level: "silent" });
  service.chronomaster = new ChronomasterServer({
    settings: { ...service.proxy.settings, guiPort: 0, bind: "127.0.0.1", proxyUrl: service.proxy.url },
    redisUrl: service.redis.url,
    redis: service.proxy.redis,
    registry: await FunctionRegistry.open(functionsDir, silent),
    store: service.proxy.store,
    metrics: service.proxy.metrics,
    logger: silent,
    processId: randomUUID(),
  });
  await service.chronomaster.start();
  cleanups.push(() => service.chronomaster.stop());
  return service;
}

/** The answer, or a failure naming the request when none came within the bound. */
async function answerOf(what: string, url: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("content-type", "application/json");
  try {
    return await fetch(url, { ...rest, headers, ...(json === undefined ? {} : { method: "POST", body: JSON.stringify(json) }), signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
  } catch (error) {
    throw new Error(`${what}: no answer within ${ANSWER_WITHIN_MS} ms (${(error as Error).message})`, { cause: error });
  }
}

async function expectRedisUnavailable(response: Response, redis: LocalRedis, what: string): Promise<void> {
  const body = (await response.json()) as { error?: { code: string; message: string } };
  expect({ what, status: response.status, code: body.error?.code }).toEqual({ what, status: 503, code: "ERR_REDIS_UNAVAILABLE" });
  expect(body.error?.message).toContain(`Redis at 127.0.0.1:${redis.port} is not answering`);
}

/** Polls until the request answers something other than 503. */
async function whenBack(what: string, call: () => Promise<Response>): Promise<Response> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await call();
    if (response.status !== 503) return response;
    if (Date.now() > deadline) throw new Error(`${what} still answers 503 15 s after Redis came back: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("Redis outage", () => {
  it("answers 503 at once while Redis is down, and works again when it is back", async () => {
    const s = await startService();
    const p = s.proxy.url;
    const c = s.chronomaster.url;
    const run = await answerOf("execute", `${p}/execute`, { json: { function: "echo" } });
    expect(run.status).toBe(202);
    const { id } = (await run.json()) as { id: string };

    await s.redis.kill();
    const key = `refused-${randomUUID()}`;
    const calls: Array<[string, string, RequestInit & { json?: unknown }]> = [
      ["POST /execute", `${p}/execute`, { json: { function: "echo" }, headers: { "idempotency-key": key } }],
      ["GET /runs/:id", `${p}/runs/${id}`, {}],
      ["GET /functions/echo/runs", `${p}/functions/echo/runs`, {}],
      ["POST /execute/batch", `${p}/execute/batch`, { json: { runs: [{ function: "echo" }] } }],
      ["POST /api/stop", `${c}/api/stop`, { method: "POST" }],
      ["GET /api/runs/:id", `${c}/api/runs/${id}`, {}],
    ];
    for (const [what, url, init] of calls) await expectRedisUnavailable(await answerOf(what, url, init), s.redis, what);
    expect((await answerOf("GET /metrics", `${p}/metrics`)).status).toBe(200);
    expect((await answerOf("GET /readyz", `${p}/readyz`)).status).toBe(503);

    s.redis = await startLocalRedis({ port: s.redis.port });
    // the refused request never claimed its Idempotency-Key: repeating it queues a new run
    const again = await whenBack("POST /execute", () => answerOf("POST /execute", `${p}/execute`, { json: { function: "echo" }, headers: { "idempotency-key": key } }));
    expect(again.status).toBe(202);
    expect(await again.json()).not.toHaveProperty("duplicate");
    expect((await whenBack("POST /api/stop", () => answerOf("POST /api/stop", `${c}/api/stop`, { method: "POST" }))).status).toBe(200);
    expect((await answerOf("GET /functions/echo/runs", `${p}/functions/echo/runs`)).status).toBe(200);
  });

  it("answers 503 while Redis is stopped (SIGSTOP) instead of waiting for it, and works again after SIGCONT", async () => {
    const s = await startService();
    const p = s.proxy.url;
    const c = s.chronomaster.url;
    expect((await answerOf("execute", `${p}/execute`, { json: { function: "echo" } })).status).toBe(202);
    const pid = s.redis.pid!;
    process.kill(pid, "SIGSTOP");
    cleanups.push(async () => process.kill(pid, "SIGCONT"));

    await expectRedisUnavailable(await answerOf("POST /execute", `${p}/execute`, { json: { function: "echo" } }), s.redis, "POST /execute");
    // Redis was seen stalled: later requests are refused at once, before anything is sent to it
    const key = `refused-${randomUUID()}`;
    const started = Date.now();
    await expectRedisUnavailable(await answerOf("POST /execute", `${p}/execute`, { json: { function: "echo" }, headers: { "idempotency-key": key } }), s.redis, "POST /execute");
    expect(Date.now() - started).toBeLessThan(1000);
    await expectRedisUnavailable(await answerOf("POST /api/stop", `${c}/api/stop`, { method: "POST" }), s.redis, "POST /api/stop");

    process.kill(pid, "SIGCONT");
    const again = await whenBack("POST /execute", () => answerOf("POST /execute", `${p}/execute`, { json: { function: "echo" }, headers: { "idempotency-key": key } }));
    expect(again.status).toBe(202);
    expect(await again.json()).not.toHaveProperty("duplicate");
    expect((await answerOf("POST /api/stop", `${c}/api/stop`, { method: "POST" })).status).toBe(200);
  });
});
