// What a one-shot command needs to run functions: a logger, a sandbox pool and the active check.
import type { Logger } from "pino";
import type { LoadedFunction } from "../functions/types.ts";
import { createLogger } from "../logger.ts";
import { activeCheckOptionsFromEnv, checkActive } from "../runtime/active-passive.ts";
import type { RunDependencies } from "../runtime/run-function.ts";
import { SandboxPool } from "../sandbox-host/sandbox-pool.ts";

export interface SandboxSession extends RunDependencies {
  logger: Logger;
  close(): Promise<void>;
}

export function openSandboxSession(env: NodeJS.ProcessEnv = process.env): SandboxSession {
  const logger = createLogger();
  const pool = new SandboxPool({ logger: logger.child({ component: "sandbox" }) });
  return {
    logger,
    pool,
    checkActive: (fn: LoadedFunction) => checkActive(activeCheckOptionsFromEnv(env, fn.activeEndpoint)),
    close: () => pool.close(),
  };
}
