// A body the JSON parser left alone (another content type, or none given) would be silently
// ignored, and the request carried out without it: refuse it instead. Mount after express.json().
import type { RequestHandler } from "express";
import { HttpError } from "./http-error.ts";

export const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  const hasBody = req.get("transfer-encoding") !== undefined || Number(req.get("content-length") ?? 0) > 0;
  if (!hasBody || req.body !== undefined) {
    next();
    return;
  }
  const type = req.get("content-type");
  next(new HttpError(415, "ERR_UNSUPPORTED_MEDIA_TYPE", `send the body as JSON with \`Content-Type: application/json\` (got ${type === undefined ? "no content type" : JSON.stringify(type)})`));
};
