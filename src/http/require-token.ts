// Bearer-token check for the HTTP APIs: when a token is configured every call must carry
// `Authorization: Bearer <token>`; without one the API is open (the README says how to close it).
import { timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { HttpError } from "./http-error.ts";

export function requireToken(token: string | undefined, options: { open?: readonly string[] } = {}): RequestHandler {
  const open = new Set(options.open ?? []);
  const expected = token === undefined ? undefined : Buffer.from(token);
  return (req, _res, next) => {
    if (expected === undefined || open.has(req.path)) {
      next();
      return;
    }
    const header = req.get("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = match?.[1] === undefined ? undefined : Buffer.from(match[1].trim());
    if (given === undefined) {
      next(new HttpError(401, "ERR_UNAUTHORIZED", "this API needs `Authorization: Bearer <token>` (SKYWALKER_TOKEN is set)"));
      return;
    }
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      next(new HttpError(401, "ERR_UNAUTHORIZED", "the bearer token is wrong"));
      return;
    }
    next();
  };
}
