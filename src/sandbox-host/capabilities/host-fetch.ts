// `fetch` for functions, performed by the host: only to destinations the function's allowlist
// names, with DNS resolved here and checked before connecting (and the connection pinned to the
// checked address, so a second lookup cannot rebind it), redirects followed by hand and each one
// checked again, the response size bounded and the run's deadline covering it all.
import { lookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import type { IncomingMessage, RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { LookupFunction } from "node:net";
import type { NetPolicy } from "./net-policy.ts";

const MAX_REDIRECTS = 5;
/**
 * Headers the host sets itself and a function may not: a Host of its choosing would address
 * another virtual host behind an allowed address, and framing headers could make the request
 * mean something else to the server than its body says.
 */
const HOST_SET_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer", "expect"]);
/** Credentials that do not follow a redirect to another origin (as in the fetch standard). */
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);
/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(["content-type", "content-encoding", "content-language", "content-location"]);

function without(headers: [string, string][], names: ReadonlySet<string>): [string, string][] {
  return headers.filter(([name]) => !names.has(name.toLowerCase()));
}

export interface FetchRequestData {
  url: string;
  method: string;
  headers: [string, string][];
  body?: string;
  redirect?: "follow" | "manual" | "error";
}

export interface FetchResponseData {
  url: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  redirected: boolean;
}

export class FetchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TypeError";
  }
}

export async function hostFetch(request: FetchRequestData, policy: NetPolicy, maxResponseBytes: number, signal: AbortSignal): Promise<FetchResponseData> {
  let current = { ...request, headers: without(request.headers, HOST_SET_HEADERS) };
  for (let hop = 0; ; hop++) {
    const response = await fetchOnce(current, policy, maxResponseBytes, signal);
    const location = response.headers.find(([name]) => name === "location")?.[1];
    if (response.status < 300 || response.status >= 400 || location === undefined || current.redirect === "manual") {
      return { ...response, redirected: hop > 0 };
    }
    if (current.redirect === "error") throw new FetchRefused(`fetch to ${current.url} was redirected to ${location} (redirect: "error")`);
    if (hop >= MAX_REDIRECTS) throw new FetchRefused(`fetch to ${request.url} was redirected more than ${MAX_REDIRECTS} times`);
    const next = new URL(location, current.url);
    const keepMethod = response.status === 307 || response.status === 308 || current.method === "GET" || current.method === "HEAD";
    let headers = current.headers;
    if (next.origin !== new URL(current.url).origin) headers = without(headers, CREDENTIAL_HEADERS);
    if (!keepMethod) headers = without(headers, BODY_HEADERS);
    current = { ...current, url: next.toString(), headers, ...(keepMethod ? {} : { method: "GET", body: undefined }) };
  }
}

async function fetchOnce(request: FetchRequestData, policy: NetPolicy, maxResponseBytes: number, signal: AbortSignal): Promise<Omit<FetchResponseData, "redirected">> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new FetchRefused(`fetch: "${request.url}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchRefused(`fetch: only http and https are supported, not ${url.protocol}`);
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  if (!policy.allowsHost(hostname, port)) {
    throw new FetchRefused(`fetch to ${hostname}:${port} is not allowed: add it to "allow.net" in the function's config.json`);
  }
  const addresses = isIP(hostname) !== 0 ? [{ address: hostname, family: isIP(hostname) }] : await lookup(hostname, { all: true }).catch((error: NodeJS.ErrnoException) => {
    throw new FetchRefused(`fetch: could not resolve ${hostname} (${error.code ?? error.message})`);
  });
  const refused = addresses.find((entry) => !policy.allowsAddress(entry.address, port));
  if (refused !== undefined) {
    throw new FetchRefused(`fetch to ${hostname} is not allowed: it resolves to ${refused.address}, a private, loopback or link-local address; name that address or its range in "allow.net" to allow it`);
  }
  const pinned = addresses[0]!;
  const pin: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all === true) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const options: RequestOptions = {
    method: request.method,
    hostname,
    port,
    path: `${url.pathname}${url.search}`,
    headers: Object.fromEntries(request.headers),
    lookup: pin,
    signal,
  };
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = (url.protocol === "https:" ? httpsRequest : httpRequest)(options, resolve);
    outgoing.on("error", (error) => reject(signal.aborted ? new FetchRefused(`fetch to ${url.origin} did not finish within the run's time limit`) : new FetchRefused(`fetch to ${url.origin} failed: ${error.message}`)));
    outgoing.end(request.body);
  });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > maxResponseBytes) {
        response.destroy();
        throw new FetchRefused(`fetch: the response from ${url.origin} is over ${maxResponseBytes} bytes (limits.maxResponseBytes)`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof FetchRefused) throw error;
    throw new FetchRefused(signal.aborted ? `fetch to ${url.origin} did not finish within the run's time limit` : `fetch to ${url.origin} failed while reading: ${(error as Error).message}`);
  }
  const headers: [string, string][] = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2) headers.push([response.rawHeaders[i]!.toLowerCase(), response.rawHeaders[i + 1]!]);
  return { url: url.toString(), status: response.statusCode ?? 0, statusText: response.statusMessage ?? "", headers, body: Buffer.concat(chunks).toString("utf8") };
}
