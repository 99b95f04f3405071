// The chronomaster against a real proxy and Redis: ticks on time, once per tick across replicas,
// and the operator's controls (stop, start, disable, reload) shared through Redis.
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import { ChronomasterServer } from "../../src/chronomaster/chronomaster-server.ts";
import { phaseOf } from "../../src/chronomaster/tick-clock.ts";
import type { RunRecord } from "../../src/run-record.ts";
import { startChronomaster as startChronomasterFor } from "../helpers/chronomaster-harness.ts";
import { openProxyHarness } from "../proxy/proxy-harness.ts";
import type { ProxyHarness } from "../proxy/proxy-harness.ts";

const fixtures = fileURLToPath(new URL("../fixtures/schedule-functions", import.meta.url));
let harness: ProxyHarness | undefined;
const chronomasters: ChronomasterServer[] = [];
const temps: string[] = [];

afterEach(async () => {
  await Promise.all(chronomasters.splice(0).map((c) => c.stop()));
  await harness?.close();
  harness = undefined;
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function setup(functionsDir = fixtures, token?: string): Promise<ProxyHarness> {
  harness = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir, settings: { environment: "test", ...(token ? { token } : {}) } });
  return harness;
}

async function startChronomaster(h: ProxyHarness, functionsDir = fixtures, proxyUrl = h.url, environment = h.settings.environment): Promise<ChronomasterServer> {
  const server = await startChronomasterFor(h, { functionsDir, proxyUrl, environment });
  chronomasters.push(server);
  return server;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const scheduled = async (h: ProxyHarness, name: string): Promise<RunRecord[]> => (await h.store.history(name)).filter((run) => run.scheduledAt !== null).reverse();

async function api(server: ChronomasterServer, path: string, init: RequestInit = {}, token?: string): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
  return fetch(`${server.url}${path}`, { ...init, headers });
}

describe("chronomaster", () => {
  it("fires an @every 1s schedule each second, at the function's offset, and only this environment's enabled entries", async () => {
    const h = await setup();
    await startChronomaster(h);
    await sleep(3300);
    const ticks = await scheduled(h, "ticker");
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const times = ticks.map((run) => Date.parse(run.scheduledAt!));
    for (const time of times) expect(time % 1000).toBe(phaseOf("ticker", 1000));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
    expect(await scheduled(h, "elsewhere")).toEqual([]);
    expect(await scheduled(h, "switched-off")).toEqual([]);
    const cron = await scheduled(h, "cron-ticker");
    expect(cron.length).toBeGreaterThanOrEqual(2);
    for (const run of cron) expect(Date.parse(run.scheduledAt!) % 1000).toBe(0);
  });

  it("starts exactly one run per tick with two chronomaster replicas", async () => {
    const h = await setup();
    await Promise.all([startChronomaster(h), startChronomaster(h)]);
    await sleep(3300);
    const ticks = await scheduled(h, "ticker");
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const due = ticks.map((run) => run.scheduledAt);
    expect(new Set(due).size).toBe(due.length);
    const metric = (await h.metrics.ticks.get()).values.find((value) => value.labels.function === "ticker");
    expect(metric?.value).toBeGreaterThanOrEqual(2 * ticks.length - 2); // both replicas fired every tick
  });

  it("has one leader per environment: replicas of another environment send their own ticks", async () => {
    const h = await setup();
    const here = await startChronomaster(h);
    const elsewhere = await startChronomaster(h, fixtures, h.url, "staging");
    expect([here.chronomaster.isLeader, elsewhere.chronomaster.isLeader]).toEqual([true, true]);
  });

  it("lets one replica send the ticks; when it stops, another takes over without losing a tick", async () => {
    const h = await setup();
    const first = await startChronomaster(h);
    const second = await startChronomaster(h);
    expect([first.chronomaster.isLeader, second.chronomaster.isLeader]).toEqual([true, false]);
    await sleep(1500);
    await first.stop();
    chronomasters.splice(chronomasters.indexOf(first), 1);
    const stoppedAt = Date.now();
    await sleep(3300);
    expect(second.chronomaster.isLeader).toBe(true);
    const due = (await scheduled(h, "ticker")).map((run) => Date.parse(run.scheduledAt!));
    expect(new Set(due).size).toBe(due.length);
    // every second from the first tick to the last has its run, across the handover
    for (let at = due[0]!; at <= due.at(-1)!; at += 1000) expect(due).toContain(at);
    expect(due.at(-1)!).toBeGreaterThan(stoppedAt + 1000);
  });

  it("does not lose a tick to a leader that cannot reach the proxy: a standby sends it, late", async () => {
    const h = await setup();
    const leader = await startChronomaster(h, fixtures, "http://127.0.0.1:9");
    await startChronomaster(h);
    expect(leader.chronomaster.isLeader).toBe(true);
    const startedAt = Date.now();
    await sleep(4500);
    const runs = (await scheduled(h, "ticker")).filter((run) => Date.parse(run.scheduledAt!) > startedAt);
    const due = runs.map((run) => Date.parse(run.scheduledAt!));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (let at = due[0]!; at <= due.at(-1)!; at += 1000) expect(due).toContain(at);
    for (const run of runs) expect(Date.parse(run.queuedAt!) - Date.parse(run.scheduledAt!)).toBeGreaterThanOrEqual(1400);
  });

  it("stop pauses firing on every replica, start resumes", async () => {
    const h = await setup();
    const [a, b] = await Promise.all([startChronomaster(h), startChronomaster(h)]);
    expect((await (await api(a!, "/api/stop", { method: "POST" })).json()) as unknown).toEqual({ state: "stopped" });
    await sleep(300); // the control message reaches the other replica
    const before = (await scheduled(h, "ticker")).length;
    await sleep(2200);
    expect((await scheduled(h, "ticker")).length).toBe(before);
    expect(((await (await api(b!, "/api/state")).json()) as { state: string }).state).toBe("stopped");
    await api(b!, "/api/start", { method: "POST" });
    await sleep(2200);
    expect((await scheduled(h, "ticker")).length).toBeGreaterThan(before);
    expect(((await (await api(a!, "/api/state")).json()) as { state: string }).state).toBe("running");
  });

  it("disables one function only, and says so in the state", async () => {
    const h = await setup();
    const server = await startChronomaster(h);
    const answer = await api(server, "/api/functions/ticker/disable", { method: "POST" });
    expect(await answer.json()).toEqual({ name: "ticker", disabledByOperator: true });
    const before = (await scheduled(h, "ticker")).length;
    const cronBefore = (await scheduled(h, "cron-ticker")).length;
    await sleep(2200);
    expect((await scheduled(h, "ticker")).length).toBe(before);
    expect((await scheduled(h, "cron-ticker")).length).toBeGreaterThan(cronBefore);
    const state = (await (await api(server, "/api/state")).json()) as { functions: { name: string; disabledByOperator: boolean }[] };
    expect(state.functions.find((fn) => fn.name === "ticker")?.disabledByOperator).toBe(true);
    expect((await api(server, "/api/functions/nope/disable", { method: "POST" })).status).toBe(404);
  });

  it("reload picks up a new function and reports a broken one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "skywalker-reload-"));
    temps.push(dir);
    await cp(join(fixtures, "elsewhere"), join(dir, "elsewhere"), { recursive: true });
    const h = await setup(dir);
    const server = await startChronomaster(h, dir);
    await cp(join(fixtures, "ticker"), join(dir, "ticker"), { recursive: true });
    await cp(join(fixtures, "elsewhere"), join(dir, "broken"), { recursive: true });
    await writeFile(join(dir, "broken/config.json"), JSON.stringify({ name: "broken", executor: "default", handler: "elsewhere.main", schedule: [{ environment: "test", cron: "every 6h" }] }));
    const reload = (await (await api(server, "/api/reload", { method: "POST" })).json()) as { changed: string[]; errors: { name: string; message: string }[] };
    expect(reload.changed.sort()).toEqual(["broken", "ticker"]);
    expect(reload.errors[0]?.message).toContain('schedule[0].cron: "every 6h" is not a schedule');
    await h.registry.reload(); // the proxy of this test shares the process; in a deployment it hears the reload message
    await sleep(2200);
    expect((await scheduled(h, "ticker")).length).toBeGreaterThanOrEqual(1);
    const state = (await (await api(server, "/api/state")).json()) as { errors: { name: string }[] };
    expect(state.errors.map((error) => error.name)).toEqual(["broken"]);
  });

  it("answers the state shape, runs a function now, and requires the token when one is set", async () => {
    const h = await setup(fixtures, "s3cret");
    const server = await startChronomaster(h);
    expect((await api(server, "/api/state")).status).toBe(401);
    expect((await api(server, "/api/stop", { method: "POST" })).status).toBe(401);
    expect((await api(server, "/healthz")).status).toBe(200);
    expect((await api(server, "/metrics")).status).toBe(401);
    expect(await (await api(server, "/metrics", {}, "s3cret")).text()).toContain("skywalker_schedule_lateness_seconds");
    const state = (await (await api(server, "/api/state", {}, "s3cret")).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ state: "running", environment: "test", redis: "up", executors: [], errors: [] });
    const ticker = (state.functions as { name: string; schedules: { cron: string; nextFireAt: string }[]; kind: string }[]).find((fn) => fn.name === "ticker");
    expect(ticker).toMatchObject({ kind: "default", schedules: [{ cron: "@every 1s", timezone: null }] });
    expect(Date.parse(ticker!.schedules[0]!.nextFireAt) % 1000).toBe(phaseOf("ticker", 1000));
    const run = await api(server, "/api/functions/elsewhere/run", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args: { from: "gui" } }) }, "s3cret");
    expect(run.status).toBe(202);
    const { id } = (await run.json()) as { id: string };
    expect((await h.store.get(id))?.function).toBe("elsewhere");
  });
});
