// The JSON object a `POST /execute` or `/execute/batch` carries, or a 4xx saying what is wrong
// with the body: not JSON, not UTF-8, no body, or JSON that is not an object.
import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Request } from "express";
import { HttpError } from "../http/http-error.ts";
import { unreadBodyError } from "../http/json-bodies-only.ts";
import { jsonTypeOf } from "../json-values.ts";

/**
 * body-parser's `verify`: refuses a UTF-8 body with invalid bytes, which decoding would otherwise
 * turn silently into U+FFFD (a function name or an arg that is not what was sent).
 */
export function requireUtf8(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string | null): void {
  if (encoding !== null && encoding !== "utf-8" && encoding !== "utf8") return;
  if (!isUtf8(body)) throw new HttpError(400, "ERR_BAD_JSON", "the request body is not valid UTF-8: send JSON as UTF-8 text");
}

/** The parsed body, which must be a JSON object; `expected` says what it should hold. */
export function jsonObjectBody(req: Request, expected: string): Record<string, unknown> {
  const body = bodyOf(req, expected);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "ERR_BAD_REQUEST", `the request body is JSON but not an object (got ${jsonTypeOf(body)}): send ${expected}`);
  }
  return body as Record<string, unknown>;
}

function bodyOf(req: Request, expected: string): unknown {
  // A string is a form's text, or a JSON body that is a string.
  if (typeof req.body === "string" && typeof req.is("application/x-www-form-urlencoded") === "string") return jsonSentAsForm(req.body);
  if (req.body !== undefined) return req.body as unknown;
  throw unreadBodyError(req) ?? new HttpError(400, "ERR_BAD_REQUEST", `the request has no body: send ${expected}`);
}

/**
 * A form-encoded body that is a JSON object is what `curl -d '{"function":…}'` sends without a
 * content type: it is taken as JSON. A real form is refused.
 */
function jsonSentAsForm(text: string): unknown {
  if (!text.trimStart().startsWith("{")) {
    throw new HttpError(415, "ERR_UNSUPPORTED_MEDIA_TYPE", "send the body as JSON with `Content-Type: application/json` (got a form: application/x-www-form-urlencoded)");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, "ERR_BAD_JSON", `the request body is not valid JSON: ${(error as Error).message}`);
  }
}
