// What a function may ask of the host, and nothing more: fetch within its allowlist (real HTTP
// servers on loopback play the outside world), secrets that never show up in what a run leaves
// behind, and state that survives between runs.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonValue } from "../../sandbox/contract.ts";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import type { FunctionCatalog } from "../../src/functions/types.ts";
import type { RunRecord } from "../../src/run-record.ts";
import { runFunction } from "../../src/runtime/run-function.ts";
import { SandboxPool } from "../../src/sandbox-host/sandbox-pool.ts";

let dir: string;
let server: Server;
let base: string;
/** The same server on a second port: another origin, on the same allowed address. */
let other: Server;
let otherBase: string;
let catalog: FunctionCatalog;
let pool: SandboxPool;

const handler = `export async function main(args, ctx) {
  const response = await fetch(args.url, args.init);
  return { status: response.status, ok: response.ok, redirected: response.redirected, url: response.url, type: response.headers.get("content-type"), body: await response.text() };
}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/json") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hello: "world", method: req.method }));
    if (url.pathname === "/redirect-ok") return void res.writeHead(302, { location: "/json" }).end();
    if (url.pathname === "/redirect-away") return void res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    if (url.pathname === "/slow") return void setTimeout(() => res.end("late"), 5000);
    if (url.pathname === "/headers") return void res.end(JSON.stringify({ host: req.headers.host, authorization: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null, keep: req.headers["x-keep"] ?? null }));
    if (url.pathname === "/redirect-same") return void res.writeHead(302, { location: "/headers" }).end();
    if (url.pathname === "/redirect-other-origin") return void res.writeHead(302, { location: `${otherBase}/headers` }).end();
    if (url.pathname === "/big") return void res.end("x".repeat(200_000));
    if (url.pathname === "/echo") {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => res.writeHead(201, { "content-type": "text/plain" }).end(`${req.headers["x-check"]}:${body}`));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  other = createServer((req, res) => server.emit("request", req, res));
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;

  dir = await mkdtemp(join(tmpdir(), "skywalker-capabilities-"));
  const fn = async (name: string, config: Record<string, unknown>, code = handler) => {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, "config.json"), JSON.stringify({ name, executor: "default", handler: `${name}.main`, ...config }));
    await writeFile(join(dir, name, `${name}.js`), code);
  };
  await fn("allowed", { allow: { net: ["127.0.0.1"] }, limits: { maxResponseBytes: 100_000, maxRequests: 3 } });
  await fn("by-name", { allow: { net: ["localhost"] } });
  await fn("other-host", { allow: { net: ["api.example.com"] } });
  await fn("slow", { allow: { net: ["127.0.0.1"] }, limits: { timeoutMs: 500 } });
  await fn("chatty", { allow: { net: ["127.0.0.1"] }, limits: { maxRequests: 3 } }, "export async function main(args) { for (let i = 0; i < 4; i++) await fetch(args.url); return 'done'; }");
  await fn("secretive", { secrets: ["CAPS_TEST_TOKEN"] }, "export function main(args, ctx) { console.log('token is', ctx.secrets.CAPS_TEST_TOKEN); return { echoed: ctx.secrets.CAPS_TEST_TOKEN, names: Object.keys(ctx.secrets) }; }");
  await fn("missing-secret", { secrets: ["CAPS_TEST_NOT_SET"] }, "export function main() { return 1; }");
  await fn("stateful", {}, "export async function main(args, ctx) { const last = await ctx.state.get('last'); await ctx.state.set('last', args.seen); if (args.forget) await ctx.state.delete('last'); return { last }; }");
  await fn("greedy-state", {}, "export async function main(args, ctx) { await ctx.state.set('big', 'x'.repeat(70000)); }");
  process.env.CAPS_TEST_TOKEN = "s3cr3t-t0ken-value";
  catalog = await loadFunctions(dir);
  expect(catalog.errors).toEqual([]);
  pool = new SandboxPool({ logger: pino({ level: "silent" }) });
});

afterAll(async () => {
  await pool.close();
  for (const each of [server, other]) {
    each.closeAllConnections();
    await new Promise((resolve) => each.close(resolve));
  }
  await rm(dir, { recursive: true, force: true });
  delete process.env.CAPS_TEST_TOKEN;
});

const run = (name: string, args?: JsonValue): Promise<RunRecord> =>
  runFunction(catalog.functions.get(name)!, args === undefined ? {} : { args }, { pool, logger: pino({ level: "silent" }), checkActive: () => Promise.reject(new Error("unused")) });

describe("fetch", () => {
  it("reaches an allowed destination, with method, headers, body and JSON", async () => {
    const record = await run("allowed", { url: `${base}/json` });
    expect(record.status).toBe("succeeded");
    expect(record.result).toMatchObject({ status: 200, ok: true, type: "application/json", body: '{"hello":"world","method":"GET"}' });
    const posted = await run("allowed", { url: `${base}/echo`, init: { method: "POST", headers: { "X-Check": "yes" }, body: "ping" } });
    expect(posted.result).toMatchObject({ status: 201, body: "yes:ping" });
  });

  it("refuses a host the allowlist does not name", async () => {
    const record = await run("other-host", { url: `${base}/json` });
    expect(record.error).toMatchObject({ code: "ERR_HANDLER_THREW", name: "TypeError" });
    expect(record.error?.message).toBe(`fetch to 127.0.0.1:${new URL(base).port} is not allowed: add it to "allow.net" in the function's config.json`);
  });

  it("refuses a name that resolves to a private address unless that address is allowed", async () => {
    const record = await run("by-name", { url: `http://localhost:${new URL(base).port}/json` });
    expect(record.error?.message).toMatch(/fetch to localhost is not allowed: it resolves to (127\.0\.0\.1|::1), a private, loopback or link-local address/);
  });

  it("follows an allowed redirect and refuses one that leaves the allowlist", async () => {
    const followed = await run("allowed", { url: `${base}/redirect-ok` });
    expect(followed.result).toMatchObject({ status: 200, redirected: true, url: `${base}/json` });
    const away = await run("allowed", { url: `${base}/redirect-away` });
    expect(away.error?.message).toBe('fetch to 169.254.169.254:80 is not allowed: add it to "allow.net" in the function\'s config.json');
  });

  it("sets the Host header itself, whatever the function asks", async () => {
    const record = await run("allowed", { url: `${base}/headers`, init: { headers: { Host: "internal.example", "X-Keep": "k" } } });
    expect(JSON.parse((record.result as { body: string }).body)).toMatchObject({ host: new URL(base).host, keep: "k" });
  });

  it("keeps credentials on a redirect within the origin and drops them on one to another origin", async () => {
    const init = { headers: { Authorization: "Bearer t0ken", Cookie: "session=1", "X-Keep": "k" } };
    const same = await run("allowed", { url: `${base}/redirect-same`, init });
    expect(JSON.parse((same.result as { body: string }).body)).toEqual({ host: new URL(base).host, authorization: "Bearer t0ken", cookie: "session=1", keep: "k" });
    const away = await run("allowed", { url: `${base}/redirect-other-origin`, init });
    expect(JSON.parse((away.result as { body: string }).body)).toEqual({ host: new URL(otherBase).host, authorization: null, cookie: null, keep: "k" });
  });

  it("lets the run's deadline cut a slow response", async () => {
    const record = await run("slow", { url: `${base}/slow` });
    expect(record.error?.code).toBe("ERR_TIMEOUT");
    expect(record.durationMs).toBeLessThan(2000);
  });

  it("cuts a response over maxResponseBytes with an error", async () => {
    const record = await run("allowed", { url: `${base}/big` });
    expect(record.error?.message).toBe(`fetch: the response from ${base} is over 100000 bytes (limits.maxResponseBytes)`);
  });

  it("bounds the requests of one run", async () => {
    const record = await run("chatty", { url: `${base}/json` });
    expect(record.error?.message).toBe("fetch: more than 3 requests in one run (limits.maxRequests)");
  });
});

describe("secrets", () => {
  it("are usable as ctx.secrets but redacted from logs and results", async () => {
    const record = await run("secretive");
    expect(record.status).toBe("succeeded");
    expect(record.result).toEqual({ echoed: "[redacted:CAPS_TEST_TOKEN]", names: ["CAPS_TEST_TOKEN"] });
    expect(record.logs.map((entry) => entry.msg)).toEqual(["token is [redacted:CAPS_TEST_TOKEN]"]);
    expect(JSON.stringify(record)).not.toContain("s3cr3t-t0ken-value");
  });

  it("fail the run, naming the secret, when one is not set", async () => {
    const record = await run("missing-secret");
    expect(record.error).toMatchObject({ code: "ERR_SECRET_MISSING" });
    expect(record.error?.message).toContain("secrets CAPS_TEST_NOT_SET of missing-secret are not set");
  });
});

describe("state", () => {
  it("survives between runs, and can be deleted", async () => {
    expect((await run("stateful", { seen: "first" })).result).toEqual({ last: null });
    expect((await run("stateful", { seen: "second" })).result).toEqual({ last: "first" });
    expect((await run("stateful", { seen: "third", forget: true })).result).toEqual({ last: "second" });
    expect((await run("stateful", { seen: "fourth" })).result).toEqual({ last: null });
  });

  it("is bounded, with a clear error beyond", async () => {
    const record = await run("greedy-state");
    expect(record.error?.message).toMatch(/ctx\.state: the value of "big" is \d+ bytes of JSON, over the limit of 65536/);
  });
});
