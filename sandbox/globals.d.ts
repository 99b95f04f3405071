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
