// The `skywalker` command. Each subcommand's code is imported only when it runs.
import { Command, CommanderError } from "commander";
import { errorCodeOf, ErrorCodes, messageOf } from "../errors.ts";
import { ExitCode } from "./exit-codes.ts";
import type { ConfigmapOptions } from "./configmap-command.ts";
import type { StartOptions } from "./start-command.ts";

const DEFAULT_FUNCTIONS = process.env.SKYWALKER_FUNCTIONS ?? "./functions";

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = new Command("skywalker")
    .description("Host untrusted functions and run them on schedule, each in its own V8 isolate.")
    .exitOverride()
    .showHelpAfterError();

  program
    .command("run")
    .description("run a function once, exactly as an executor would, and print its run record")
    .argument("<function>", "function name (its folder under --functions)")
    .option("--args <json>", "args for the handler, replacing the config's args (a list, one per step, for a workflow)")
    .option("--functions <dir>", "folder of functions", DEFAULT_FUNCTIONS)
    .option("--environment <name>", "schedule environment to report to the function", process.env.SKYWALKER_ENV ?? process.env.environment)
    .action(async (name: string, options: { functions: string; args?: string; environment?: string }) => {
      const { runCommand } = await import("./run-command.ts");
      exitCode = await runCommand(name, options);
    });

  program
    .command("validate")
    .description("check every function of a folder and name each problem")
    .argument("[dir]", "folder of functions", DEFAULT_FUNCTIONS)
    .option("--json", "print the result as JSON")
    .action(async (dir: string, options: { json?: boolean }) => {
      const { validateCommand } = await import("./validate-command.ts");
      exitCode = await validateCommand(dir, options);
    });

  program
    .command("new")
    .description("scaffold a function folder: config.json with the defaults and a typed TypeScript handler")
    .argument("<name>", "function name")
    .option("--functions <dir>", "folder of functions", DEFAULT_FUNCTIONS)
    .action(async (name: string, options: { functions: string }) => {
      const { newCommand } = await import("./new-command.ts");
      exitCode = await newCommand(name, options);
    });

  program
    .command("configmap")
    .description("ship the functions as ConfigMaps: print them as YAML, or apply them with the current kubeconfig")
    .option("--functions <dir>", "folder of functions", DEFAULT_FUNCTIONS)
    .option("--namespace <ns>", "namespace (default: the kubeconfig context's)")
    .option("--apply", "create or replace them through the Kubernetes API")
    .option("-o, --output <format>", "print them (yaml)")
    .option("--prune", "with --apply: delete the ConfigMaps of functions that no longer exist")
    .action(async (options: ConfigmapOptions) => {
      const { configmapCommand } = await import("./configmap-command.ts");
      exitCode = await configmapCommand(options);
    });

  program
    .command("start")
    .description("run Skywalker as a service: proxy, executor and chronomaster (all by default, with its own Redis when REDIS_URL is not set)")
    .option("--role <role>", "all | proxy | executor | chronomaster", "all")
    .option("--functions <dir>", "folder of functions (SKYWALKER_FUNCTIONS)")
    .option("--environment <name>", "schedule environment to fire (SKYWALKER_ENV)")
    .option("--bind <address>", "address the HTTP servers listen on (SKYWALKER_BIND)")
    .option("--proxy-port <port>", "proxy port (SKYWALKER_PROXY_PORT)")
    .option("--gui-port <port>", "chronomaster GUI port (SKYWALKER_GUI_PORT)")
    .option("--concurrency <n>", "runs in flight per executor (SKYWALKER_CONCURRENCY)")
    .action(async (options: StartOptions) => {
      const { startCommand } = await import("./start-command.ts");
      exitCode = await startCommand(options);
    });

  await program.parseAsync(argv);
  return exitCode;
}

try {
  process.exitCode = await main(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  } else {
    const code = errorCodeOf(error);
    process.stderr.write(`skywalker: ${code}: ${messageOf(error)}\n`);
    process.exitCode = code === ErrorCodes.INTERNAL ? ExitCode.RUN_FAILED : ExitCode.USAGE;
  }
}
