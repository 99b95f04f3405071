// `skywalker new <name>`: scaffolds a function folder that `skywalker run` executes as is.
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import { indexModules } from "../functions/module-index.ts";

// The name becomes a Kubernetes label value: at most 63 characters, alphanumeric at both ends.
const NAME = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;
const MAX_NAME_LENGTH = 63;

export async function newCommand(name: string, options: { functions: string }): Promise<number> {
  const problem = nameProblem(name);
  if (problem !== undefined) throw new SkywalkerError(ErrorCodes.USAGE, `"${name}" is not a function name: ${problem}`);
  const root = resolve(options.functions);
  const dir = join(root, name);
  if (await exists(dir)) throw new SkywalkerError(ErrorCodes.USAGE, `${dir} already exists`);
  // The new folder's module would share its bare name with this one, and every import of it would become ambiguous.
  const taken = (await exists(root)) ? (await indexModules(root)).global.get(name) : undefined;
  if (taken !== undefined) {
    const files = taken.map((file) => join(options.functions, relative(root, file))).join(", ");
    throw new SkywalkerError(ErrorCodes.USAGE, `"${name}" is already the bare name of ${files}: a function of that name would make import "${name}" ambiguous; choose another name`);
  }
  await mkdir(dir, { recursive: true });
  const config = {
    name,
    version: "0.1.0",
    enabled: true,
    description: `What ${name} does`,
    executor: "executor.DefaultExecutor",
    handler: `${name}.main`,
    args: { target: "world" },
    schedule: [{ environment: "production", cron: "@every 1m", "cron-enabled": true }],
    limits: { ...DEFAULT_LIMITS },
    isolation: "warm",
    retries: 0,
  };
  await writeFile(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(join(dir, `${name}.ts`), handlerTemplate());
  process.stdout.write(`created ${dir}\nrun it: npx skywalker run ${name} --functions ${options.functions}\n`);
  return 0;
}

function nameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `it has ${name.length} characters, and a Kubernetes label takes at most ${MAX_NAME_LENGTH}`;
  if (!NAME.test(name)) return 'use lowercase letters, digits, "-" and "_", starting and ending with a letter or digit (it becomes a Kubernetes label)';
  return undefined;
}

function handlerTemplate(): string {
  return `import type { Handler } from "skywalker";

interface Args {
  target: string;
}

/** Runs on every tick of the schedule in config.json; the result lands in the run record. */
export const main: Handler<Args> = async (args, ctx) => {
  ctx.log.info(\`hello, \${args.target}\`, { run: ctx.runId, attempt: ctx.attempt });
  return { greeted: args.target, at: new Date().toISOString() };
};
`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
