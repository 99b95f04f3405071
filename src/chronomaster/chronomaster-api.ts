// The chronomaster's JSON API, for the GUI and for operators: scheduler state and controls,
// per-function overrides, run now, run history, the fleet and a live stream of the state. State
// changes are POSTs only.
import express from "express";
import type { Router } from "express";
import { z } from "zod";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import type { LoadedFunction } from "../functions/types.ts";
import { HttpError } from "../http/http-error.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { Settings } from "../settings.ts";
import type { Chronomaster } from "./chronomaster.ts";
import type { StateEvents } from "./state-events.ts";
import type { StateView } from "./state-view.ts";

export interface ChronomasterApiDeps {
  settings: Settings;
  registry: FunctionRegistry;
  store: RunStore;
  chronomaster: Chronomaster;
  view: StateView;
  events: StateEvents;
}

const RunNowBody = z.strictObject({ args: z.unknown().optional() }, { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}: expected only "args"` : 'expected a JSON object {"args": …}') });

export function chronomasterApi(deps: ChronomasterApiDeps): Router {
  const { settings, registry, store, chronomaster, view, events } = deps;
  const router = express.Router();
  const known = (name: string): LoadedFunction => {
    const fn = registry.get(name);
    if (fn !== undefined) return fn;
    const error = registry.loadError(name);
    if (error !== undefined) throw new HttpError(422, "ERR_CONFIG_INVALID", `function "${name}" failed to load: ${error.message}`);
    throw new HttpError(404, "ERR_FUNCTION_NOT_FOUND", `no function named "${name}" is loaded`);
  };

  router.get("/state", async (_req, res) => {
    res.json(await view.state());
  });
  router.get("/fleet", async (_req, res) => {
    res.json(await view.fleet());
  });
  router.get("/events", events.handler);

  router.post("/start", async (_req, res) => {
    await chronomaster.setStatus("running");
    events.nudge();
    res.json({ state: chronomaster.schedulerStatus });
  });
  router.post("/stop", async (_req, res) => {
    await chronomaster.setStatus("stopped");
    events.nudge();
    res.json({ state: chronomaster.schedulerStatus });
  });
  router.post("/reload", async (_req, res) => {
    const answer = await chronomaster.reload();
    events.nudge();
    res.json(answer);
  });
  router.post("/functions/:name/:action", async (req, res) => {
    const { name, action } = req.params;
    if (action === "enable" || action === "disable") {
      known(name);
      await chronomaster.setDisabled(name, action === "disable");
      events.nudge();
      res.json({ name, disabledByOperator: chronomaster.isDisabled(name) });
      return;
    }
    if (action === "run") {
      known(name);
      const body = RunNowBody.safeParse(req.body ?? {});
      if (!body.success) throw new HttpError(400, "ERR_BAD_REQUEST", `body: ${body.error.issues[0]?.message ?? "invalid"}`);
      const answer = await runNow(settings, name, body.data.args);
      events.nudge();
      res.status(202).json(answer);
      return;
    }
    throw new HttpError(404, "ERR_NOT_FOUND", `no action "${action}": use enable, disable or run`);
  });
  router.get("/functions/:name/runs", async (req, res) => {
    const name = req.params.name;
    const limit = parseLimit(req.query.limit, settings.historyPerFunction);
    const runs = await store.history(name, limit);
    if (runs.length === 0 && registry.get(name) === undefined && registry.loadError(name) === undefined) {
      throw new HttpError(404, "ERR_FUNCTION_NOT_FOUND", `no function named "${name}" is loaded or has runs`);
    }
    res.json({ function: name, runs });
  });
  router.get("/runs/:id", async (req, res) => {
    const record = await store.get(req.params.id);
    if (record === undefined) throw new HttpError(404, "ERR_RUN_NOT_FOUND", `no run ${req.params.id} (unknown, or expired after ${settings.runTtlSeconds} s)`);
    res.json(record);
  });
  return router;
}

function parseLimit(value: unknown, max: number): number {
  if (value === undefined) return max;
  const limit = Number(value);
  if (typeof value !== "string" || !Number.isInteger(limit) || limit < 1) throw new HttpError(400, "ERR_BAD_REQUEST", `query.limit: expected a whole number from 1 to ${max}; got ${JSON.stringify(value)}`);
  return Math.min(limit, max);
}

/** "Run now" goes through the proxy like every other run. */
async function runNow(settings: Settings, name: string, args: unknown): Promise<unknown> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (settings.token !== undefined) headers.authorization = `Bearer ${settings.token}`;
  const response = await fetch(new URL("/execute", settings.proxyUrl), { method: "POST", headers, body: JSON.stringify({ function: name, args, trigger: "api" }), signal: AbortSignal.timeout(5000) }).catch((error: unknown) => {
    throw new HttpError(502, "ERR_PROXY_UNREACHABLE", `could not reach the proxy at ${settings.proxyUrl}: ${(error as Error).message}`);
  });
  const answer = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) throw new HttpError(response.status, answer.error?.code ?? "ERR_PROXY", answer.error?.message ?? `the proxy answered ${response.status}`);
  return answer;
}
