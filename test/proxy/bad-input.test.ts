import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openProxyHarness } from "./proxy-harness.ts";
import type { ProxyHarness } from "./proxy-harness.ts";

const functionsDir = fileURLToPath(new URL("../../functions", import.meta.url));
let h: ProxyHarness;

beforeAll(async () => {
  h = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir });
});
afterAll(async () => {
  await h.close();
});

function post(body: RequestInit["body"], contentType: string | undefined = "application/json", headers: Record<string, string> = {}) {
  return h.call("/execute", { method: "POST", body, headers: contentType === undefined ? headers : { "content-type": contentType, ...headers } });
}

async function expectError(response: Response, status: number, code: string, mention?: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  if (mention !== undefined) expect(body.error.message).toContain(mention);
}

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const nestedObject = (depth: number): unknown => (depth === 0 ? {} : { a: nestedObject(depth - 1) });

describe("bad input to /execute", () => {
  it("malformed JSON is a 400 ERR_BAD_JSON", async () => {
    await expectError(await post('{"function": '), 400, "ERR_BAD_JSON");
  });

  it("JSON that is not an object is a 400 saying so, not that it is not JSON", async () => {
    const cases: Array<[string, string]> = [
      ["null", "null"],
      ["42", "a number"],
      ['"hello-skywalker"', "a string"],
      ["[]", "a list"],
      ['[{"function":"hello-skywalker"}]', "a list"],
    ];
    for (const [body, got] of cases) await expectError(await post(body), 400, "ERR_BAD_REQUEST", `the request body is JSON but not an object (got ${got})`);
  });

  it("a body over 64 KiB is a 413", async () => {
    const big = JSON.stringify({ function: "hello-skywalker", args: { pad: "x".repeat(70 * 1024) } });
    await expectError(await post(big), 413, "ERR_BODY_TOO_LARGE");
  });

  it("schema violations are a 400 ERR_BAD_REQUEST naming the field", async () => {
    const cases: Array<[unknown, string]> = [
      [{}, "`function`"],
      [{ function: 42 }, "`function`"],
      [{ function: null }, "`function`"],
      [{ function: "" }, "`function`: must not be empty"],
      [{ function: "hello-skywalker", args: "name=x" }, "`args`"],
      [{ function: "hello-skywalker", args: 5 }, "`args`"],
      [{ function: "hello-skywalker", args: null }, "`args`"],
      [{ function: "hello-skywalker", args: nestedObject(200) }, "`args`"],
      [{ function: "hello-skywalker", scheduledAt: "yesterday" }, "`scheduledAt`"],
      [{ function: "hello-skywalker", trigger: "cron" }, "`trigger`"],
      [{ function: "hello-skywalker", environment: ["production"] }, "`environment`"],
      [{ function: "hello-skywalker", environment: "" }, "`environment`: must not be empty"],
      [{ function: "x".repeat(201) }, "`function`: at most 200 characters"],
      [{ "job-name": "" }, "`job-name`: must not be empty"],
      [{ "job-name": 7 }, "`job-name`"],
      [{ "python-codes-config": "hello.json" }, "`python-codes-config`"],
      [{ "job-name": "hello-skywalker", "python-codes-args": "x" }, "`python-codes-args`"],
    ];
    for (const [body, field] of cases) await expectError(await post(JSON.stringify(body)), 400, "ERR_BAD_REQUEST", field);
  });

  it("wrong or missing content types and empty bodies are refused", async () => {
    await expectError(await post('{"function":"hello-skywalker"}', "text/plain"), 415, "ERR_UNSUPPORTED_MEDIA_TYPE");
    await expectError(await post("function=hello-skywalker", "application/x-www-form-urlencoded"), 415, "ERR_UNSUPPORTED_MEDIA_TYPE");
    await expectError(await post('{"function":', "application/x-www-form-urlencoded"), 400, "ERR_BAD_JSON");
    await expectError(await post(new Uint8Array([1, 2, 3]), "application/octet-stream"), 415, "ERR_UNSUPPORTED_MEDIA_TYPE");
    await expectError(await h.call("/execute", { method: "POST" }), 400, "ERR_BAD_REQUEST", "no body");
    await expectError(await post('{"function":"hello-skywalker"}', "application/json; charset=klingon"), 415, "ERR_BAD_REQUEST");
  });

  it("deeply nested JSON, invalid UTF-8 and broken gzip do not crash it", async () => {
    await expectError(await post(nested(30_000)), 400, "ERR_BAD_REQUEST");
    const deepExtra = `{"function":"hello-skywalker","x":${nested(20_000)}}`;
    await expectError(await post(deepExtra), 400, "ERR_BAD_REQUEST", "`x`: unknown field");
    await expectError(await post(Buffer.from([0x7b, 0xc0, 0xaf, 0x7d])), 400, "ERR_BAD_JSON");
    await expectError(await post("not gzip", "application/json", { "content-encoding": "gzip" }), 400, "ERR_BAD_REQUEST");
    expect((await post(gzipSync('{"function":"hello-skywalker"}'), "application/json", { "content-encoding": "gzip" })).status).toBe(202);
  });

  it("invalid UTF-8 is a 400 ERR_BAD_JSON, not a name or an arg with U+FFFD in it", async () => {
    const name = Buffer.concat([Buffer.from('{"function":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    await expectError(await post(name), 400, "ERR_BAD_JSON", "not valid UTF-8");
    const arg = Buffer.concat([Buffer.from('{"function":"hello-skywalker","args":{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}}')]);
    await expectError(await post(arg), 400, "ERR_BAD_JSON", "not valid UTF-8");
    await expectError(await post(arg, "application/x-www-form-urlencoded"), 400, "ERR_BAD_JSON", "not valid UTF-8");
    await expectError(await post(gzipSync(arg), "application/json", { "content-encoding": "gzip" }), 400, "ERR_BAD_JSON", "not valid UTF-8");
    const batch = Buffer.concat([Buffer.from('{"runs":[{"function":"hello-skywalker","args":{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}]}')]);
    await expectError(await h.call("/execute/batch", { method: "POST", body: batch, headers: { "content-type": "application/json" } }), 400, "ERR_BAD_JSON", "not valid UTF-8");
    const valid = await post(JSON.stringify({ function: "hello-skywalker", args: { name: "café ✓ 🚀" } }));
    expect(valid.status).toBe(202);
    const { id } = (await valid.json()) as { id: string };
    expect((await h.queue.getJob(id))?.data.args).toEqual({ name: "café ✓ 🚀" });
  });

  it("an unknown field of the plain body is a 400 naming it", async () => {
    await expectError(await post(JSON.stringify({ function: "hello-skywalker", arg: { typo: 1 } })), 400, "ERR_BAD_REQUEST", "`arg`: unknown field");
    await expectError(await post(JSON.stringify({ function: "hello-skywalker", Args: {}, when: 1 })), 400, "ERR_BAD_REQUEST", "`Args`: unknown field");
    await expectError(await h.call("/execute?function=hello-skywalker&fucntion=x"), 400, "ERR_BAD_REQUEST", "`fucntion`: unknown field");
    // `wait` and `timeoutMs` are how to answer, not fields of the run.
    expect((await h.call("/execute?function=hello-skywalker&wait=1&timeoutMs=50")).status).toBe(202);
  });

  it("a body that mixes the original's fields with the plain ones is a 400 naming both", async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ "job-name": "hello-skywalker", function: "workflow-skywalker" }, "`function`", "`job-name`"],
      [{ "job-name": "hello-skywalker", args: { name: "x" } }, "`args`", "`job-name`"],
      [{ function: "hello-skywalker", "python-codes-args": { name: "x" } }, "`function`", "`python-codes-args`"],
      [{ function: "hello-skywalker", "python-codes-config": "hello-skywalker-config.json" }, "`function`", "`python-codes-config`"],
      [{ function: "hello-skywalker", cron: "@every 1s" }, "`function`", "`cron`"],
    ];
    for (const [body, plain, original] of cases) {
      await expectError(await post(JSON.stringify(body)), 400, "ERR_BAD_REQUEST", `${plain} and ${original}`);
    }
  });

  it("prototype-pollution keys neither pollute nor get lost", async () => {
    await expectError(await post('{"__proto__": {"function": "hello-skywalker"}}'), 400, "ERR_BAD_REQUEST", "`function`");
    await expectError(await post('{"function":"hello-skywalker","__proto__":{"polluted":true}}'), 400, "ERR_BAD_REQUEST", "`__proto__`: unknown field");
    const body = '{"function":"hello-skywalker","args":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}';
    const response = await post(body);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const job = await h.queue.getJob(id);
    expect(Object.keys(job?.data.args ?? {})).toEqual(["__proto__", "constructor"]);
  });

  it("bad wait, idempotency and query parameters are a 400; other methods a 404", async () => {
    const ok = JSON.stringify({ function: "hello-skywalker" });
    await expectError(await h.call("/execute?wait=1&timeoutMs=-5", { method: "POST", body: ok, headers: { "content-type": "application/json" } }), 400, "ERR_BAD_REQUEST", "`timeoutMs`");
    await expectError(await post(ok, "application/json", { "idempotency-key": "k".repeat(500) }), 400, "ERR_BAD_REQUEST", "Idempotency-Key");
    await expectError(await h.call("/execute?function=a&function=b"), 400, "ERR_BAD_REQUEST", "`function`");
    await expectError(await h.call("/execute"), 400, "ERR_BAD_REQUEST", "`function`");
    await expectError(await h.call("/execute", { method: "DELETE" }), 404, "ERR_NOT_FOUND");
    await expectError(await h.call("/runs/%E0%A4%A"), 400, "ERR_BAD_REQUEST");
  });

  it("a huge header is refused by the HTTP parser, and the proxy keeps serving", async () => {
    const response = await h.call("/execute", { method: "POST", body: "{}", headers: { "content-type": "application/json", "x-junk": "j".repeat(100_000) } }).catch((error: unknown) => error);
    if (response instanceof Response) expect(response.status).toBe(431);
    const health = await h.call("/healthz");
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok");
  });
});
