// What a broken config.json is told: each message names the field and what was expected.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/functions/limits.ts";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import { NetPolicy } from "../../src/sandbox-host/capabilities/net-policy.ts";

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

/** Loads one function `f` whose config.json is `config` (objects become JSON) and returns its error message, or "" when it loaded. */
async function messageFor(config: unknown): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "skywalker-config-"));
  roots.push(root);
  await mkdir(join(root, "f"));
  await writeFile(join(root, "f/config.json"), typeof config === "string" ? config : JSON.stringify(config));
  await writeFile(join(root, "f/f.js"), "export const main = () => 1, a = () => 1, b = () => 2;\n");
  const catalog = await loadFunctions(root, { ceilings: DEFAULT_LIMITS });
  return catalog.errors[0]?.message ?? "";
}

const base = { name: "f", executor: "default", handler: "f.main" };

describe("allow.net", () => {
  it("refuses an entry the runtime could not use, naming its index and the accepted forms", async () => {
    expect(await messageFor({ ...base, allow: { net: ["api.example.com", "10.0.0.0/99"] } })).toBe(
      'f/config.json: allow.net[1]: "10.0.0.0/99": the prefix length of an IPv4 range must be 0 to 32',
    );
    const message = await messageFor({ ...base, allow: { net: ["*", "example.com:99999", "a*b", "::::", "example.com/8", "fe80::/129"] } });
    expect(message).toContain('allow.net[0]: "*": expected a host (api.example.com), *.domain, an IP or a CIDR range (10.0.0.0/8), with an optional :port');
    expect(message).toContain('allow.net[1]: "example.com:99999": port 99999 is not between 1 and 65535');
    expect(message).toContain('allow.net[2]: "a*b": expected a host');
    expect(message).toContain('allow.net[3]: "::::": expected a host');
    expect(message).toContain('allow.net[4]: "example.com/8": expected a host');
    expect(message).toContain('allow.net[5]: "fe80::/129": the prefix length of an IPv6 range must be 0 to 128');
  });

  it("accepts every form the runtime matches, and the runtime matches them", async () => {
    const net = ["localhost", "API.example.com", "*.example.org", "hooks.slack.com:443", "10.0.0.0/8", "127.0.0.1:8080", "::1", "[fd00::1]:8443", "fd00:1::/32"];
    expect(await messageFor({ ...base, allow: { net } })).toBe("");
    const policy = new NetPolicy(net);
    expect(policy.allowsHost("api.example.com", 443)).toBe(true);
    expect(policy.allowsHost("deep.sub.example.org", 80)).toBe(true);
    expect(policy.allowsHost("example.org", 80)).toBe(false);
    expect(policy.allowsHost("hooks.slack.com", 80)).toBe(false);
    expect(policy.allowsHost("10.1.2.3", 80)).toBe(true);
    expect(policy.allowsHost("[fd00::1]", 8443)).toBe(true);
    expect(policy.allowsAddress("fd00:1::5", 443)).toBe(true);
  });

  it("keeps a runtime policy from failing every fetch over one bad entry it was somehow given", () => {
    expect(() => new NetPolicy(["api.example.com", "10.0.0.0/99"])).toThrow('allow.net entry "10.0.0.0/99": the prefix length of an IPv4 range must be 0 to 32');
  });
});

describe("field messages", () => {
  it("says a missing field is required and what it takes", async () => {
    expect(await messageFor({ executor: "default" })).toBe(
      'f/config.json: name: required; a string (the folder\'s name); handler: required; a string "<file>.<export>" (a list of them for a workflow)',
    );
  });

  it("says what was expected and what came, for values of the wrong type", async () => {
    expect(await messageFor({ ...base, handler: 5 })).toBe('f/config.json: handler: expected a string "<file>.<export>" (a list of them for a workflow), got 5');
    expect(await messageFor({ ...base, args: 5 })).toBe("f/config.json: args: expected an object (or a list of objects, one per workflow step), got 5");
    expect(await messageFor({ ...base, args: null })).toBe("f/config.json: args: expected an object (or a list of objects, one per workflow step), got null");
    expect(await messageFor({ ...base, version: null })).toBe("f/config.json: version: expected a string or a number, got null");
    expect(await messageFor({ ...base, enabled: "false" })).toBe('f/config.json: enabled: expected true or false, got "false"');
    expect(await messageFor({ ...base, limits: { timeoutMs: 1.5 } })).toBe("f/config.json: limits.timeoutMs: expected a positive whole number, got 1.5");
    expect(await messageFor(null)).toBe("f/config.json: expected a JSON object, got null");
  });

  it("names the item of a list that is wrong, not the whole field", async () => {
    expect(await messageFor({ name: "f", executor: "workflow", handler: ["f.a", "f.b"], args: [{}, null] })).toBe("f/config.json: args[1]: expected an object, got null");
    expect(await messageFor({ name: "f", executor: "workflow", handler: ["f.a", 7] })).toBe('f/config.json: handler[1]: expected a string "<file>.<export>", got 7');
    expect(await messageFor({ name: "f", executor: "workflow", handler: [] })).toBe("f/config.json: handler: expected at least one handler");
  });

  it("says so when the file starts with a byte order mark or is empty", async () => {
    expect(await messageFor(`\uFEFF${JSON.stringify(base)}`)).toBe(
      "f/config.json: starts with a byte order mark (BOM), which JSON does not allow: save it as UTF-8 without BOM",
    );
    expect(await messageFor(" \n")).toBe("f/config.json: is empty: expected a JSON object");
  });
});
