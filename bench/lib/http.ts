// A small HTTP client for load generation: node:http over keep-alive sockets (no fetch, whose
// per-request overhead would be measured along with the server's).
import { Agent, request } from "node:http";

export interface HttpResult {
  status: number;
  body: string;
}

export function keepAliveAgent(maxSockets = 256): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  agent?: Agent;
  timeoutMs?: number;
}

export async function httpRequest(url: string, options: RequestOptions = {}): Promise<HttpResult> {
  try {
    return await once(url, options);
  } catch (error) {
    // A kept-alive socket the server closed as we reused it: the request never reached the
    // server, so sending it again is safe (Node's documented pattern, `req.reusedSocket`).
    if ((error as { reused?: boolean }).reused === true) return once(url, options);
    throw error;
  }
}

function once(url: string, options: RequestOptions): Promise<HttpResult> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (payload === undefined ? "GET" : "POST"),
        agent: options.agent,
        headers: { ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }), ...options.headers },
        timeout: options.timeoutMs ?? 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 60_000} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && error.code === "ECONNRESET") Object.assign(error, { reused: true });
      reject(error);
    });
    req.end(payload);
  });
}

export async function getJson<T>(url: string, agent?: Agent): Promise<T> {
  const { status, body } = await httpRequest(url, agent === undefined ? {} : { agent });
  if (status !== 200) throw new Error(`GET ${url} answered ${status}: ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}
