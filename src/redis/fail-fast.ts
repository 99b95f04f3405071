// Redis commands issued while an HTTP request is answered fail fast: a client waiting on a dead or
// stalled Redis learns it within seconds (503) instead of after ioredis's retries, and a command
// refused while the connection is down is never sent later. Work outside requests (the executor's
// record writes, the scheduler) still waits in ioredis's offline queue through a Redis restart.
//
// The scope follows the request's async context. A timer a request leaves behind inherits that
// context, so the scope is closed when the request ends: the timer's commands are background work.
import { AsyncLocalStorage } from "node:async_hooks";
import { Command } from "ioredis";
import type { Redis } from "ioredis";
import { RedisUnavailableError } from "./redis-unavailable.ts";

const scopes = new AsyncLocalStorage<{ open: boolean }>();

export interface FailFastScope {
  run<T>(fn: () => T): T;
  close(): void;
}

/** A scope whose Redis commands fail fast until it is closed. */
export function failFastScope(): FailFastScope {
  const state = { open: true };
  return {
    run: (fn) => scopes.run(state, fn),
    close: () => {
      state.open = false;
    },
  };
}

/**
 * Makes the client's commands issued in a fail-fast scope fail at once while the connection is not
 * ready or Redis has stalled, and after `timeoutMs` without an answer. The client must have an
 * ioredis `commandTimeout` too: a command stuck on a stalled Redis would otherwise hold back every
 * auto-pipelined command queued behind it, a request's included, before they reach this check.
 * Commands of one pipeline are sent in one synchronous call, so they are all refused or all sent,
 * never a part of one (which would leave the rest unsent and the answers out of step).
 */
export function failFastInScope(client: Redis, timeoutMs: number): void {
  const address = `${client.options.host ?? "127.0.0.1"}:${client.options.port ?? 6379}`;
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown;
  // Set when a command sent on a live connection got no answer in time (a stopped Redis keeps its
  // sockets open): until Redis answers a PING again, requests are refused instead of piling up.
  let stalled = false;
  const ping = (): void => {
    const command = new Command("ping");
    send(command);
    (command.promise as Promise<unknown>).then(
      () => (stalled = false),
      () => {
        if (stalled && client.status === "ready") ping();
      },
    );
  };
  const markStalled = (): void => {
    if (stalled || client.status !== "ready") return;
    stalled = true;
    scopes.exit(ping);
  };
  client.on("ready", () => (stalled = false));

  client.sendCommand = (command: Command, ...rest: unknown[]): unknown => {
    if (scopes.getStore()?.open !== true) {
      (command.promise as Promise<unknown>).catch((error: unknown) => {
        if ((error as Error).message === "Command timed out") markStalled();
      });
      return send(command, ...rest);
    }
    if (client.status !== "ready" || stalled) {
      const why = stalled ? `it did not answer a command within ${timeoutMs} ms` : `the connection is ${client.status}`;
      command.reject(new RedisUnavailableError(`Redis at ${address} is not answering (${why})`));
      return command.promise;
    }
    // ioredis's own command timeout ends it: with this message, and the connection marked stalled.
    // (A timer of our own per command would cost the proxy about 2% of its requests per second.)
    const reject = command.reject.bind(command);
    command.reject = (error: Error): void => {
      if (error.message !== "Command timed out") return reject(error);
      markStalled();
      reject(new RedisUnavailableError(`Redis at ${address} is not answering (no answer within ${timeoutMs} ms; the command may still take effect when it recovers)`));
    };
    return send(command, ...rest);
  };
}
