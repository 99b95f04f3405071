// Token check for the HTTP APIs. When a token is configured every call must carry it: API clients
// send `Authorization: Bearer <token>`; a server may also accept a browser session (the
// chronomaster GUI's sign-in cookie). Without a token the API is open (the README says how to
// close it), and browser-guard.ts keeps other sites' pages out.
//
// A cookie travels with every request the browser makes, including those another site provokes,
// so a state-changing request that relies on it must prove it comes from our own page: it carries
// CSRF_HEADER, which no cross-site form can set and no cross-origin script can send without a CORS
// preflight we never grant, and the browser does not mark it as coming from another site. A Bearer
// header is never added by the browser on its own, so Bearer requests are what scripts and API
// clients use. Every wrong Bearer token counts against its address (see wrong-token-throttle.ts).
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { crossSiteProblem } from "./browser-guard.ts";
import { HttpError } from "./http-error.ts";
import { WrongTokenThrottle } from "./wrong-token-throttle.ts";

/** Header a browser page adds to its state-changing requests. */
export const CSRF_HEADER = "x-skywalker-csrf";

export interface SessionCheck {
  /** Name of the session cookie. */
  cookie: string;
  /** Whether the cookie's value is a valid, unexpired session. */
  verify(value: string): boolean;
}

export interface RequireTokenOptions {
  /** Paths that need no token (health probes). */
  open?: readonly string[];
  /** Also accept this browser session instead of a Bearer header. */
  session?: SessionCheck;
  /** Counts wrong tokens per address; share one with the server's sign-in. @default a new one */
  throttle?: WrongTokenThrottle;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Constant-time comparison of two secrets of any lengths (both are hashed to one length first). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The value of one cookie of the request, or undefined. */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Why a state-changing request authorised by the session cookie does not come from our page, or undefined. */
export function pageProblem(req: Request): string | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  const crossSite = crossSiteProblem(req);
  if (crossSite !== undefined || req.get(CSRF_HEADER) !== undefined) return crossSite;
  return `a state-changing request signed in by the session cookie needs the ${CSRF_HEADER} header (scripts: send Authorization: Bearer <token>)`;
}

export function requireToken(token: string | undefined, options: RequireTokenOptions = {}): RequestHandler {
  const open = new Set(options.open ?? []);
  const { session, throttle = new WrongTokenThrottle() } = options;
  return (req, _res, next) => {
    if (token === undefined || open.has(req.path)) {
      next();
      return;
    }
    const header = req.get("authorization");
    if (header === undefined) {
      const cookie = session === undefined ? undefined : cookieOf(req, session.cookie);
      if (cookie === undefined || !session!.verify(cookie)) {
        next(new HttpError(401, "ERR_UNAUTHORIZED", cookie === undefined ? "this API needs `Authorization: Bearer <token>` (SKYWALKER_TOKEN is set)" : "the session expired or is not valid here: sign in again"));
        return;
      }
      const problem = pageProblem(req);
      next(problem === undefined ? undefined : new HttpError(403, "ERR_CROSS_SITE", problem));
      return;
    }
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match?.[1] === undefined) {
      next(new HttpError(401, "ERR_UNAUTHORIZED", "this API needs `Authorization: Bearer <token>` (SKYWALKER_TOKEN is set)"));
      return;
    }
    const address = req.socket.remoteAddress ?? "?";
    throttle.check(address);
    if (!sameSecret(match[1].trim(), token)) {
      throttle.recordFailure(address);
      next(new HttpError(401, "ERR_UNAUTHORIZED", "the bearer token is wrong"));
      return;
    }
    next();
  };
}
