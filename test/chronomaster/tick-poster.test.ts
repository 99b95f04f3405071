// Ticks go to the proxy in batches; a batch that failed on the way is sent again (its
// Idempotency-Keys make that safe), a refused one is not.
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postTicks } from "../../src/chronomaster/tick-poster.ts";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A proxy that answers each request with the next of `statuses`, recording the bodies. */
type Body = { runs: { idempotencyKey: string; idempotencyKeyTtlS: number }[] };

async function proxy(statuses: number[]): Promise<{ url: string; bodies: Body[] }> {
  const bodies: Body[] = [];
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      const body = JSON.parse(text) as Body;
      bodies.push(body);
      const status = statuses.shift() ?? 200;
      if (status !== 200) return void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "ERR", message: `status ${status}` } }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ runs: body.runs.map((_, i) => ({ id: `run-${i}`, status: "queued" })) }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, bodies };
}

const ticks = [
  { functionName: "a", dueAt: new Date("2026-01-01T00:00:01Z"), keyTtlSeconds: 300 },
  { functionName: "b", dueAt: new Date("2026-01-01T00:00:01Z"), keyTtlSeconds: 3600 },
];

describe("postTicks", () => {
  it("sends the ticks due together as one batch, each with its Idempotency-Key and how long to keep it", async () => {
    const { url, bodies } = await proxy([200]);
    const outcomes = await postTicks({ proxyUrl: url, token: undefined, environment: "production" }, ticks);
    expect(outcomes).toEqual([{ kind: "queued", id: "run-0" }, { kind: "queued", id: "run-1" }]);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.runs.map((run) => run.idempotencyKey)).toEqual(["a@2026-01-01T00:00:01.000Z", "b@2026-01-01T00:00:01.000Z"]);
    expect(bodies[0]?.runs.map((run) => run.idempotencyKeyTtlS)).toEqual([300, 3600]);
  });

  it("sends a batch again when the proxy failed, with the same keys", async () => {
    const { url, bodies } = await proxy([503, 200]);
    const outcomes = await postTicks({ proxyUrl: url, token: undefined, environment: "production" }, ticks);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(["queued", "queued"]);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual(bodies[0]);
  });

  it("does not send a refused batch again, and reports each tick as failed with the reason", async () => {
    const { url, bodies } = await proxy([401]);
    const outcomes = await postTicks({ proxyUrl: url, token: undefined, environment: "production" }, ticks);
    expect(bodies).toHaveLength(1);
    expect(outcomes).toEqual([
      { kind: "error", message: "the proxy answered 401: status 401" },
      { kind: "error", message: "the proxy answered 401: status 401" },
    ]);
  });
});
