// Without a token, pages of other sites cannot use the APIs through the browser: a DNS-rebinding
// page (its own domain pointed at the server) is refused by its Host header, and a write the
// browser marks as cross-site by Sec-Fetch-Site or Origin. Clients that are not browsers (curl,
// the chronomaster posting to the proxy by a Service name) keep working.
import { afterEach, describe, expect, inject, it } from "vitest";
import { settingsFromEnv } from "../../src/settings.ts";
import { openServers, send } from "./http-servers.ts";
import type { Servers } from "./http-servers.ts";

let servers: Servers | undefined;
afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

async function open(...args: Parameters<typeof openServers> extends [unknown, ...infer Rest] ? Rest : never): Promise<Servers> {
  servers = await openServers(inject("redisUrl"), ...args);
  return servers;
}

const json = { "content-type": "application/json" };
const echo = JSON.stringify({ function: "echo" });

describe("without a token: browser requests from other sites", () => {
  it("refuses a DNS-rebinding page on the GUI port, which names its own domain as Host and Origin", async () => {
    const s = await open();
    const gui = s.chronomaster.url;
    const port = s.chronomaster.port;
    const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    const stop = await send(`${gui}/api/stop`, { method: "POST", headers: { ...rebound, "x-skywalker-csrf": "1" } });
    expect(stop).toMatchObject({ status: 403, code: "ERR_HOST_NOT_ALLOWED" });
    expect(stop.body).toContain("evil.example");
    expect(stop.body).toContain("SKYWALKER_ALLOWED_HOSTS");
    // reads too: a same-origin GET carries no Origin, and browsers send no Sec-Fetch-* to a plain-HTTP domain
    expect(await send(`${gui}/api/state`, { headers: { host: rebound.host } })).toMatchObject({ status: 403, code: "ERR_HOST_NOT_ALLOWED" });
    expect(await send(`${gui}/`, { headers: { host: rebound.host } })).toMatchObject({ status: 403 });
    expect(await send(`${s.proxy.url}/execute?function=echo`, { headers: { host: `evil.example:${s.proxy.proxy.port}` } })).toMatchObject({ status: 403, code: "ERR_HOST_NOT_ALLOWED" });
    const state = (await (await fetch(`${gui}/api/state`)).json()) as { state: string };
    expect(state.state).toBe("running");
  });

  it("refuses writes another site's page makes to the proxy: a form POST, an image's GET /execute, a same-site page", async () => {
    const s = await open();
    const proxy = s.proxy.url;
    const before = (await s.proxy.store.history("echo")).length;
    // fetch(…, {mode: "no-cors", body: '{"function":"echo"}'}) with a form's content type: a CORS simple request
    const form = await send(`${proxy}/execute`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example", "sec-fetch-site": "cross-site" }, body: echo });
    expect(form).toMatchObject({ status: 403, code: "ERR_CROSS_SITE" });
    // an old browser that sends Origin but no Sec-Fetch-Site
    expect(await send(`${proxy}/execute`, { method: "POST", headers: { ...json, origin: "http://evil.example" }, body: echo })).toMatchObject({ status: 403, code: "ERR_CROSS_SITE" });
    expect(await send(`${proxy}/execute?function=echo`, { headers: { "sec-fetch-site": "cross-site", "sec-fetch-dest": "image" } })).toMatchObject({ status: 403, code: "ERR_CROSS_SITE" });
    expect(await send(`${proxy}/execute/batch`, { method: "POST", headers: { ...json, "sec-fetch-site": "same-site" }, body: JSON.stringify({ runs: [{ function: "echo" }] }) })).toMatchObject({ status: 403, code: "ERR_CROSS_SITE" });
    expect(await send(`${s.chronomaster.url}/api/functions/echo/run`, { method: "POST", headers: { ...json, "sec-fetch-site": "cross-site" }, body: "{}" })).toMatchObject({ status: 403, code: "ERR_CROSS_SITE" });
    expect((await s.proxy.store.history("echo")).length).toBe(before);
    // a cross-site read is not refused: the browser does not let the other page see the answer
    expect((await send(`${proxy}/functions`, { headers: { "sec-fetch-site": "cross-site" } })).status).toBe(200);
  });

  it("keeps clients that are not browsers working, the chronomaster posting by a Service name included, and the page's own writes", async () => {
    // the chronomaster reaches the proxy as http://localhost:<port>, a name and not an address
    const s = await open({}, "localhost");
    const proxy = s.proxy.url;
    const port = s.proxy.proxy.port;
    expect((await send(`${proxy}/execute`, { method: "POST", headers: json, body: echo })).status).toBe(202);
    // Node's fetch, as the chronomaster sends its ticks, adds `sec-fetch-mode: cors`; Kubernetes names the Service
    const tick = await send(`${proxy}/execute/batch`, { method: "POST", headers: { ...json, host: `skywalker-proxy:${port}`, "sec-fetch-mode": "cors" }, body: JSON.stringify({ runs: [{ function: "echo" }] }) });
    expect(tick.status).toBe(200);
    expect(await send(`${proxy}/functions`, { headers: { host: `10.42.0.7:${port}` } })).toMatchObject({ status: 200 });
    expect(await send(`${proxy}/functions`, { headers: { host: `[::1]:${port}` } })).toMatchObject({ status: 200 });
    const runNow = await fetch(`${s.chronomaster.url}/api/functions/echo/run`, { method: "POST", headers: json, body: "{}" });
    expect(runNow.status).toBe(202);
    // the GUI's own page: same origin
    const gui = s.chronomaster.url;
    const own = { origin: gui, "sec-fetch-site": "same-origin", "x-skywalker-csrf": "1" };
    expect((await send(`${gui}/api/stop`, { method: "POST", headers: own })).status).toBe(200);
    expect((await send(`${gui}/api/start`, { method: "POST", headers: { ...own, host: `localhost:${s.chronomaster.port}`, origin: `http://localhost:${s.chronomaster.port}` } })).status).toBe(200);
  });

  it("accepts the host names SKYWALKER_ALLOWED_HOSTS lists, and any Host once a token is set", async () => {
    const s = await open({ allowedHosts: ["skywalker.example.com"] });
    const port = s.proxy.proxy.port;
    expect((await send(`${s.proxy.url}/execute`, { method: "POST", headers: { ...json, host: `SkyWalker.example.com:${port}`, origin: `http://skywalker.example.com:${port}` }, body: echo })).status).toBe(202);
    expect(await send(`${s.proxy.url}/functions`, { headers: { host: `other.example.com:${port}` } })).toMatchObject({ status: 403, code: "ERR_HOST_NOT_ALLOWED" });
    await s.close();

    const token = "s3cret-token";
    const t = await open({ token });
    expect((await send(`${t.proxy.url}/functions`, { headers: { host: "evil.example", authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(await send(`${t.proxy.url}/functions`, { headers: { host: "evil.example" } })).toMatchObject({ status: 401 });
  });

  it("reads SKYWALKER_ALLOWED_HOSTS as host names, and refuses a URL there naming the variable", () => {
    expect(settingsFromEnv({ SKYWALKER_ALLOWED_HOSTS: " GUI.example.com , x.internal," }).allowedHosts).toEqual(["gui.example.com", "x.internal"]);
    expect(settingsFromEnv({}).allowedHosts).toEqual([]);
    expect(() => settingsFromEnv({ SKYWALKER_ALLOWED_HOSTS: "http://gui.example.com:5050" })).toThrow(/SKYWALKER_ALLOWED_HOSTS: expected host names/);
  });
});
