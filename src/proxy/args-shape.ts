// Args that cannot fit the function are refused by the proxy with a 400, instead of queued as a
// run that can only fail with ERR_USAGE (the rule is the executor's: src/runtime/step-args.ts).
import type { JsonValue } from "../../sandbox/contract.ts";
import type { LoadedFunction } from "../functions/types.ts";
import { HttpError } from "../http/http-error.ts";
import { argsShapeProblem } from "../runtime/step-args.ts";

/** Throws a 400 naming `field` when the args do not fit the function. */
export function checkArgsShape(fn: LoadedFunction, args: JsonValue | undefined, field: string): void {
  const problem = argsShapeProblem(fn, args);
  if (problem !== undefined) throw new HttpError(400, "ERR_BAD_REQUEST", `invalid /execute request: \`${field}\`: ${problem}`);
}
