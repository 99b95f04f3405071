// `skywalker run <function>`: runs a function once, exactly as an executor would, and prints its
// run record as JSON on stdout. Logs go to stderr.
import { resolve } from "node:path";
import type { JsonValue } from "../../sandbox/contract.ts";
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import { loadFunctions } from "../functions/load-functions.ts";
import type { RunRecord } from "../run-record.ts";
import { runFunction } from "../runtime/run-function.ts";
import { ExitCode } from "./exit-codes.ts";
import { openSandboxSession } from "./sandbox-session.ts";

export interface RunCommandOptions {
  functions: string;
  args?: string;
  environment?: string;
}

export async function runCommand(name: string, options: RunCommandOptions): Promise<number> {
  const args = options.args === undefined ? undefined : parseArgs(options.args);
  const catalog = await loadFunctions(resolve(options.functions));
  const broken = catalog.errors.find((error) => error.name === name);
  if (broken !== undefined) throw new SkywalkerError(broken.code, broken.message);
  const fn = catalog.functions.get(name);
  if (fn === undefined) {
    const known = [...catalog.functions.keys()].sort().join(", ") || "none";
    throw new SkywalkerError(ErrorCodes.FUNCTION_NOT_FOUND, `no function named "${name}" in ${catalog.root} (functions found: ${known})`);
  }
  const session = openSandboxSession();
  try {
    const record = await runFunction(fn, { args, environment: options.environment ?? null }, session);
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    return exitCodeOf(record);
  } finally {
    await session.close();
  }
}

function parseArgs(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new SkywalkerError(ErrorCodes.USAGE, `--args is not valid JSON: ${(error as Error).message}`);
  }
}

export function exitCodeOf(record: RunRecord): number {
  if (record.error?.code === ErrorCodes.USAGE) return ExitCode.USAGE;
  if (record.status === "succeeded") return ExitCode.OK;
  if (record.status === "skipped" && record.error === null) return ExitCode.OK;
  return ExitCode.RUN_FAILED;
}
