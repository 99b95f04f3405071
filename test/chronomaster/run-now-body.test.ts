// "Run now" takes its args only as JSON: a body of another content type (or none named) is refused
// with 415 instead of being dropped while the run goes ahead with the config's args.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openServers, send } from "../http/http-servers.ts";
import type { Servers } from "../http/http-servers.ts";

let s: Servers;
beforeAll(async () => {
  s = await openServers(inject("redisUrl"));
});
afterAll(async () => {
  await s.close();
});

const body = JSON.stringify({ args: { gui: 1 } });
const runNow = (headers: Record<string, string>, text?: string) => send(`${s.chronomaster.url}/api/functions/echo/run`, { method: "POST", headers, ...(text === undefined ? {} : { body: text }) });

describe("POST /api/functions/:name/run: the body", () => {
  it("refuses a body that is not typed as JSON with 415 naming the expected content type, and starts no run", async () => {
    const before = (await s.proxy.store.history("echo")).length;
    const plain = await runNow({ "content-type": "text/plain" }, body);
    expect(plain).toMatchObject({ status: 415, code: "ERR_UNSUPPORTED_MEDIA_TYPE" });
    expect(plain.body).toContain("Content-Type: application/json");
    expect(plain.body).toContain("text/plain");
    const untyped = await runNow({}, body);
    expect(untyped).toMatchObject({ status: 415, code: "ERR_UNSUPPORTED_MEDIA_TYPE" });
    expect(untyped.body).toContain("no content type");
    expect((await s.proxy.store.history("echo")).length).toBe(before);
  });

  it("runs with the JSON body's args, and with the config's when there is no body", async () => {
    const typed = await runNow({ "content-type": "application/json" }, body);
    expect(typed.status).toBe(202);
    const { id } = JSON.parse(typed.body) as { id: string };
    await s.proxy.startExecutor();
    expect((await s.proxy.waitFor(id)).result).toMatchObject({ args: { gui: 1 } });
    const bare = await runNow({});
    expect(bare.status).toBe(202);
  });
});
