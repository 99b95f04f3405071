// `skywalker start`: runs one role, or all three with their own Redis, until SIGINT or SIGTERM.
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { startService } from "../service/service.ts";
import { settingsFromEnv } from "../settings.ts";
import type { Role, Settings } from "../settings.ts";

const ROLES: readonly Role[] = ["all", "proxy", "executor", "chronomaster"];

export interface StartOptions {
  role: string;
  functions?: string;
  environment?: string;
  proxyPort?: string;
  guiPort?: string;
  concurrency?: string;
  bind?: string;
}

export async function startCommand(options: StartOptions): Promise<number> {
  if (!ROLES.includes(options.role as Role)) {
    throw new SkywalkerError(ErrorCodes.USAGE, `--role must be one of ${ROLES.join(", ")}; got "${options.role}"`);
  }
  const role = options.role as Role;
  const settings = settingsFromEnv(process.env, overridesFrom(options));
  const logger = createLogger();
  const service = await startService(role, settings, logger);
  const lines = [`Skywalker is running (role: ${role}, environment: ${settings.environment}, functions: ${settings.functionsDir})`];
  if (service.proxy) lines.push(`  API  ${service.proxy.url}   e.g. curl -XPOST ${service.proxy.url}/execute -H 'content-type: application/json' -d '{"function":"hello-skywalker"}'`);
  if (service.chronomaster) lines.push(`  GUI  ${service.chronomaster.url}`);
  lines.push(`  Redis ${service.redisUrl}${settings.redisUrl === undefined ? " (started by Skywalker; data in " + settings.dataDir + "/redis)" : ""}`);
  lines.push("Press Ctrl-C to stop.");
  process.stderr.write(`${lines.join("\n")}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        logger.warn({ signal }, "second signal: exiting without waiting");
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, "stopping: draining runs in flight");
      void service.stop().finally(resolve);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

function overridesFrom(options: StartOptions): Partial<Settings> {
  const overrides: Partial<Settings> = {};
  if (options.functions !== undefined) overrides.functionsDir = options.functions;
  if (options.environment !== undefined) overrides.environment = options.environment;
  if (options.bind !== undefined) overrides.bind = options.bind;
  if (options.proxyPort !== undefined) overrides.proxyPort = integer("--proxy-port", options.proxyPort);
  if (options.guiPort !== undefined) overrides.guiPort = integer("--gui-port", options.guiPort);
  if (options.concurrency !== undefined) overrides.concurrency = integer("--concurrency", options.concurrency);
  return overrides;
}

function integer(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new SkywalkerError(ErrorCodes.USAGE, `${flag} must be a whole number; got "${text}"`);
  return value;
}
