// The standard `fetch` shape, as a subset: Headers, Response (text, json) and fetch(url | Request-
// like, init). The request is made by the host, which checks it against the function's allowlist.

interface ResponseData {
  url: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  redirected: boolean;
}

type HeadersInit = Headers | Record<string, string> | [string, string][];

export class Headers {
  private readonly map = new Map<string, string>();

  constructor(init?: HeadersInit) {
    if (init instanceof Headers) init.forEach((value, name) => this.append(name, value));
    else if (Array.isArray(init)) for (const [name, value] of init) this.append(name, value);
    else if (init !== undefined && init !== null) for (const name of Object.keys(init)) this.append(name, String(init[name]));
  }

  append(name: string, value: string): void {
    const key = String(name).toLowerCase();
    const existing = this.map.get(key);
    this.map.set(key, existing === undefined ? String(value) : `${existing}, ${value}`);
  }

  set(name: string, value: string): void {
    this.map.set(String(name).toLowerCase(), String(value));
  }

  get(name: string): string | null {
    return this.map.get(String(name).toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(String(name).toLowerCase());
  }

  delete(name: string): void {
    this.map.delete(String(name).toLowerCase());
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.map) callback(value, name);
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

export class Response {
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly redirected: boolean;
  readonly ok: boolean;
  private readonly body: string;
  bodyUsed = false;

  constructor(data: ResponseData) {
    this.url = data.url;
    this.status = data.status;
    this.statusText = data.statusText;
    this.headers = new Headers(data.headers);
    this.redirected = data.redirected;
    this.ok = data.status >= 200 && data.status < 300;
    this.body = data.body;
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body;
  }

  async json(): Promise<unknown> {
    this.bodyUsed = true;
    return JSON.parse(this.body);
  }
}

interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: string | null;
  redirect?: "follow" | "manual" | "error";
}

export function createFetch(call: (kind: "fetch", payload: unknown) => Promise<unknown>) {
  return async function fetch(input: string | { url: string } | URLLike, init: RequestInit = {}): Promise<Response> {
    const url = typeof input === "string" ? input : String(input.url ?? input.href);
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string") throw new TypeError("fetch: the body must be a string (use JSON.stringify)");
    const headers: [string, string][] = [];
    new Headers(init.headers).forEach((value, name) => headers.push([name, value]));
    const data = (await call("fetch", {
      url,
      method: String(init.method ?? "GET").toUpperCase(),
      headers,
      ...(typeof body === "string" ? { body } : {}),
      redirect: init.redirect ?? "follow",
    })) as ResponseData;
    return new Response(data);
  };
}

interface URLLike {
  href: string;
  url?: undefined;
}
