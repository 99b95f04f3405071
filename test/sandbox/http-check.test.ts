// The monitoring example end to end: real HTTP servers on loopback play the checked service, the
// Slack webhook and PagerDuty; the check alerts when the service goes down and when it recovers,
// not on every run.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import type { LoadedFunction } from "../../src/functions/types.ts";
import type { RunRecord } from "../../src/run-record.ts";
import { runFunction } from "../../src/runtime/run-function.ts";
import { SandboxPool } from "../../src/sandbox-host/sandbox-pool.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
let healthy = true;
const received: { slack: string[]; pagerduty: { event_action: string; dedup_key: string; routing_key: string }[] } = { slack: [], pagerduty: [] };
let server: Server;
let base: string;
let dir: string;
let fn: LoadedFunction;
let pool: SandboxPool;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (req.url === "/service") return void (healthy ? res.end("all systems go") : res.writeHead(503).end("down"));
      if (req.url === "/slack") received.slack.push((JSON.parse(body) as { text: string }).text);
      if (req.url === "/pagerduty") received.pagerduty.push(JSON.parse(body) as (typeof received.pagerduty)[number]);
      res.writeHead(202, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), "skywalker-http-check-"));
  await cp(join(repo, "functions/http-check"), join(dir, "http-check"), { recursive: true });
  await cp(join(repo, "functions/lib"), join(dir, "lib"), { recursive: true });
  const config = JSON.parse(await readFile(join(dir, "http-check/config.json"), "utf8")) as { allow: { net: string[] } };
  config.allow.net.push("127.0.0.1"); // the loopback servers of this test, explicitly allowed
  await writeFile(join(dir, "http-check/config.json"), JSON.stringify(config));
  process.env.SLACK_WEBHOOK_URL = `${base}/slack`;
  process.env.PAGERDUTY_ROUTING_KEY = "routing-key-0123456789";
  const catalog = await loadFunctions(dir);
  expect(catalog.errors).toEqual([]);
  fn = catalog.functions.get("http-check")!;
  pool = new SandboxPool({ logger: pino({ level: "silent" }) });
});

afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
  delete process.env.SLACK_WEBHOOK_URL;
  delete process.env.PAGERDUTY_ROUTING_KEY;
});

const check = (): Promise<RunRecord> =>
  runFunction(fn, { args: { targets: [{ name: "api", url: `${base}/service`, bodyMatch: "systems go" }], pagerdutyUrl: `${base}/pagerduty` } }, { pool, logger: pino({ level: "silent" }), checkActive: () => Promise.reject(new Error("unused")) });

describe("http-check", () => {
  it("alerts once when a target goes down, stays quiet while it is down, and resolves once when it recovers", async () => {
    const up = await check();
    expect(up.result).toMatchObject({ down: [], targets: [{ name: "api", up: true, alert: "none" }] });
    expect(received).toEqual({ slack: [], pagerduty: [] });

    healthy = false;
    const down = await check();
    expect(down.status).toBe("succeeded");
    expect(down.result).toMatchObject({ down: ["api"], targets: [{ up: false, reason: "HTTP 503, expected 200", alert: "triggered" }] });
    expect(received.pagerduty).toEqual([{ routing_key: "routing-key-0123456789", event_action: "trigger", dedup_key: "http-check:api", payload: { summary: "api is down: HTTP 503, expected 200", source: `${base}/service`, severity: "error" } }]);
    expect(received.slack).toEqual([`:red_circle: api is down: HTTP 503, expected 200 (${base}/service)`]);

    const stillDown = await check();
    expect(stillDown.result).toMatchObject({ targets: [{ up: false, alert: "none" }] });
    expect(received.pagerduty).toHaveLength(1);
    expect(received.slack).toHaveLength(1);

    healthy = true;
    const recovered = await check();
    expect(recovered.result).toMatchObject({ targets: [{ up: true, alert: "resolved" }] });
    expect(received.pagerduty.map((event) => [event.event_action, event.dedup_key])).toEqual([
      ["trigger", "http-check:api"],
      ["resolve", "http-check:api"],
    ]);
    expect(received.slack[1]).toBe(`:large_green_circle: api recovered (${base}/service)`);
    // the routing key was used, and is nowhere in what the runs left behind
    expect(JSON.stringify([up, down, stillDown, recovered])).not.toContain("routing-key-0123456789");
  });
});
