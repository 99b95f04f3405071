// Which destinations a function may fetch, from its config's `allow.net`. An entry is a host name
// (`api.example.com`), a wildcard (`*.example.com`, which also matches deeper names but not the
// apex), or an IP address or CIDR range (`127.0.0.1`, `10.0.0.0/8`), each with an optional
// `:port`. Private, loopback and link-local addresses are refused, also when a public name
// resolves to them, unless an IP or CIDR entry names them explicitly.
import { BlockList, isIP } from "node:net";

interface HostRule {
  kind: "host";
  pattern: string;
  port?: number;
}
interface AddressRule {
  kind: "address";
  list: BlockList;
  port?: number;
}
type Rule = HostRule | AddressRule;

const SPECIAL = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) SPECIAL.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["::ffff:0:0", 96]] as const) SPECIAL.addSubnet(network, prefix, "ipv6");

/** Private, loopback, link-local, multicast or otherwise not a public address (cloud metadata is 169.254.169.254). */
export function isSpecialAddress(address: string): boolean {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  return SPECIAL.check(address, family);
}

function splitPort(entry: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  const match = /^([^:]+|[^/]+\/\d+)(?::(\d+))?$/.exec(entry);
  if (match && !entry.includes("::")) return { host: match[1]!, ...(match[2] ? { port: Number(match[2]) } : {}) };
  return { host: entry };
}

const LABEL = "[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?";
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

/** The forms an `allow.net` entry may take, for error messages. */
export const NET_ENTRY_FORMS = "a host (api.example.com), *.domain, an IP or a CIDR range (10.0.0.0/8), with an optional :port";

/** Reads one `allow.net` entry; the loader calls it too, so a config is refused for exactly what the runtime could not use. */
export function parseNetEntry(entry: string): Rule | { error: string } {
  const { host, port } = splitPort(entry.trim().toLowerCase());
  if (port !== undefined && (port < 1 || port > 65_535)) return { error: `port ${port} is not between 1 and 65535` };
  const withPort = port === undefined ? {} : { port };
  const [network = "", prefix, ...rest] = host.split("/");
  const version = isIP(network);
  if (version !== 0) {
    const family = version === 6 ? "ipv6" : "ipv4";
    const list = new BlockList();
    if (prefix === undefined) list.addAddress(network, family);
    else {
      const max = version === 6 ? 128 : 32;
      if (!/^\d+$/.test(prefix) || Number(prefix) > max || rest.length > 0) return { error: `the prefix length of an IPv${version} range must be 0 to ${max}` };
      list.addSubnet(network, Number(prefix), family);
    }
    return { kind: "address", list, ...withPort };
  }
  if (!HOST_PATTERN.test(host)) return { error: `expected ${NET_ENTRY_FORMS}` };
  return { kind: "host", pattern: host, ...withPort };
}

export class NetPolicy {
  private readonly rules: Rule[];

  constructor(entries: readonly string[]) {
    this.rules = entries.map((entry) => {
      const rule = parseNetEntry(entry);
      if ("error" in rule) throw new Error(`allow.net entry "${entry}": ${rule.error}`);
      return rule;
    });
  }

  /** Whether the URL's host name and port are allowed at all (before DNS). */
  allowsHost(hostname: string, port: number): boolean {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
    return this.rules.some((rule) => {
      if (rule.port !== undefined && rule.port !== port) return false;
      if (rule.kind === "address") return isIP(host) !== 0 && rule.list.check(host, isIP(host) === 6 ? "ipv6" : "ipv4");
      if (rule.pattern.startsWith("*.")) return host.endsWith(rule.pattern.slice(1));
      return host === rule.pattern;
    });
  }

  /** Whether a resolved address may be connected to: public, or named by an IP/CIDR entry. */
  allowsAddress(address: string, port: number): boolean {
    if (!isSpecialAddress(address)) return true;
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    return this.rules.some((rule) => rule.kind === "address" && (rule.port === undefined || rule.port === port) && rule.list.check(address, family));
  }
}
