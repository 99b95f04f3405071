// The globals a function has inside its isolate besides the language itself.
// (No require, process, Buffer, fetch, file system or network.)

interface SandboxConsole {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  trace(...args: unknown[]): void;
}

// eslint-disable-next-line no-var -- a global declaration must be `var` to appear on globalThis
declare var console: SandboxConsole;
/** Fires within the run's deadline; at most 1000 pending per run; all are cleared when the run ends. */
declare function setTimeout<A extends unknown[]>(callback: (...args: A) => void, delayMs?: number, ...args: A): number;
declare function clearTimeout(id: number | undefined): void;
declare function queueMicrotask(callback: () => void): void;

/** Made by the host, only to destinations the function's `allow.net` names. Bodies are strings. */
declare function fetch(input: string | { url: string } | { href: string }, init?: SandboxRequestInit): Promise<SandboxResponse>;
interface SandboxRequestInit {
  method?: string;
  headers?: Record<string, string> | [string, string][] | SandboxHeaders;
  body?: string | null;
  redirect?: "follow" | "manual" | "error";
}
interface SandboxHeaders {
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  delete(name: string): void;
  forEach(callback: (value: string, name: string) => void): void;
}
interface SandboxResponse {
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly redirected: boolean;
  readonly headers: SandboxHeaders;
  text(): Promise<string>;
  json(): Promise<unknown>;
}
