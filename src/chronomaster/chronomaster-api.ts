// The chronomaster's JSON API, for the GUI and for operators: scheduler state and controls,
// per-function overrides, run now, run history, the fleet and a live stream of the state. State
// changes are POSTs only.
import express from "express";
import type { Router } from "express";
import { z } from "zod";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import { HttpError } from "../http/http-error.ts";
import { findFunction, runRoutes } from "../http/run-routes.ts";
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
      findFunction(registry, name);
      await chronomaster.setDisabled(name, action === "disable");
      events.nudge();
      res.json({ name, disabledByOperator: chronomaster.isDisabled(name) });
      return;
    }
    if (action === "run") {
      findFunction(registry, name);
      const body = RunNowBody.safeParse(req.body ?? {});
      if (!body.success) throw new HttpError(400, "ERR_BAD_REQUEST", `body: ${body.error.issues[0]?.message ?? "invalid"}`);
      const answer = await runNow(settings, name, body.data.args);
      events.nudge();
      res.status(202).json(answer);
      return;
    }
    throw new HttpError(404, "ERR_NOT_FOUND", `no action "${action}": use enable, disable or run`);
  });
  router.use(runRoutes({ settings, registry, store }));
  return router;
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
