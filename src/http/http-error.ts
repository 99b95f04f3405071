// HTTP errors as JSON: every error body is `{"error": {"code", "message"}}`.
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { ErrorCodes } from "../errors.ts";
import { REDIS_UNAVAILABLE } from "../redis/redis-unavailable.ts";

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }
}

/** Answers 404 for any route no handler took. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, "ERR_NOT_FOUND", `no route ${req.method} ${req.path}`));
};

/** Turns anything thrown by a handler or by express's body parser into a JSON error; never crashes. */
export function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const { status, code, message } = describe(error);
    // An outage fails every request: one line each, without a stack
    if (code === REDIS_UNAVAILABLE) logger.warn({ code, message, method: req.method, path: req.path }, "request failed: redis unavailable");
    else if (status >= 500) logger.error({ err: error, method: req.method, path: req.path }, "request failed");
    if (res.headersSent) return;
    res.status(status).json({ error: { code, message } });
  };
}

function describe(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  const unavailable = redisUnavailable(error);
  if (unavailable !== undefined) return { status: 503, code: REDIS_UNAVAILABLE, message: unavailable };
  // body-parser errors carry `type` and `status`
  const e = error as { type?: string; status?: number; message?: string; limit?: number };
  if (e.type === "entity.too.large") return { status: 413, code: "ERR_BODY_TOO_LARGE", message: `the request body is over the limit of ${e.limit ?? "?"} bytes` };
  if (e.type === "entity.parse.failed") return { status: 400, code: "ERR_BAD_JSON", message: `the request body is not valid JSON: ${e.message ?? ""}` };
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    return { status: e.status, code: "ERR_BAD_REQUEST", message: e.message ?? "bad request" };
  }
  return { status: 500, code: ErrorCodes.INTERNAL, message: "internal error; see the server log" };
}

/** The message of a Redis outage error, also when another error wraps it as its cause. */
function redisUnavailable(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === REDIS_UNAVAILABLE) return (e as Error).message;
  }
  return undefined;
}
