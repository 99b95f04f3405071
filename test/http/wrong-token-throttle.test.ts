// Every wrong token counts against its address, on both servers: after 10 in a minute the address
// gets 429, a right token included, until the minute is over. On the GUI port, wrong Bearer tokens
// and wrong sign-ins count together.
import { afterEach, describe, expect, inject, it } from "vitest";
import { openServers, send } from "./http-servers.ts";
import type { Servers } from "./http-servers.ts";

const TOKEN = "correct-horse-battery-staple";
let servers: Servers | undefined;
afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("wrong-token throttle", () => {
  it("answers 429 to the 11th wrong Bearer token on the chronomaster, then to the right one and to sign-in", async () => {
    servers = await openServers(inject("redisUrl"), { token: TOKEN });
    const gui = servers.chronomaster.url;
    for (let i = 1; i <= 10; i++) expect(await send(`${gui}/api/state`, { headers: bearer(`wrong${i}`) }), `try ${i}`).toMatchObject({ status: 401, code: "ERR_UNAUTHORIZED" });
    expect(await send(`${gui}/api/state`, { headers: bearer("wrong11") })).toMatchObject({ status: 429, code: "ERR_TOO_MANY_ATTEMPTS" });
    expect(await send(`${gui}/api/state`, { headers: bearer(TOKEN) })).toMatchObject({ status: 429 });
    const signIn = await send(`${gui}/api/session`, { method: "POST", headers: { "content-type": "application/json", "x-skywalker-csrf": "1" }, body: JSON.stringify({ token: TOKEN }) });
    expect(signIn).toMatchObject({ status: 429, code: "ERR_TOO_MANY_ATTEMPTS" });
    // the proxy counts its own
    expect((await send(`${servers.proxy.url}/functions`, { headers: bearer(TOKEN) })).status).toBe(200);
  });

  it("answers 429 to the 11th wrong Bearer token on the proxy", async () => {
    servers = await openServers(inject("redisUrl"), { token: TOKEN });
    const proxy = servers.proxy.url;
    for (let i = 1; i <= 10; i++) expect(await send(`${proxy}/runs/some-id`, { headers: bearer(`wrong${i}`) }), `try ${i}`).toMatchObject({ status: 401 });
    expect(await send(`${proxy}/execute`, { method: "POST", headers: { ...bearer("wrong11"), "content-type": "application/json" }, body: JSON.stringify({ function: "echo" }) })).toMatchObject({ status: 429, code: "ERR_TOO_MANY_ATTEMPTS" });
    expect(await send(`${proxy}/functions`, { headers: bearer(TOKEN) })).toMatchObject({ status: 429 });
    // probes stay open
    expect((await send(`${proxy}/healthz`)).status).toBe(200);
  });
});
