import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { createProxyApp } from "../../src/proxy/proxy-app.ts";
import type { ProxyAppDeps } from "../../src/proxy/proxy-app.ts";
import { connectRedis } from "../../src/redis/connection.ts";
import { RunStore } from "../../src/runs/run-store.ts";
import { settingsFromEnv } from "../../src/settings.ts";
import { errorOf, openProxyHarness } from "./proxy-harness.ts";
import type { ProxyHarness } from "./proxy-harness.ts";

const redisUrl = inject("redisUrl");
const echo = fileURLToPath(new URL("../fixtures/queue-functions/echo", import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "skywalker-proxy-"));
const mixedDir = join(temp, "mixed");
const emptyDir = join(temp, "empty");
const opened: ProxyHarness[] = [];

async function open(functionsDir: string, settings = {}): Promise<ProxyHarness> {
  const h = await openProxyHarness({ redisUrl, functionsDir, settings });
  opened.push(h);
  return h;
}

beforeAll(() => {
  cpSync(echo, join(mixedDir, "echo"), { recursive: true });
  mkdirSync(join(mixedDir, "broken"), { recursive: true });
  writeFileSync(join(mixedDir, "broken", "broken.ts"), "export function main() { return 1; }\n");
  const broken = { name: "broken", executor: "default", handler: "broken.main", schedule: [{ environment: "production", cron: "every 6h" }] };
  writeFileSync(join(mixedDir, "broken", "config.json"), JSON.stringify(broken));
  mkdirSync(emptyDir, { recursive: true });
});
afterAll(async () => {
  await Promise.all(opened.map((h) => h.close()));
  rmSync(temp, { recursive: true, force: true });
});

describe("functions, health and metrics", () => {
  it("GET /functions lists the loaded functions and the load errors", async () => {
    const h = await open(mixedDir);
    const response = await h.call("/functions");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { functions: Array<Record<string, unknown>>; errors: Array<Record<string, unknown>> };
    expect(body.functions).toHaveLength(1);
    expect(body.functions[0]).toMatchObject({ name: "echo", kind: "default", enabled: true, schedule: [], retries: expect.any(Number), isolation: expect.any(String), config: { name: "echo", handler: "echo.main" } });
    expect(body.functions[0]?.limits).toMatchObject({ timeoutMs: expect.any(Number), memoryMb: expect.any(Number) });
    expect(body.errors).toEqual([expect.objectContaining({ name: "broken", code: expect.any(String), message: expect.stringContaining("cron") })]);
  });

  it("executing a function that failed to load is a 422 naming it and its error", async () => {
    const h = await open(mixedDir);
    const response = await h.call("/execute", { json: { function: "broken" } });
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error.code).toBe("ERR_CONFIG_INVALID");
    expect(error.message).toContain('"broken"');
    expect(error.message).toContain(h.registry.loadError("broken")!.message);
  });

  it("/healthz answers ok and /readyz ready", async () => {
    const h = await open(mixedDir);
    const health = await h.call("/healthz");
    expect([health.status, await health.text()]).toEqual([200, "ok"]);
    const ready = await h.call("/readyz");
    expect([ready.status, await ready.text()]).toEqual([200, "ready"]);
  });

  it("/readyz is 503 with the reason when no function is loaded", async () => {
    const h = await open(emptyDir);
    const ready = await h.call("/readyz");
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain(`no function is loaded from ${emptyDir}`);
  });

  it("/readyz is 503 when Redis does not answer", async () => {
    const settings = settingsFromEnv({}, { prefix: "test-proxy-dead-redis" });
    const logger = pino({ level: "silent" });
    const dead = connectRedis("redis://127.0.0.1:1");
    dead.on("error", () => undefined);
    const registry = await FunctionRegistry.open(mixedDir, logger);
    const unused = {} as never;
    const deps: ProxyAppDeps = { settings, redis: dead, registry, store: new RunStore(dead, { prefix: settings.prefix, historyPerFunction: 10, ttlSeconds: 60 }), queue: unused, enqueuer: unused, waiter: unused, metrics: createMetrics(), logger };
    const server: Server = createProxyApp(deps).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const ready = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(/Redis/);
    } finally {
      server.close();
      dead.disconnect();
    }
  });

  it("/metrics serves the registry with a fresh queue depth", async () => {
    const h = await open(mixedDir);
    for (let i = 0; i < 2; i++) expect((await h.call("/execute", { json: { function: "echo" } })).status).toBe(202);
    const response = await h.call("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain("skywalker_runs_total");
    expect(text).toContain('skywalker_queue_jobs{state="waiting"} 2');
    expect(text).toContain('skywalker_queue_jobs{state="failed"} 0');
  });
});

describe("lifecycle", () => {
  it("listens on the port the OS chose and, on stop, answers pending waits with 202", async () => {
    const h = await open(mixedDir);
    expect(h.proxy.state).toBe("running");
    expect(h.proxy.port).toBeGreaterThan(0);
    const waiting = h.call("/execute?wait=1", { json: { function: "echo" } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await h.proxy.stop(2000);
    const response = await waiting;
    expect(response.status).toBe(202);
    expect(((await response.json()) as { status: string }).status).toBe("queued");
    expect(Date.now() - started).toBeLessThan(1500);
    expect(h.proxy.state).toBe("stopped");
    await expect(fetch(h.url + "/healthz")).rejects.toThrow();
  });
});

describe("token", () => {
  it("with a token every API call needs it, except /healthz and /readyz", async () => {
    const h = await open(mixedDir, { token: "s3cret" });
    for (const path of ["/functions", "/metrics", "/runs/x", "/functions/echo/runs"]) {
      const response = await h.call(path, { token: null });
      expect(response.status, path).toBe(401);
      expect((await errorOf(response)).code).toBe("ERR_UNAUTHORIZED");
    }
    expect((await h.call("/execute", { json: { function: "echo" }, token: null })).status).toBe(401);
    expect((await h.call("/execute", { json: { function: "echo" }, token: "wrong" })).status).toBe(401);
    expect((await h.call("/execute", { json: { function: "echo" } })).status).toBe(202);
    expect((await h.call("/metrics")).status).toBe(200);
    expect((await h.call("/healthz", { token: null })).status).toBe(200);
    expect((await h.call("/readyz", { token: null })).status).toBe(200);
  });

  it("without a token the API is open", async () => {
    const h = await open(mixedDir);
    expect((await h.call("/functions", { token: null })).status).toBe(200);
    expect((await h.call("/execute", { json: { function: "echo" }, token: null })).status).toBe(202);
  });
});
