// A body the JSON parser left alone (another content type, or none given) would be silently
// ignored, and the request carried out without it: refuse it instead. Mount after express.json().
import type { Request, RequestHandler } from "express";
import { HttpError } from "./http-error.ts";

/** The 415 for a request with a body that no parser read, or undefined. */
export function unreadBodyError(req: Request): HttpError | undefined {
  const hasBody = req.get("transfer-encoding") !== undefined || Number(req.get("content-length") ?? 0) > 0;
  if (!hasBody || req.body !== undefined) return undefined;
  const type = req.get("content-type");
  return new HttpError(415, "ERR_UNSUPPORTED_MEDIA_TYPE", `send the body as JSON with \`Content-Type: application/json\` (got ${type === undefined ? "no content type" : JSON.stringify(type)})`);
}

export const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  next(unreadBodyError(req));
};
