// One error type for the whole host, with a stable `code` and whether a retry can help.

export const ErrorCodes = {
  CONFIG_INVALID: "ERR_CONFIG_INVALID",
  FUNCTION_NOT_FOUND: "ERR_FUNCTION_NOT_FOUND",
  HANDLER_NOT_FOUND: "ERR_HANDLER_NOT_FOUND",
  MODULE_NOT_FOUND: "ERR_MODULE_NOT_FOUND",
  COMPILE: "ERR_COMPILE",
  USAGE: "ERR_USAGE",
  HANDLER_THREW: "ERR_HANDLER_THREW",
  MODULE_INIT: "ERR_MODULE_INIT",
  TIMEOUT: "ERR_TIMEOUT",
  CPU_LIMIT: "ERR_CPU_LIMIT",
  MEMORY_LIMIT: "ERR_MEMORY_LIMIT",
  RESULT_TOO_LARGE: "ERR_RESULT_TOO_LARGE",
  RESULT_NOT_SERIALIZABLE: "ERR_RESULT_NOT_SERIALIZABLE",
  LOG_LIMIT: "ERR_LOG_LIMIT",
  TIMER_LIMIT: "ERR_TIMER_LIMIT",
  UNHANDLED_REJECTION: "ERR_UNHANDLED_REJECTION",
  SANDBOX_CRASHED: "ERR_SANDBOX_CRASHED",
  QUARANTINED: "ERR_QUARANTINED",
  ACTIVE_CHECK_FAILED: "ERR_ACTIVE_CHECK_FAILED",
  SECRET_MISSING: "ERR_SECRET_MISSING",
  INTERNAL: "ERR_INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface SkywalkerErrorOptions {
  /** Whether running the same thing again could succeed (a crashed host: yes; a bad config: no). */
  retryable?: boolean;
  cause?: unknown;
}

export class SkywalkerError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: SkywalkerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SkywalkerError";
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A stable code for anything thrown: a SkywalkerError's own, else ERR_INTERNAL. */
export function errorCodeOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return ErrorCodes.INTERNAL;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
