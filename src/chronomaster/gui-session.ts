// Signing in to the GUI: the page POSTs the token once and gets an HttpOnly, SameSite=Strict
// session cookie, so the token is never kept where a script could read it and EventSource (which
// cannot send headers) is authorised too. The cookie is `v1.<expiry ms>.<HMAC-SHA256 of the expiry,
// keyed by the token>`: stateless, so every replica accepts it, and changing the token ends every
// session. Bearer headers keep working for API clients (see require-token.ts).
import { createHmac } from "node:crypto";
import express from "express";
import type { Request, Response, Router } from "express";
import { z } from "zod";
import { HttpError } from "../http/http-error.ts";
import { cookieOf, pageProblem, sameSecret } from "../http/require-token.ts";
import type { SessionCheck } from "../http/require-token.ts";
import { WrongTokenThrottle } from "../http/wrong-token-throttle.ts";

export const SESSION_COOKIE = "skywalker_session";
/** How long a sign-in lasts. */
export const SESSION_MS = 12 * 3600 * 1000;

const SignInBody = z.object({ token: z.string({ error: (issue) => (issue.input === undefined ? "required" : "expected a string") }).min(1, "must not be empty").max(4096) }, { error: "expected a JSON object {\"token\": \"…\"}" });

export class GuiSession implements SessionCheck {
  readonly cookie = SESSION_COOKIE;
  private readonly token: string | undefined;
  private readonly throttle: WrongTokenThrottle;

  /** `throttle`: share the server's, so that wrong tokens count the same here and in Bearer headers. */
  constructor(token: string | undefined, throttle = new WrongTokenThrottle()) {
    this.token = token;
    this.throttle = throttle;
  }

  get required(): boolean {
    return this.token !== undefined;
  }

  /** A session value valid until `expiresAt` (ms since the epoch). */
  issue(expiresAt: number): string {
    return `v1.${expiresAt}.${this.mac(expiresAt)}`;
  }

  verify(value: string, now = Date.now()): boolean {
    const match = /^v1\.(\d{1,15})\.([\w-]{43})$/.exec(value);
    if (this.token === undefined || match === null) return false;
    const expiresAt = Number(match[1]);
    return expiresAt > now && sameSecret(match[2]!, this.mac(expiresAt));
  }

  /** `GET|POST|DELETE /session`: whether a sign-in is needed and valid; sign in; sign out. Mount before the token check. */
  router(): Router {
    const router = express.Router();
    router.get("/session", (req, res) => void res.json(this.describe(req)));
    router.post("/session", express.json({ limit: "8kb" }), (req, res) => {
      this.checkPage(req);
      const parsed = SignInBody.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new HttpError(400, "ERR_BAD_REQUEST", `${issue?.path.length ? `body.${issue.path.join(".")}` : "body"}: ${issue?.message ?? "invalid"}`);
      }
      if (this.token === undefined) {
        res.json({ required: false, signedIn: true });
        return;
      }
      const address = req.socket.remoteAddress ?? "?";
      this.throttle.check(address);
      if (!sameSecret(parsed.data.token, this.token)) {
        this.throttle.recordFailure(address);
        throw new HttpError(401, "ERR_UNAUTHORIZED", "the token is wrong");
      }
      const expiresAt = Date.now() + SESSION_MS;
      this.setCookie(req, res, this.issue(expiresAt), SESSION_MS / 1000);
      res.json({ required: true, signedIn: true, expiresAt: new Date(expiresAt).toISOString() });
    });
    router.delete("/session", (req, res) => {
      this.checkPage(req);
      this.setCookie(req, res, "", 0);
      res.json({ required: this.required, signedIn: !this.required });
    });
    return router;
  }

  private describe(req: Request): { required: boolean; signedIn: boolean } {
    if (this.token === undefined) return { required: false, signedIn: true };
    const cookie = cookieOf(req, SESSION_COOKIE);
    return { required: true, signedIn: cookie !== undefined && this.verify(cookie) };
  }

  /** Sign-in and sign-out come from our page only (no login CSRF). */
  private checkPage(req: Request): void {
    const problem = pageProblem(req);
    if (problem !== undefined) throw new HttpError(403, "ERR_CROSS_SITE", problem);
  }

  private setCookie(req: Request, res: Response, value: string, maxAgeS: number): void {
    // Secure over HTTPS, also behind a TLS-terminating proxy (a client that fakes the header only
    // makes its own cookie unusable over plain HTTP)
    const https = req.secure || req.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
    const secure = https ? "; Secure" : "";
    res.append("set-cookie", `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`);
  }

  private mac(expiresAt: number): string {
    return createHmac("sha256", this.token ?? "").update(`skywalker-gui-session.v1.${expiresAt}`).digest("base64url");
  }
}
