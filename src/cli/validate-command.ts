// `skywalker validate [dir]`: loads every function of a folder and reports each one's problems.
import { resolve } from "node:path";
import { loadFunctions } from "../functions/load-functions.ts";
import { ExitCode } from "./exit-codes.ts";

export async function validateCommand(dir: string, options: { json?: boolean }): Promise<number> {
  const catalog = await loadFunctions(resolve(dir));
  if (options.json === true) {
    const functions = [...catalog.functions.values()].map((fn) => ({ name: fn.name, kind: fn.kind, configFile: fn.configFile }));
    process.stdout.write(`${JSON.stringify({ root: catalog.root, functions, errors: catalog.errors }, null, 2)}\n`);
  } else {
    for (const fn of [...catalog.functions.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      process.stdout.write(`ok      ${fn.name} (${fn.kind})\n`);
    }
    for (const error of catalog.errors) {
      process.stdout.write(`invalid ${error.name}: ${error.message}\n`);
    }
    process.stdout.write(`${catalog.functions.size} valid, ${catalog.errors.length} invalid in ${catalog.root}\n`);
  }
  return catalog.errors.length === 0 ? ExitCode.OK : ExitCode.USAGE;
}
