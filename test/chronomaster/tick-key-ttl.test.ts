// A tick's Idempotency-Key lives as long as some chronomaster replica may still send the tick, not
// a day: 200 functions on `@every 1s` used to hold ~17 M keys (~2.6 GB) in Redis.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import type { ChronomasterServer } from "../../src/chronomaster/chronomaster-server.ts";
import { idempotencyKeyOf } from "../../src/chronomaster/tick-poster.ts";
import { redisKeys } from "../../src/queue/keys.ts";
import { startChronomaster } from "../helpers/chronomaster-harness.ts";
import { openProxyHarness } from "../proxy/proxy-harness.ts";
import type { ProxyHarness } from "../proxy/proxy-harness.ts";

const fixtures = fileURLToPath(new URL("../fixtures/schedule-functions", import.meta.url));
let harness: ProxyHarness | undefined;
let chronomaster: ChronomasterServer | undefined;

afterEach(async () => {
  await chronomaster?.stop();
  chronomaster = undefined;
  await harness?.close();
  harness = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a tick's Idempotency-Key", () => {
  it("expires minutes after an @every 1s or every-second cron tick, not a day", async () => {
    const h = (harness = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir: fixtures, settings: { environment: "test" } }));
    chronomaster = await startChronomaster(h, { functionsDir: fixtures });
    await sleep(2500);
    const keys = redisKeys(h.settings.prefix);
    // "ticker" is on `@every 1s`, "cron-ticker" on the cron `* * * * * *`.
    for (const name of ["ticker", "cron-ticker"]) {
      const ticks = (await h.store.history(name)).filter((run) => run.scheduledAt !== null);
      expect(ticks.length, name).toBeGreaterThanOrEqual(1);
      for (const run of ticks) {
        const ttl = await h.redis.ttl(keys.idempotency(name, idempotencyKeyOf(name, new Date(run.scheduledAt!))));
        expect(ttl, `${name} ${run.scheduledAt}`).toBeGreaterThan(280);
        expect(ttl, `${name} ${run.scheduledAt}`).toBeLessThanOrEqual(300);
      }
    }
  });
});
