// `POST /execute/batch`: many runs in one request, as the chronomaster sends the ticks that fall
// due together (a thousand functions on `@every 1s` are a thousand ticks in the same
// millisecond). Each item is the plain `/execute` payload plus its own `idempotencyKey` (and how
// long to keep it, `idempotencyKeyTtlS`), and gets its own answer, in order: one bad item never
// costs the others. The items are admitted concurrently, so their Redis commands travel together.
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import { HttpError } from "../http/http-error.ts";
import { findFunction } from "../http/run-routes.ts";
import { IDEMPOTENCY_TTL_S } from "../queue/run-admission.ts";
import type { RunEnqueuer } from "../queue/run-enqueuer.ts";
import type { Settings } from "../settings.ts";
import { checkArgsShape } from "./args-shape.ts";
import { parseExecuteBody } from "./execute-body.ts";
import { accepted, checkIdempotencyKey, enqueueRequestOf } from "./execute-route.ts";
import { jsonTypeOf } from "../json-values.ts";
import { jsonObjectBody } from "./json-body.ts";

/** Most runs in one batch; a chronomaster sends bigger instants in several. */
export const MAX_BATCH_RUNS = 250;
const RUNS_SHAPE = "a non-empty list of runs, each the /execute payload with an optional `idempotencyKey` (and `idempotencyKeyTtlS`)";

export interface ExecuteBatchDeps {
  settings: Settings;
  registry: FunctionRegistry;
  enqueuer: RunEnqueuer;
  logger: Logger;
}

export type BatchAnswer = Record<string, unknown> | { error: { code: string; message: string } };

export function executeBatchHandler(deps: ExecuteBatchDeps): RequestHandler {
  const { settings, registry, enqueuer, logger } = deps;
  return async (req, res) => {
    const items = runsOf(jsonObjectBody(req, "a JSON object `{\"runs\": […]}`"));
    const runs = await Promise.all(
      items.map(async (item, index): Promise<BatchAnswer> => {
        try {
          if (typeof item !== "object" || item === null || Array.isArray(item)) throw new HttpError(400, "ERR_BAD_REQUEST", `expected an object (got ${jsonTypeOf(item)})`);
          const { idempotencyKey: key, idempotencyKeyTtlS: ttl, ...payload } = item as { idempotencyKey?: unknown; idempotencyKeyTtlS?: unknown };
          if (key !== undefined && typeof key !== "string") throw new HttpError(400, "ERR_BAD_REQUEST", `\`runs.${index}.idempotencyKey\`: expected a string`);
          const idempotencyKey = checkIdempotencyKey(key, `\`runs.${index}.idempotencyKey\``);
          const idempotencyTtlSeconds = checkKeyTtl(ttl, idempotencyKey, index);
          const request = parseExecuteBody(payload);
          const fn = findFunction(registry, request.function);
          checkArgsShape(fn, request.args, request.argsField);
          const enqueueRequest = enqueueRequestOf(request, settings, { idempotencyKey, notify: false });
          if (idempotencyTtlSeconds !== undefined) enqueueRequest.idempotencyTtlSeconds = idempotencyTtlSeconds;
          const { id, status, duplicate } = await enqueuer.enqueue(fn, enqueueRequest);
          return accepted(id, status, duplicate);
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          return { error: { code: error.code, message: `runs[${index}]: ${error.message}` } };
        }
      }),
    );
    const queued = runs.filter((run) => "status" in run && run.status === "queued" && run.duplicate !== true).length;
    // Debug: a chronomaster sends a batch every 10 ms while ticks fall due.
    logger.debug({ runs: items.length, queued }, "batch accepted");
    res.status(200).json({ runs });
  };
}

/**
 * `idempotencyKeyTtlS`: how long to keep the item's Idempotency-Key, in whole seconds, up to the
 * 24 hours a key is kept without it. The chronomaster sends it with each tick: a tick's key need
 * only outlive the last moment some replica may still send that tick.
 */
function checkKeyTtl(ttl: unknown, idempotencyKey: string | undefined, index: number): number | undefined {
  if (ttl === undefined) return undefined;
  const field = `\`runs.${index}.idempotencyKeyTtlS\``;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1 || ttl > IDEMPOTENCY_TTL_S) {
    throw new HttpError(400, "ERR_BAD_REQUEST", `${field}: expected a whole number of seconds from 1 to ${IDEMPOTENCY_TTL_S} (got ${typeof ttl === "number" ? ttl : jsonTypeOf(ttl)})`);
  }
  if (idempotencyKey === undefined) throw new HttpError(400, "ERR_BAD_REQUEST", `${field}: only with an \`idempotencyKey\``);
  return ttl;
}

function runsOf(body: Record<string, unknown>): unknown[] {
  const runs = body.runs;
  if (!Array.isArray(runs) || runs.length === 0) throw new HttpError(400, "ERR_BAD_REQUEST", `invalid /execute/batch request: \`runs\`: expected ${RUNS_SHAPE}`);
  if (runs.length > MAX_BATCH_RUNS) {
    throw new HttpError(400, "ERR_BAD_REQUEST", `invalid /execute/batch request: \`runs\`: at most ${MAX_BATCH_RUNS} runs in one batch (got ${runs.length})`);
  }
  return runs;
}
