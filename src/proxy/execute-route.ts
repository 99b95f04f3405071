// `POST|GET /execute`: validates the request, enqueues the run and answers its id, or, when the
// caller asks to wait, its final record.
import type { Request, RequestHandler } from "express";
import type { Logger } from "pino";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import { HttpError } from "../http/http-error.ts";
import { findFunction } from "../http/run-routes.ts";
import type { EnqueueRequest, RunEnqueuer } from "../queue/run-enqueuer.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { Settings } from "../settings.ts";
import { checkArgsShape } from "./args-shape.ts";
import { executeInputFromQuery, parseExecuteBody } from "./execute-body.ts";
import type { ExecuteRequest } from "./execute-body.ts";
import { jsonObjectBody } from "./json-body.ts";
import type { RunWaiter } from "./run-waiter.ts";

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export interface ExecuteDeps {
  settings: Settings;
  registry: FunctionRegistry;
  store: RunStore;
  enqueuer: RunEnqueuer;
  waiter: RunWaiter;
  logger: Logger;
}

export function executeHandler(deps: ExecuteDeps): RequestHandler {
  const { settings, registry, store, enqueuer, waiter, logger } = deps;
  return async (req, res) => {
    const request = parseExecuteBody(req.method === "GET" ? executeInputFromQuery(req.query) : jsonObjectBody(req, "a JSON object naming the function"));
    const waitMs = waitTimeoutMs(req, settings.waitMaxMs);
    const idempotencyKey = idempotencyKeyOf(req);
    const fn = findFunction(registry, request.function);
    checkArgsShape(fn, request.args, request.argsField);
    const { id, status, duplicate } = await enqueuer.enqueue(fn, enqueueRequestOf(request, settings, { idempotencyKey, notify: waitMs !== undefined }));
    logger.info({ function: fn.name, runId: id, trigger: request.trigger, status, duplicate }, duplicate ? "run already accepted" : "run accepted");
    res.location(`/runs/${encodeURIComponent(id)}`);
    if (waitMs !== undefined) {
      const abort = new AbortController();
      res.on("close", () => abort.abort());
      // A duplicate's run was queued by an earlier request, which may not have waited for it.
      const record = await waiter.wait(id, waitMs, { signal: abort.signal, announced: !duplicate });
      if (record !== undefined) {
        res.status(200).json(record);
        return;
      }
      const current = await store.get(id);
      res.status(202).json(accepted(id, current?.status ?? status, duplicate));
      return;
    }
    res.status(duplicate || status === "skipped" ? 200 : 202).json(accepted(id, status, duplicate));
  };
}

/** What the enqueuer needs of a validated request. */
export function enqueueRequestOf(request: ExecuteRequest, settings: Settings, extra: { idempotencyKey: string | undefined; notify: boolean }): EnqueueRequest {
  return {
    ...(request.args === undefined ? {} : { args: request.args }),
    ...(extra.idempotencyKey === undefined ? {} : { idempotencyKey: extra.idempotencyKey }),
    scheduledAt: request.scheduledAt ?? null,
    environment: request.environment ?? settings.environment,
    trigger: request.trigger,
    ...(extra.notify ? { notify: true } : {}),
  };
}

/** `task_id` is what the original proxy answered; kept so its callers keep working. */
export function accepted(id: string, status: string, duplicate: boolean): Record<string, unknown> {
  return duplicate ? { id, task_id: id, status, duplicate } : { id, task_id: id, status };
}

/** How long to wait for the run, or undefined when the caller did not ask to. */
function waitTimeoutMs(req: Request, maxMs: number): number | undefined {
  const prefer = parsePrefer(req.get("prefer"));
  const asked = isTrue(req.query.wait) || isTrue(req.get("x-skywalker-wait")) || prefer !== undefined;
  if (!asked) return undefined;
  let timeoutMs = maxMs;
  if (typeof prefer === "number") timeoutMs = Math.min(timeoutMs, prefer);
  const given = req.query.timeoutMs;
  if (given !== undefined) {
    const value = typeof given === "string" && /^\d{1,9}$/.test(given) ? Number(given) : NaN;
    if (!(value > 0)) throw new HttpError(400, "ERR_BAD_REQUEST", "`timeoutMs`: expected a positive whole number of milliseconds");
    timeoutMs = Math.min(timeoutMs, value);
  }
  return timeoutMs;
}

/** RFC 7240: `Prefer: wait` or `Prefer: wait=<seconds>`; true for a bare `wait`. */
function parsePrefer(header: string | undefined): number | true | undefined {
  for (const part of (header ?? "").split(",")) {
    const match = /^\s*wait\s*(?:=\s*"?(\d{1,9})"?)?\s*(?:;.*)?$/i.exec(part);
    if (match !== null) return match[1] === undefined ? true : Number(match[1]) * 1000;
  }
  return undefined;
}

function isTrue(value: unknown): boolean {
  return typeof value === "string" && ["1", "true", "yes"].includes(value.toLowerCase());
}

function idempotencyKeyOf(req: Request): string | undefined {
  return checkIdempotencyKey(req.get("idempotency-key"), "`Idempotency-Key`");
}

export function checkIdempotencyKey(key: string | undefined, field: string): string | undefined {
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new HttpError(400, "ERR_BAD_REQUEST", `${field}: expected 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return key;
}
