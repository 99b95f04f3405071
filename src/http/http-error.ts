// HTTP errors as JSON: every error body is `{"error": {"code", "message"}}`.
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { ErrorCodes } from "../errors.ts";

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
    if (status >= 500) logger.error({ err: error, method: req.method, path: req.path }, "request failed");
    if (res.headersSent) return;
    res.status(status).json({ error: { code, message } });
  };
}

function describe(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  // body-parser errors carry `type` and `status`
  const e = error as { type?: string; status?: number; message?: string; limit?: number };
  if (e.type === "entity.too.large") return { status: 413, code: "ERR_BODY_TOO_LARGE", message: `the request body is over the limit of ${e.limit ?? "?"} bytes` };
  if (e.type === "entity.parse.failed") return { status: 400, code: "ERR_BAD_JSON", message: `the request body is not valid JSON: ${e.message ?? ""}` };
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    return { status: e.status, code: "ERR_BAD_REQUEST", message: e.message ?? "bad request" };
  }
  return { status: 500, code: ErrorCodes.INTERNAL, message: "internal error; see the server log" };
}
