// Loads every function of a folder: reads and validates each config, bundles its handlers, and
// collects a precise error for each broken function without letting it stop the others.
import { readFile, stat } from "node:fs/promises";
import { basename, relative, resolve, sep } from "node:path";
import { ErrorCodes, messageOf, SkywalkerError } from "../errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../json-values.ts";
import { bundleFunction } from "./bundle.ts";
import { whileBuilding } from "./esbuild-service.ts";
import { executorKindOf, FunctionConfigSchema } from "./config-schema.ts";
import type { FunctionConfig } from "./config-schema.ts";
import { formatPath, issuesOfZod, jsonParseIssue } from "./config-issues.ts";
import { ceilingsFromEnv, resolveLimits } from "./limits.ts";
import { indexModules } from "./module-index.ts";
import type { FolderEntry, ModuleIndex, OutsideLink } from "./module-index.ts";
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
  const loaded = await whileBuilding(() => Promise.all(index.folders.filter((folder) => folder.configFiles.length > 0).map((folder) => loadOneSafely(index, folder, ceilings))));
  catalog.errors.push(...layoutErrors(index));
  for (const result of loaded) {
    if ("error" in result) catalog.errors.push(result.error);
    else catalog.functions.set(result.fn.name, result.fn);
  }
  return catalog;
}

type LoadResult = { fn: LoadedFunction } | { error: FunctionLoadError };

/** A module as a handler names it: a bare file name, as an import names one (see bundle.ts). */
const BARE_MODULE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Whatever goes wrong in loading one function is that function's error, never the others'. */
async function loadOneSafely(index: ModuleIndex, folder: FolderEntry, ceilings: LimitCeilings): Promise<LoadResult> {
  const links = index.outside.filter((link) => folderOf(index, link.path) === folder.name);
  if (links.length > 0) return { error: loadError(folder.name, links[0]!.path, ErrorCodes.CONFIG_INVALID, links.map((link) => outsideIssue(index, link)), folder.name) };
  try {
    return await loadOne(index, folder, ceilings);
  } catch (error) {
    const file = folder.configFiles[0] ?? folder.dir;
    return { error: loadError(folder.name, file, ErrorCodes.CONFIG_INVALID, [{ path: "", message: `could not be loaded: ${messageOf(error)}` }]) };
  }
}

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
  const tooDeep = deepFields(json);
  if (tooDeep.length > 0) return fail(ErrorCodes.CONFIG_INVALID, tooDeep);
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
    else if (!BARE_MODULE.test(handler.slice(0, dot))) issues.push({ path, message: `"${handler.slice(0, dot)}" is not a module's name: a handler names a file of the functions folder without its folder or extension (e.g. "hello-skywalker.main")` });
    return { handler, module: handler.slice(0, dot), exportName: handler.slice(dot + 1), args: (args[i] ?? {}) as StepSpec["args"] };
  });
}

function scheduleOf(config: FunctionConfig, issues: ConfigIssue[]): ScheduleEntry[] {
  const entries: ScheduleEntry[] = [];
  config.schedule.forEach((entry, i) => {
    const parsed = parseSchedule(entry.cron);
    if ("error" in parsed) issues.push({ path: formatPath(["schedule", i, "cron"]), message: parsed.error });
    if (entry.timezone !== undefined && "trigger" in parsed && parsed.trigger.kind === "every") {
      issues.push({ path: formatPath(["schedule", i, "timezone"]), message: "applies to cron expressions only: an @every period is the same in every time zone" });
    } else if (entry.timezone !== undefined && !isValidTimezone(entry.timezone)) {
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

/**
 * What the index found that is no function and would otherwise go unnoticed: a folder or a
 * library's file that links outside the root (never read), a folder whose config is misnamed.
 */
function layoutErrors(index: ModuleIndex): FunctionLoadError[] {
  const functionFolders = new Set(index.folders.filter((folder) => folder.configFiles.length > 0).map((folder) => folder.name));
  const errors: FunctionLoadError[] = [];
  for (const link of index.outside) {
    const name = folderOf(index, link.path);
    if (!functionFolders.has(name)) errors.push(loadError(name, link.path, ErrorCodes.CONFIG_INVALID, [outsideIssue(index, link)], name));
  }
  for (const folder of index.folders) {
    if (folder.configFiles.length > 0 || folder.strayConfigs.length === 0) continue;
    const stray = folder.strayConfigs[0]!;
    errors.push(loadError(folder.name, stray, ErrorCodes.CONFIG_INVALID, [{ path: "", message: `not read: a function's config is named config.json or ${folder.name}-config.json (names are case-sensitive)` }]));
  }
  return errors;
}

/** The top-level folder of the root that `path` is in (or is). */
function folderOf(index: ModuleIndex, path: string): string {
  return relative(index.root, path).split(sep)[0]!;
}

function outsideIssue(index: ModuleIndex, link: OutsideLink): ConfigIssue {
  return { path: "", message: `${relative(index.root, link.path)} is a symbolic link to ${link.target}, outside the functions folder: it is not read` };
}

/** Fields nested too deep for the schema check (which recurses) to look at. */
function deepFields(json: unknown): ConfigIssue[] {
  if (typeof json !== "object" || json === null) return [];
  return Object.entries(json)
    .filter(([, value]) => nestsDeeperThan(value))
    .map(([field]) => ({ path: formatPath([field]), message: `nests deeper than ${MAX_JSON_DEPTH} levels` }));
}

/** `where` defaults to the file as `<folder>/<file>`. */
function loadError(name: string, file: string, code: string, issues: ConfigIssue[], where = `${name}/${basename(file)}`): FunctionLoadError {
  const detail = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ");
  return { name, file, code, issues, message: `${where}: ${detail}` };
}
