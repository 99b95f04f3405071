// Loads every function of a folder: reads and validates each config, bundles its handlers, and
// collects a precise error for each broken function without letting it stop the others.
import { readFile, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import { bundleFunction } from "./bundle.ts";
import { whileBuilding } from "./esbuild-service.ts";
import { executorKindOf, FunctionConfigSchema } from "./config-schema.ts";
import type { FunctionConfig } from "./config-schema.ts";
import { formatPath, issuesOfZod, jsonParseIssue } from "./config-issues.ts";
import { ceilingsFromEnv, resolveLimits } from "./limits.ts";
import { indexModules } from "./module-index.ts";
import type { FolderEntry, ModuleIndex } from "./module-index.ts";
import { isValidTimezone, parseSchedule } from "./schedule.ts";
import type { ConfigIssue, FunctionCatalog, FunctionLoadError, LimitCeilings, LoadedFunction, ScheduleEntry, StepSpec } from "./types.ts";

export interface LoadOptions {
  /** @default the ceilings from the environment (SKYWALKER_MAX_*) */
  ceilings?: LimitCeilings;
}

export async function loadFunctions(rootDir: string, options: LoadOptions = {}): Promise<FunctionCatalog> {
  const root = resolve(rootDir);
  const info = await stat(root).catch(() => undefined);
  if (info?.isDirectory() !== true) throw new SkywalkerError(ErrorCodes.CONFIG_INVALID, `the functions folder ${root} does not exist or is not a folder`);
  const ceilings = options.ceilings ?? ceilingsFromEnv();
  const index = await indexModules(root);
  const catalog: FunctionCatalog = { root, functions: new Map(), errors: [] };
  const loaded = await whileBuilding(() => Promise.all(index.folders.filter((folder) => folder.configFiles.length > 0).map((folder) => loadOne(index, folder, ceilings))));
  for (const result of loaded) {
    if ("error" in result) catalog.errors.push(result.error);
    else catalog.functions.set(result.fn.name, result.fn);
  }
  return catalog;
}

type LoadResult = { fn: LoadedFunction } | { error: FunctionLoadError };

async function loadOne(index: ModuleIndex, folder: FolderEntry, ceilings: LimitCeilings): Promise<LoadResult> {
  const file = folder.configFiles[0]!;
  const fail = (code: string, issues: ConfigIssue[], at = file): LoadResult => ({ error: loadError(folder.name, at, code, issues) });
  if (folder.configFiles.length > 1) {
    return fail(ErrorCodes.CONFIG_INVALID, [{ path: "", message: `two config files: ${folder.configFiles.map((f) => basename(f)).join(" and ")}; keep one` }]);
  }
  const text = await readFile(file, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(ErrorCodes.CONFIG_INVALID, [jsonParseIssue(text, error)]);
  }
  const parsed = FunctionConfigSchema.safeParse(json);
  if (!parsed.success) return fail(ErrorCodes.CONFIG_INVALID, issuesOfZod(parsed.error.issues));
  const config = parsed.data;
  const issues: ConfigIssue[] = [];
  if (config.name !== folder.name) issues.push({ path: "name", message: `"${config.name}" must equal the folder name "${folder.name}"` });
  const steps = stepsOf(config, issues);
  const schedule = scheduleOf(config, issues);
  const { limits, issues: limitIssues } = resolveLimits(config.limits, ceilings);
  issues.push(...limitIssues);
  if (issues.length > 0) return fail(ErrorCodes.CONFIG_INVALID, issues);

  const handlerField = (step: number): string => (Array.isArray(config.handler) ? `handler[${step}]` : "handler");
  const bundle = await bundleFunction(index, folder, steps, handlerField);
  if ("issues" in bundle) return fail(bundle.errorCode, bundle.issues);
  const kind = executorKindOf(config.executor)!;
  const fn: LoadedFunction = {
    name: config.name,
    dir: folder.dir,
    configFile: file,
    enabled: config.enabled,
    kind,
    steps,
    schedule,
    limits,
    isolation: config.isolation,
    retries: config.retries,
    overlap: config.overlap,
    allowNet: config.allow?.net ?? [],
    secrets: config.secrets,
    rawConfig: json as Record<string, unknown>,
    code: bundle.code,
    codeHash: bundle.codeHash,
  };
  for (const key of ["version", "description", "link", "support", "activeEndpoint"] as const) {
    if (config[key] !== undefined) fn[key] = config[key];
  }
  return { fn };
}

function stepsOf(config: FunctionConfig, issues: ConfigIssue[]): StepSpec[] {
  const kind = executorKindOf(config.executor)!;
  const workflow = kind === "workflow" || kind === "active-passive-workflow";
  const handlers = Array.isArray(config.handler) ? config.handler : [config.handler];
  if (workflow && !Array.isArray(config.handler)) issues.push({ path: "handler", message: `a ${config.executor} takes a list of handlers` });
  if (!workflow && Array.isArray(config.handler)) issues.push({ path: "handler", message: `${config.executor} takes one handler "module.export"; a list needs executor.WorkflowExecutor` });
  let args: Record<string, unknown>[];
  if (workflow) {
    if (config.args !== undefined && !Array.isArray(config.args)) issues.push({ path: "args", message: "a workflow takes a list of args objects, one per handler" });
    args = Array.isArray(config.args) ? config.args : handlers.map(() => ({}));
    if (args.length !== handlers.length) {
      issues.push({ path: "args", message: `has ${args.length} entries but handler has ${handlers.length}: a workflow needs one args object per handler` });
    }
  } else {
    if (Array.isArray(config.args)) issues.push({ path: "args", message: "expected an object (a list of args is for workflows)" });
    args = [Array.isArray(config.args) ? {} : (config.args ?? {})];
  }
  return handlers.map((handler, i) => {
    const dot = handler.lastIndexOf(".");
    const path = Array.isArray(config.handler) ? `handler[${i}]` : "handler";
    if (dot <= 0 || dot === handler.length - 1) issues.push({ path, message: `"${handler}" is not "module.export" (e.g. "hello-skywalker.main")` });
    return { handler, module: handler.slice(0, dot), exportName: handler.slice(dot + 1), args: (args[i] ?? {}) as StepSpec["args"] };
  });
}

function scheduleOf(config: FunctionConfig, issues: ConfigIssue[]): ScheduleEntry[] {
  const entries: ScheduleEntry[] = [];
  config.schedule.forEach((entry, i) => {
    const parsed = parseSchedule(entry.cron);
    if ("error" in parsed) issues.push({ path: formatPath(["schedule", i, "cron"]), message: parsed.error });
    if (entry.timezone !== undefined && !isValidTimezone(entry.timezone)) {
      issues.push({ path: formatPath(["schedule", i, "timezone"]), message: `"${entry.timezone}" is not an IANA time zone (e.g. "Europe/Paris")` });
    }
    if ("trigger" in parsed) {
      entries.push({
        environment: entry.environment,
        cron: entry.cron,
        cronEnabled: entry["cron-enabled"],
        trigger: parsed.trigger,
        ...(entry.timezone === undefined ? {} : { timezone: entry.timezone }),
      });
    }
  });
  return entries;
}

function loadError(name: string, file: string, code: string, issues: ConfigIssue[]): FunctionLoadError {
  const where = `${name}/${basename(file)}`;
  const detail = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ");
  return { name, file, code, issues, message: `${where}: ${detail}` };
}
