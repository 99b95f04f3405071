// Without a token the APIs are open to whoever reaches the port, and a browser can be made to reach
// it: a page of another site can send it forms and image loads, and a DNS-rebinding page (its own
// domain re-pointed at 127.0.0.1) even counts as the server's own origin. So, with no token set:
//
// - A request must name the server (Host) by an IP address, localhost, a one-word name (a
//   Kubernetes Service, a compose service) or an operator-allowed name. A rebinding page names its
//   own domain. Checked on every request: browsers send no Sec-Fetch-* headers to a plain-HTTP
//   domain, and a same-origin GET carries no Origin, so nothing else marks the rebinding page.
// - A state-changing request that the browser marks as coming from another site's page
//   (Sec-Fetch-Site cross-site or same-site, or an Origin other than the Host) is refused. Clients
//   that are not browsers (curl, the chronomaster posting ticks) send neither header.
//
// With a token these requests fail for want of it (see require-token.ts).
import { isIP } from "node:net";
import type { Request, RequestHandler } from "express";
import { HttpError } from "./http-error.ts";

export interface BrowserGuardOptions {
  token: string | undefined;
  /** Host names allowed besides IP addresses, localhost and one-word names; "*" allows any. */
  allowedHosts: readonly string[];
  /** Paths whose GET changes state too (the proxy's `GET /execute`). @default [] */
  stateChangingGets?: readonly string[];
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Host headers remembered with their verdicts: a server sees few, and parsing each costs. */
const MAX_REMEMBERED_HOSTS = 256;

export function browserGuard(options: BrowserGuardOptions): RequestHandler {
  const allowed = new Set(options.allowedHosts.map(bareName));
  const stateChangingGets = new Set(options.stateChangingGets ?? []);
  const verdicts = new Map<string | undefined, string | undefined>();
  const hostVerdict = (header: string | undefined): string | undefined => {
    if (verdicts.has(header)) return verdicts.get(header);
    const verdict = hostProblem(header, allowed);
    if (verdicts.size >= MAX_REMEMBERED_HOSTS) verdicts.clear();
    verdicts.set(header, verdict);
    return verdict;
  };
  return (req, _res, next) => {
    if (options.token !== undefined) {
      next();
      return;
    }
    const host = hostVerdict(req.get("host"));
    if (host !== undefined) {
      next(new HttpError(403, "ERR_HOST_NOT_ALLOWED", host));
      return;
    }
    const writes = !SAFE_METHODS.has(req.method) || stateChangingGets.has(req.path);
    const crossSite = writes ? crossSiteProblem(req) : undefined;
    next(crossSite === undefined ? undefined : new HttpError(403, "ERR_CROSS_SITE", crossSite));
  };
}

/** Why the browser marks this request as coming from another site's page, or undefined. */
export function crossSiteProblem(req: Request): string | undefined {
  const site = req.get("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") return `a state-changing request from another site's page is refused (Sec-Fetch-Site: ${site})`;
  const origin = req.get("origin");
  if (origin === undefined) return undefined;
  const originHost = hostOf(origin);
  return originHost !== undefined && originHost === hostOf(`http://${req.get("host") ?? ""}`) ? undefined : `a state-changing request from another origin (${origin}) is refused`;
}

/** The URL's host and port, normalised (lower case, no default port); undefined for "null" and the like. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

/** Why the Host header may be a DNS-rebinding page's, or undefined. */
function hostProblem(header: string | undefined, allowed: ReadonlySet<string>): string | undefined {
  // HTTP/1.0 has no Host, and no browser speaks it
  if (header === undefined || allowed.has("*")) return undefined;
  let name: string;
  try {
    name = bareName(new URL(`http://${header}`).hostname);
  } catch {
    return `the Host header ${JSON.stringify(header)} is not a host name`;
  }
  const ip = name.startsWith("[") ? name.slice(1, -1) : name;
  if (isIP(ip) !== 0 || !name.includes(".") || name.endsWith(".localhost") || allowed.has(name)) return undefined;
  return `the Host header names ${name}, which this server does not know as its own (a DNS-rebinding page names its own domain): reach it by IP address or localhost, add the name to SKYWALKER_ALLOWED_HOSTS, or set SKYWALKER_TOKEN`;
}

function bareName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}
