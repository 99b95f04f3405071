// What the proxy's API and the chronomaster's share about functions and their runs: finding a
// loaded function by name, one run's record, and a function's recent runs.
import express from "express";
import type { Router } from "express";
import { ErrorCodes } from "../errors.ts";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import type { LoadedFunction } from "../functions/types.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { Settings } from "../settings.ts";
import { HttpError } from "./http-error.ts";

/** The loaded function, or a 422 naming its load error, or a 404. */
export function findFunction(registry: FunctionRegistry, name: string): LoadedFunction {
  const fn = registry.get(name);
  if (fn !== undefined) return fn;
  const loadError = registry.loadError(name);
  if (loadError !== undefined) {
    throw new HttpError(422, ErrorCodes.CONFIG_INVALID, `the function ${JSON.stringify(name)} did not load (${loadError.code}): ${loadError.message}`);
  }
  throw new HttpError(404, ErrorCodes.FUNCTION_NOT_FOUND, `no function named ${JSON.stringify(name)} is loaded`);
}

/** `GET /runs/:id` and `GET /functions/:name/runs?limit=N` (newest first, at most the history size). */
export function runRoutes(deps: { settings: Settings; registry: FunctionRegistry; store: RunStore }): Router {
  const { settings, registry, store } = deps;
  const router = express.Router();
  router.get("/runs/:id", async (req, res) => {
    const id = req.params.id;
    const record = await store.get(id);
    if (record === undefined) throw new HttpError(404, "ERR_RUN_NOT_FOUND", `no run with id ${JSON.stringify(id)} (unknown, or expired after ${settings.runTtlSeconds} s)`);
    res.json(record);
  });
  router.get("/functions/:name/runs", async (req, res) => {
    const name = req.params.name;
    const limit = parseLimit(req.query.limit, settings.historyPerFunction);
    const runs = await store.history(name, limit);
    // A function removed from the folder still shows the runs it had.
    if (runs.length === 0 && registry.get(name) === undefined && registry.loadError(name) === undefined) {
      throw new HttpError(404, ErrorCodes.FUNCTION_NOT_FOUND, `no function named ${JSON.stringify(name)} is loaded or has runs`);
    }
    res.json({ function: name, runs });
  });
  return router;
}

function parseLimit(value: unknown, max: number): number {
  if (value === undefined) return max;
  const limit = typeof value === "string" && /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (limit < 1) throw new HttpError(400, "ERR_BAD_REQUEST", `query.limit: expected a whole number from 1 to ${max}; got ${JSON.stringify(value)}`);
  return Math.min(limit, max);
}
