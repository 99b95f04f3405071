// `skywalker new <name>`: scaffolds a function folder that `skywalker run` executes as is.
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import { DEFAULT_LIMITS } from "../functions/limits.ts";

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

export async function newCommand(name: string, options: { functions: string }): Promise<number> {
  if (!NAME.test(name)) {
    throw new SkywalkerError(ErrorCodes.USAGE, `"${name}" is not a function name: use lowercase letters, digits, "-" and "_", starting with a letter or digit`);
  }
  const dir = join(resolve(options.functions), name);
  if (await exists(dir)) throw new SkywalkerError(ErrorCodes.USAGE, `${dir} already exists`);
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
