// The active/passive decision for active-passive functions: this cluster is active when the
// CNAME chain of the application endpoint leads to a name that matches this cluster. Passive,
// unconfigured, or DNS not answering all mean "do not run here": never run on both sides.
import { Resolver } from "node:dns/promises";
import { ErrorCodes } from "../errors.ts";

const MAX_HOPS = 8;

export interface ActiveCheckOptions {
  /** The application endpoint whose CNAME decides (function's activeEndpoint ?? SKYWALKER_ACTIVE_ENDPOINT). */
  endpoint: string | undefined;
  /** This cluster's name (SKYWALKER_CLUSTER). */
  cluster: string | undefined;
  /** DNS servers ("ip" or "ip:port"); default: the system's resolvers. */
  dnsServers?: string[];
  /** Per query. @default 2000 */
  timeoutMs?: number;
}

export type ActiveCheckResult =
  | { active: true; chain: string[]; reason: string }
  | { active: false; chain: string[]; reason: string; error?: { code: typeof ErrorCodes.ACTIVE_CHECK_FAILED; message: string } };

export function activeCheckOptionsFromEnv(env: NodeJS.ProcessEnv, functionEndpoint?: string): ActiveCheckOptions {
  const servers = env.SKYWALKER_DNS_SERVERS?.split(",").map((server) => server.trim()).filter((server) => server !== "");
  const timeout = Number(env.SKYWALKER_DNS_TIMEOUT_MS);
  return {
    endpoint: functionEndpoint ?? env.SKYWALKER_ACTIVE_ENDPOINT,
    cluster: env.SKYWALKER_CLUSTER,
    ...(servers !== undefined && servers.length > 0 ? { dnsServers: servers } : {}),
    ...(Number.isInteger(timeout) && timeout > 0 ? { timeoutMs: timeout } : {}),
  };
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

/**
 * The cluster matches a name when it equals the name or appears in it as whole labels:
 * "us-east" matches "app.us-east.example.com", "east" does not.
 */
export function clusterMatches(cluster: string, name: string): boolean {
  const labels = normalise(name).split(".");
  const wanted = normalise(cluster).split(".");
  for (let start = 0; start + wanted.length <= labels.length; start++) {
    if (wanted.every((label, i) => labels[start + i] === label)) return true;
  }
  return false;
}

function failed(chain: string[], message: string): ActiveCheckResult {
  return { active: false, chain, reason: `not run: ${message}`, error: { code: ErrorCodes.ACTIVE_CHECK_FAILED, message } };
}

export async function checkActive(options: ActiveCheckOptions): Promise<ActiveCheckResult> {
  const { endpoint, cluster } = options;
  if (endpoint === undefined || endpoint === "") {
    return failed([], "no active endpoint: set SKYWALKER_ACTIVE_ENDPOINT or the function's activeEndpoint");
  }
  if (cluster === undefined || cluster === "") return failed([], "this cluster has no name: set SKYWALKER_CLUSTER");
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: 1 });
  if (options.dnsServers !== undefined) resolver.setServers(options.dnsServers);
  const servers = resolver.getServers().join(", ");
  const chain = [normalise(endpoint)];
  while (chain.length <= MAX_HOPS) {
    const name = chain.at(-1)!;
    let targets: string[];
    try {
      targets = await resolver.resolveCname(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "EUNKNOWN";
      if (code === "ENODATA" || (code === "ENOTFOUND" && chain.length > 1)) break; // end of the chain
      return failed(chain, `DNS lookup of ${name} via ${servers} failed (${code})`);
    }
    const next = targets[0] === undefined ? undefined : normalise(targets[0]);
    if (next === undefined) break;
    if (chain.includes(next)) return failed(chain, `CNAME loop at ${next}: ${chain.join(" → ")}`);
    chain.push(next);
  }
  if (chain.length > MAX_HOPS + 1) return failed(chain, `CNAME chain of ${endpoint} is longer than ${MAX_HOPS} hops`);
  const path = chain.join(" → ");
  if (chain.length === 1) return { active: false, chain, reason: `passive: ${endpoint} has no CNAME record, so it points at no cluster` };
  const match = chain.slice(1).find((name) => clusterMatches(cluster, name));
  return match !== undefined
    ? { active: true, chain, reason: `active: ${path} matches cluster "${cluster}"` }
    : { active: false, chain, reason: `passive: ${path} does not match cluster "${cluster}"` };
}
