// The types a function author writes against: `export const main: Handler = async (args, ctx) => …`.
import type { JsonValue, LogLevel, RunMetadata } from "../sandbox/contract.ts";

export type { JsonValue, LogLevel };

/** The logger on `ctx`; lines land in the run record and the host log, like `console.*`. */
export type FunctionLogger = Readonly<Record<LogLevel, (...args: unknown[]) => void>>;

/** `ctx.state`: the function's small key-value store, kept across runs (in Redis under the service). */
export interface FunctionState {
  /** The stored value, or null when there is none. */
  get(key: string): Promise<JsonValue>;
  set(key: string, value: JsonValue): Promise<void>;
  delete(key: string): Promise<void>;
}

/** What a handler receives as its second argument. */
export interface Context extends Readonly<RunMetadata> {
  /** The previous workflow step's result (undefined for the first step). */
  readonly previousResult: JsonValue | undefined;
  /** Values of the secrets named in config.json's `secrets`; redacted from logs and records. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly state: FunctionState;
  readonly log: FunctionLogger;
}

/** A function's handler: gets a copy of its args, returns (or resolves to) a JSON-serialisable result. */
export type Handler<Args = Record<string, JsonValue>, Result = JsonValue | void> = (args: Args, ctx: Context) => Result | Promise<Result>;
