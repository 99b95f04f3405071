// The chronomaster's JSON API, for the GUI and for operators: scheduler state and controls,
// per-function overrides, run now, run history. State changes are POSTs only.
import express from "express";
import type { Router } from "express";
import type { Redis } from "ioredis";
import { listExecutors } from "../executor/executor-heartbeat.ts";
import type { FunctionRegistry } from "../functions/function-registry.ts";
import type { LoadedFunction } from "../functions/types.ts";
import { HttpError } from "../http/http-error.ts";
import type { RunRecord } from "../run-record.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { Settings } from "../settings.ts";
import type { Chronomaster } from "./chronomaster.ts";

const SUCCESS_WINDOW = 20;

export interface ChronomasterApiDeps {
  settings: Settings;
  redis: Redis;
  registry: FunctionRegistry;
  store: RunStore;
  chronomaster: Chronomaster;
}

export function chronomasterApi(deps: ChronomasterApiDeps): Router {
  const { settings, redis, registry, store, chronomaster } = deps;
  const router = express.Router();
  const known = (name: string): LoadedFunction => {
    const fn = registry.get(name);
    if (fn === undefined) throw new HttpError(404, "ERR_FUNCTION_NOT_FOUND", `no function named "${name}" is loaded`);
    return fn;
  };

  router.get("/state", async (_req, res) => {
    const redisUp = await redis.ping().then(() => true, () => false);
    const functions = await Promise.all(registry.functions().map(async (fn) => describe(fn, redisUp ? await store.history(fn.name, SUCCESS_WINDOW) : [])));
    res.json({
      state: chronomaster.schedulerStatus,
      environment: settings.environment,
      redis: redisUp ? "up" : "down",
      executors: redisUp ? await listExecutors(redis, settings.prefix) : [],
      functions,
      errors: registry.errors().map((error) => ({ name: error.name, file: error.file, code: error.code, message: error.message, issues: error.issues })),
    });
  });

  const describe = (fn: LoadedFunction, recent: RunRecord[]) => {
    const finished = recent.filter((run) => run.status === "succeeded" || run.status === "failed");
    const last = recent[0];
    return {
      name: fn.name,
      kind: fn.kind,
      description: fn.description ?? null,
      enabled: fn.enabled,
      disabledByOperator: chronomaster.isDisabled(fn.name),
      schedules: chronomaster.nextFires(fn.name),
      lastRun: last === undefined ? null : { id: last.id, status: last.status, startedAt: last.startedAt, durationMs: last.durationMs, error: last.error?.code ?? null },
      successRate: finished.length === 0 ? null : finished.filter((run) => run.status === "succeeded").length / finished.length,
    };
  };

  router.post("/start", async (_req, res) => {
    await chronomaster.setStatus("running");
    res.json({ state: chronomaster.schedulerStatus });
  });
  router.post("/stop", async (_req, res) => {
    await chronomaster.setStatus("stopped");
    res.json({ state: chronomaster.schedulerStatus });
  });
  router.post("/reload", async (_req, res) => {
    res.json(await chronomaster.reload());
  });
  router.post("/functions/:name/:action", async (req, res) => {
    const { name, action } = req.params;
    if (action === "enable" || action === "disable") {
      known(name);
      await chronomaster.setDisabled(name, action === "disable");
      res.json({ name, disabledByOperator: chronomaster.isDisabled(name) });
      return;
    }
    if (action === "run") {
      known(name);
      res.status(202).json(await runNow(settings, name, (req.body as { args?: unknown } | undefined)?.args));
      return;
    }
    throw new HttpError(404, "ERR_NOT_FOUND", `no action "${action}": use enable, disable or run`);
  });
  router.get("/functions/:name/runs", async (req, res) => {
    known(req.params.name);
    const limit = Math.min(Number(req.query.limit ?? settings.historyPerFunction) || settings.historyPerFunction, settings.historyPerFunction);
    res.json({ function: req.params.name, runs: await store.history(req.params.name, limit) });
  });
  router.get("/runs/:id", async (req, res) => {
    const record = await store.get(req.params.id);
    if (record === undefined) throw new HttpError(404, "ERR_RUN_NOT_FOUND", `no run ${req.params.id}`);
    res.json(record);
  });
  return router;
}

/** "Run now" goes through the proxy like every other run. */
async function runNow(settings: Settings, name: string, args: unknown): Promise<unknown> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (settings.token !== undefined) headers.authorization = `Bearer ${settings.token}`;
  const response = await fetch(new URL("/execute", settings.proxyUrl), { method: "POST", headers, body: JSON.stringify({ function: name, args, trigger: "api" }), signal: AbortSignal.timeout(5000) }).catch((error: unknown) => {
    throw new HttpError(502, "ERR_PROXY_UNREACHABLE", `could not reach the proxy at ${settings.proxyUrl}: ${(error as Error).message}`);
  });
  const answer = (await response.json()) as { error?: { code: string; message: string } };
  if (!response.ok) throw new HttpError(response.status, answer.error?.code ?? "ERR_PROXY", answer.error?.message ?? `the proxy answered ${response.status}`);
  return answer;
}
