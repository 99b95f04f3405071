// Whether a request's args fit the function, checked by the proxy so that a run that can only fail
// with ERR_USAGE is refused with a 400 instead of queued.
import type { JsonValue } from "../../sandbox/contract.ts";
import type { LoadedFunction } from "../functions/types.ts";
import { HttpError } from "../http/http-error.ts";
import { jsonTypeOf } from "./json-body.ts";

/**
 * What is wrong with `args` for `fn`, or undefined when they fit. The executor's rule (argsOfSteps
 * in src/runtime/run-function.ts, which that module does not export): empty args mean the
 * config's; a single-step function takes an object; a workflow a list with one entry per handler.
 * test/proxy/args-shape.test.ts holds this to the executor's verdicts.
 */
export function argsShapeProblem(fn: LoadedFunction, args: JsonValue | undefined): string | undefined {
  if (isEmpty(args)) return undefined;
  const workflow = fn.steps.length > 1 || fn.kind === "workflow" || fn.kind === "active-passive-workflow";
  if (!workflow) return typeof args === "object" && !Array.isArray(args) ? undefined : `${fn.name} takes a JSON object (got ${jsonTypeOf(args)})`;
  if (Array.isArray(args) && args.length === fn.steps.length) return undefined;
  const got = Array.isArray(args) ? `a list of ${args.length}` : jsonTypeOf(args);
  return `the workflow ${fn.name} takes a list of ${fn.steps.length} objects, one per handler (got ${got})`;
}

/** Throws a 400 naming `field` when the args do not fit the function. */
export function checkArgsShape(fn: LoadedFunction, args: JsonValue | undefined, field: string): void {
  const problem = argsShapeProblem(fn, args);
  if (problem !== undefined) throw new HttpError(400, "ERR_BAD_REQUEST", `invalid /execute request: \`${field}\`: ${problem}`);
}

function isEmpty(args: JsonValue | undefined): boolean {
  if (args === undefined || args === null) return true;
  if (Array.isArray(args)) return args.length === 0;
  return typeof args === "object" && Object.keys(args).length === 0;
}
