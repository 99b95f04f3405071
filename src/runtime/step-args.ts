// Which args a run of a function takes: the proxy refuses a request whose args do not fit (400),
// and the executor turns the ones that do into each step's args. Empty args mean the config's.
import type { JsonValue } from "../../sandbox/contract.ts";
import type { LoadedFunction } from "../functions/types.ts";
import { jsonTypeOf } from "../json-values.ts";

export function isWorkflow(fn: LoadedFunction): boolean {
  return fn.steps.length > 1 || fn.kind === "workflow" || fn.kind === "active-passive-workflow";
}

/** Empty args (none, null, {} or []) stand for the config's. */
export function isEmptyArgs(args: JsonValue | undefined): boolean {
  if (args === undefined || args === null) return true;
  if (Array.isArray(args)) return args.length === 0;
  return typeof args === "object" && Object.keys(args).length === 0;
}

/**
 * What is wrong with `args` for `fn`, or undefined when they fit: a single-step function takes an
 * object, a workflow a list with one entry per handler.
 */
export function argsShapeProblem(fn: LoadedFunction, args: JsonValue | undefined): string | undefined {
  if (isEmptyArgs(args)) return undefined;
  if (!isWorkflow(fn)) return typeof args === "object" && !Array.isArray(args) ? undefined : `${fn.name} takes a JSON object (got ${jsonTypeOf(args)})`;
  if (Array.isArray(args) && args.length === fn.steps.length) return undefined;
  const got = Array.isArray(args) ? `a list of ${args.length}` : jsonTypeOf(args);
  return `the workflow ${fn.name} takes a list of ${fn.steps.length} objects, one per handler (got ${got})`;
}
