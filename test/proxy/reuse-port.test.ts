// SKYWALKER_PROXY_REUSE_PORT: proxy processes on one machine share a port, and the kernel spreads
// the connections over them. Off by default, a second proxy on a taken port fails to start.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import { settingsFromEnv } from "../../src/settings.ts";
import { openProxyHarness } from "./proxy-harness.ts";
import type { ProxyHarness } from "./proxy-harness.ts";

const functionsDir = fileURLToPath(new URL("../../functions", import.meta.url));
const opened: ProxyHarness[] = [];

async function proxy(settings: { proxyPort?: number; proxyReusePort: boolean }): Promise<ProxyHarness> {
  const harness = await openProxyHarness({ redisUrl: inject("redisUrl"), functionsDir, settings });
  opened.push(harness);
  return harness;
}

afterEach(async () => {
  for (const harness of opened.splice(0)) await harness.close();
});

describe("proxies sharing a port", () => {
  it("lets a second proxy listen on the port of the first, and it takes the requests when the first stops", async () => {
    const first = await proxy({ proxyReusePort: true });
    const second = await proxy({ proxyPort: first.proxy.port, proxyReusePort: true });
    expect(second.proxy.port).toBe(first.proxy.port);
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const response = await second.call("/execute", { json: { function: "hello-skywalker" } });
    expect(response.status).toBe(202);
  });

  it("refuses a taken port by default", async () => {
    const first = await proxy({ proxyReusePort: false });
    await expect(proxy({ proxyPort: first.proxy.port, proxyReusePort: false })).rejects.toThrow(/EADDRINUSE/);
  });

  it("reads the setting from SKYWALKER_PROXY_REUSE_PORT and names the variable when it is wrong", () => {
    expect(settingsFromEnv({}).proxyReusePort).toBe(false);
    expect(settingsFromEnv({ SKYWALKER_PROXY_REUSE_PORT: "true" }).proxyReusePort).toBe(true);
    expect(() => settingsFromEnv({ SKYWALKER_PROXY_REUSE_PORT: "yes" })).toThrow(/SKYWALKER_PROXY_REUSE_PORT/);
  });
});
