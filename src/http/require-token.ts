// Token check for the HTTP APIs. When a token is configured every call must carry it: API clients
// send `Authorization: Bearer <token>`; a server may also accept a browser session (the
// chronomaster GUI's sign-in cookie). Without a token the API is open (the README says how to
// close it).
//
// A cookie travels with every request the browser makes, including those another site provokes,
// so a state-changing request that relies on it must prove it comes from our own page: it carries
// CSRF_HEADER, which no cross-site form can set and no cross-origin script can send without a CORS
// preflight we never grant. With `sameOriginWrites`, a state-changing request that is not
// authorised by a Bearer header (session cookie, or an open API) is also refused when its Origin
// names another host: browsers send Origin on every cross-origin POST. A Bearer header is never
// added by the browser on its own, so Bearer requests are what scripts and API clients use.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { HttpError } from "./http-error.ts";

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
  /**
   * Refuse state-changing requests that do not come from a page of this server (see above), when
   * they are authorised by the session cookie or need no token. For servers that serve a page.
   * @default false
   */
  sameOriginWrites?: boolean;
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

/** Why a state-changing request comes from a page of another origin, or undefined when it does not. */
export function crossOriginProblem(req: Request): string | undefined {
  const origin = req.get("origin");
  if (SAFE_METHODS.has(req.method) || origin === undefined) return undefined;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  return host !== undefined && host === req.get("host") ? undefined : `a state-changing request from another origin (${origin}) is refused`;
}

/** Why a state-changing request authorised by a session cookie lacks the CSRF header, or undefined. */
export function csrfProblem(req: Request): string | undefined {
  if (SAFE_METHODS.has(req.method) || req.get(CSRF_HEADER) !== undefined) return undefined;
  return `a state-changing request signed in by the session cookie needs the ${CSRF_HEADER} header (scripts: send Authorization: Bearer <token>)`;
}

export function requireToken(token: string | undefined, options: RequireTokenOptions = {}): RequestHandler {
  const open = new Set(options.open ?? []);
  const { session, sameOriginWrites = false } = options;
  return (req, _res, next) => {
    if (open.has(req.path)) {
      next();
      return;
    }
    const header = req.get("authorization");
    const crossOrigin = sameOriginWrites && (token === undefined || header === undefined) ? crossOriginProblem(req) : undefined;
    if (crossOrigin !== undefined) {
      next(new HttpError(403, "ERR_CROSS_SITE", crossOrigin));
      return;
    }
    if (token === undefined) {
      next();
      return;
    }
    if (header === undefined) {
      const cookie = session === undefined ? undefined : cookieOf(req, session.cookie);
      if (cookie === undefined || !session!.verify(cookie)) {
        next(new HttpError(401, "ERR_UNAUTHORIZED", cookie === undefined ? "this API needs `Authorization: Bearer <token>` (SKYWALKER_TOKEN is set)" : "the session expired or is not valid here: sign in again"));
        return;
      }
      const csrf = csrfProblem(req);
      next(csrf === undefined ? undefined : new HttpError(403, "ERR_CROSS_SITE", csrf));
      return;
    }
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match?.[1] === undefined) {
      next(new HttpError(401, "ERR_UNAUTHORIZED", "this API needs `Authorization: Bearer <token>` (SKYWALKER_TOKEN is set)"));
      return;
    }
    if (!sameSecret(match[1].trim(), token)) {
      next(new HttpError(401, "ERR_UNAUTHORIZED", "the bearer token is wrong"));
      return;
    }
    next();
  };
}
