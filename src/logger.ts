// The one pino root logger of a Skywalker process; parts take child loggers with fixed context.
import pino from "pino";
import type { Logger } from "pino";

export interface LoggerOptions {
  /** @default "info", or LOG_LEVEL */
  level?: string;
  /** Pretty, human-readable lines instead of JSON. @default true when stderr is a terminal */
  pretty?: boolean;
}

/** A logger that writes to stderr, so stdout stays free for command output such as run records. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? "info";
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  if (pretty) {
    return pino({ level }, pino.transport({ target: "pino-pretty", options: { destination: 2, ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss.l" } }));
  }
  return pino({ level }, pino.destination({ dest: 2, sync: true }));
}
