// The endpoints the GUI added to the chronomaster, through real HTTP against a real service: the
// fleet, the live stream, bad input named in JSON errors, cross-site writes refused, and the GUI's
// files served with a strict content security policy and nothing from elsewhere.
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import { echo, openGuiHarness, ticking } from "./gui-harness.ts";
import type { GuiHarness } from "./gui-harness.ts";

const GUI_DIR = fileURLToPath(new URL("../../src/chronomaster/gui/", import.meta.url));
let harness: GuiHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const open = async () => {
  harness = await openGuiHarness({
    redisUrl: inject("redisUrl"),
    functions: {
      echo,
      ticker: ticking("ticker"),
      typo: { config: { name: "typo", executor: "default", handler: "typo.main", schedul: [] }, code: "export const main = () => 1;" },
    },
  });
  return harness;
};

async function post(url: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; error?: { code: string; message: string } }> {
  const answer = await fetch(url, { method: "POST", headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }, ...(body === undefined ? {} : { body }) });
  const json = (await answer.json()) as { error?: { code: string; message: string } };
  return { status: answer.status, ...(json.error ? { error: json.error } : {}) };
}

/** Reads server-sent events until `until` says stop. */
async function readEvents(url: string, until: (states: Array<{ state: string }>) => boolean, onFirst?: () => Promise<void>): Promise<{ contentType: string | null; states: Array<{ state: string }> }> {
  const controller = new AbortController();
  const answer = await fetch(url, { signal: controller.signal });
  const reader = answer.body!.pipeThrough(new TextDecoderStream()).getReader();
  const states: Array<{ state: string }> = [];
  let buffer = "";
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    while (!until(states)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^event: state\ndata: (.*)$/m.exec(frame);
        if (data) {
          states.push(JSON.parse(data[1]!) as { state: string });
          if (states.length === 1) await onFirst?.();
        }
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { contentType: answer.headers.get("content-type"), states };
}

describe("chronomaster API for the GUI", () => {
  it("answers the fleet and queue counts, in /api/fleet and in /api/state", async () => {
    const h = await open();
    const fleet = (await (await fetch(`${h.url}/api/fleet`)).json()) as { executors: Array<{ id: string; concurrency: number; runsInFlight: number }>; queue: Record<string, number> };
    expect(fleet.executors).toHaveLength(1);
    expect(fleet.executors[0]).toMatchObject({ concurrency: h.settings.concurrency, runsInFlight: expect.any(Number) });
    expect(Object.keys(fleet.queue).sort()).toEqual(["active", "delayed", "failed", "waiting"]);
    for (const count of Object.values(fleet.queue)) expect(count).toBeGreaterThanOrEqual(0);

    const state = (await (await fetch(`${h.url}/api/state`)).json()) as Record<string, unknown> & { functions: Array<Record<string, unknown>> };
    expect(state).toMatchObject({ redis: "up", queue: fleet.queue === null ? null : expect.any(Object), serverTime: expect.any(String) });
    expect(state.functions.find((fn) => fn.name === "ticker")).toMatchObject({ environmentSchedule: [{ cron: "@every 1s", cronEnabled: true, timezone: null }], recent: expect.any(Array) });
  });

  it("streams the state as server-sent events, at once after a control action", async () => {
    const h = await open();
    const { contentType, states } = await readEvents(
      `${h.url}/api/events`,
      (seen) => seen.some((state) => state.state === "stopped"),
      async () => void (await post(`${h.url}/api/stop`)),
    );
    expect(contentType).toMatch(/^text\/event-stream/);
    expect(states[0]?.state).toBe("running");
    expect(states.at(-1)?.state).toBe("stopped");
  });

  it("names what was wrong with bad input in a JSON error", async () => {
    const h = await open();
    const api = `${h.url}/api`;
    expect(await post(`${api}/functions/echo/run`, '{"arg": {}}')).toMatchObject({ status: 400, error: { code: "ERR_BAD_REQUEST", message: expect.stringContaining("arg") } });
    expect(await post(`${api}/functions/echo/run`, "[1]")).toMatchObject({ status: 400, error: { code: "ERR_BAD_REQUEST" } });
    expect(await post(`${api}/functions/echo/run`, '{"args": "x"}')).toMatchObject({ status: 400, error: { message: expect.stringContaining("args") } });
    expect(await post(`${api}/functions/echo/run`, "{oops")).toMatchObject({ status: 400, error: { code: "ERR_BAD_JSON" } });
    expect(await post(`${api}/functions/nope/run`, "{}")).toMatchObject({ status: 404, error: { code: "ERR_FUNCTION_NOT_FOUND" } });
    expect(await post(`${api}/functions/typo/disable`)).toMatchObject({ status: 422, error: { code: "ERR_CONFIG_INVALID", message: expect.stringContaining("schedul") } });
    expect(await post(`${api}/functions/echo/explode`)).toMatchObject({ status: 404, error: { message: expect.stringContaining("use enable, disable or run") } });
    const limit = await fetch(`${api}/functions/echo/runs?limit=zero`);
    expect(limit.status).toBe(400);
    expect(((await limit.json()) as { error: { message: string } }).error.message).toContain("query.limit");
    expect(await post(`${api}/session`, "{}", { "x-skywalker-csrf": "1" })).toMatchObject({ status: 400, error: { message: "body.token: required" } });
    expect(await post(`${api}/session`, '{"token": 5}', { "x-skywalker-csrf": "1" })).toMatchObject({ status: 400, error: { message: "body.token: expected a string" } });
    expect(await post(`${api}/session`, '{"token": "x"}')).toMatchObject({ status: 403, error: { code: "ERR_CROSS_SITE" } });
    expect(await (await fetch(`${api}/session`)).json()).toEqual({ required: false, signedIn: true });
  });

  it("refuses writes from another origin even without a token; scripts without an Origin still work", async () => {
    const h = await open();
    expect(await post(`${h.url}/api/stop`, undefined, { origin: "http://evil.example" })).toMatchObject({ status: 403, error: { code: "ERR_CROSS_SITE" } });
    expect(((await (await fetch(`${h.url}/api/state`)).json()) as { state: string }).state).toBe("running");
    expect((await post(`${h.url}/api/stop`, undefined, { origin: h.url })).status).toBe(200);
    expect((await post(`${h.url}/api/start`)).status).toBe(200);
  });

  it("serves the GUI's own files under a strict content security policy, with nothing from elsewhere", async () => {
    const h = await open();
    const page = await fetch(`${h.url}/`);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(await page.text()).toContain('<script type="module" src="/gui/app.js">');
    expect((await fetch(`${h.url}/gui/app.js`)).headers.get("content-type")).toMatch(/javascript/);
    for (const path of ["/gui/nope.js", "/gui/tsconfig.json", "/gui/index.html", "/gui/../chronomaster.ts"]) {
      const missing = await fetch(`${h.url}${path}`);
      expect(missing.status, path).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("ERR_NOT_FOUND");
    }
    for (const file of await readdir(GUI_DIR)) {
      const text = await readFile(`${GUI_DIR}${file}`, "utf8");
      expect(text, file).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|@import|fonts\.googleapis|cdn\./i);
    }
  });
});
