// The active/passive check against a real DNS server on loopback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeCheckOptionsFromEnv, checkActive, clusterMatches } from "../../src/runtime/active-passive.ts";
import { startDnsServer } from "../helpers/dns-server.ts";
import type { DnsServer } from "../helpers/dns-server.ts";

let dns: DnsServer;

beforeAll(async () => {
  dns = await startDnsServer({
    cname: {
      "app.example.com": "app.us-east.example.com",
      "multi.example.com": "edge.example.net",
      "edge.example.net": "lb.eu-west.example.org",
      "loop-a.example.com": "loop-b.example.com",
      "loop-b.example.com": "loop-a.example.com",
    },
    noData: ["plain.example.com"],
    servfail: ["broken.example.com"],
    silent: ["slow.example.com"],
  });
});
afterAll(() => dns.close());

const check = (endpoint: string, cluster: string, timeoutMs = 1000) => checkActive({ endpoint, cluster, dnsServers: [dns.address], timeoutMs });

describe("active-passive check", () => {
  it("is active when the endpoint's CNAME names this cluster", async () => {
    const result = await check("app.example.com", "us-east");
    expect(result).toMatchObject({ active: true, chain: ["app.example.com", "app.us-east.example.com"] });
    expect(result.reason).toBe('active: app.example.com → app.us-east.example.com matches cluster "us-east"');
    expect(dns.queries).toContain("CNAME app.example.com");
  });

  it("is passive when the CNAME names another cluster, with no error", async () => {
    const result = await check("app.example.com", "eu-west");
    expect(result.active).toBe(false);
    expect(result.reason).toContain('does not match cluster "eu-west"');
    expect("error" in result && result.error).toBeFalsy();
  });

  it("matches whole labels only", async () => {
    expect((await check("app.example.com", "east")).active).toBe(false);
    expect((await check("app.example.com", "us-east.example.com")).active).toBe(true);
    expect(clusterMatches("US-East", "App.us-east.Example.com.")).toBe(true);
  });

  it("follows a CNAME chain over several hops", async () => {
    const result = await check("multi.example.com", "eu-west");
    expect(result).toMatchObject({ active: true, chain: ["multi.example.com", "edge.example.net", "lb.eu-west.example.org"] });
  });

  it("is passive without error when the endpoint has no CNAME", async () => {
    const result = await check("plain.example.com", "us-east");
    expect(result).toMatchObject({ active: false });
    expect(result.reason).toContain("has no CNAME record");
    expect("error" in result && result.error).toBeFalsy();
  });

  it("fails the check, naming the endpoint and the DNS error, for NXDOMAIN, SERVFAIL and silence", async () => {
    const missing = await check("nope.example.com", "us-east");
    expect(missing.active).toBe(false);
    expect("error" in missing && missing.error?.code).toBe("ERR_ACTIVE_CHECK_FAILED");
    expect("error" in missing && missing.error?.message).toMatch(/nope\.example\.com via 127\.0\.0\.1:\d+ failed \(ENOTFOUND\)/);
    const broken = await check("broken.example.com", "us-east");
    expect("error" in broken && broken.error?.message).toContain("(ESERVFAIL)");
    const started = Date.now();
    const silent = await check("slow.example.com", "us-east", 300);
    expect("error" in silent && silent.error?.message).toContain("(ETIMEOUT)");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("fails on a CNAME loop instead of spinning", async () => {
    const result = await check("loop-a.example.com", "us-east");
    expect("error" in result && result.error?.message).toContain("CNAME loop");
  });

  it("never runs when unconfigured, and says which setting is missing", async () => {
    const noEndpoint = await checkActive({ endpoint: undefined, cluster: "us-east" });
    expect("error" in noEndpoint && noEndpoint.error?.message).toContain("SKYWALKER_ACTIVE_ENDPOINT");
    const noCluster = await checkActive({ endpoint: "app.example.com", cluster: "" });
    expect("error" in noCluster && noCluster.error?.message).toContain("SKYWALKER_CLUSTER");
  });

  it("reads its settings from the environment, the function's endpoint overriding the default", () => {
    const env = { SKYWALKER_ACTIVE_ENDPOINT: "default.example.com", SKYWALKER_CLUSTER: "us-east", SKYWALKER_DNS_SERVERS: "127.0.0.1:5353, 10.0.0.2", SKYWALKER_DNS_TIMEOUT_MS: "500" };
    expect(activeCheckOptionsFromEnv(env)).toEqual({ endpoint: "default.example.com", cluster: "us-east", dnsServers: ["127.0.0.1:5353", "10.0.0.2"], timeoutMs: 500 });
    expect(activeCheckOptionsFromEnv(env, "app.example.com").endpoint).toBe("app.example.com");
  });
});
