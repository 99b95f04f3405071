// Bundles a function's handlers and everything they import into one classic script for its
// isolate. Imports resolve only to modules of the functions folder: a Node built-in or an npm
// package is a load-time error, never a runtime surprise. The script only defines a factory;
// the modules' top-level code runs on the first run, inside that run's limits.
import { createHash } from "node:crypto";
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { build } from "esbuild";
import type { Message, Plugin } from "esbuild";
import { BRIDGE } from "../../sandbox/contract.ts";
import { ErrorCodes } from "../errors.ts";
import { isInside, MODULE_EXTENSIONS, resolveBare } from "./module-index.ts";
import type { FolderEntry, ModuleIndex } from "./module-index.ts";
import type { ConfigIssue, StepSpec } from "./types.ts";

const ENTRY = "<handlers>";
const EXPORTS = "__skywalker_exports";

export type BundleResult = { code: string; codeHash: string } | { errorCode: string; issues: ConfigIssue[] };

export async function bundleFunction(index: ModuleIndex, folder: FolderEntry, steps: StepSpec[], handlerField: (step: number) => string): Promise<BundleResult> {
  const imports = steps.map((step, i) => `import { ${JSON.stringify(step.exportName)} as h${i} } from ${JSON.stringify(step.module)};`);
  const entry = `${imports.join("\n")}\nexport const handlers = [${steps.map((_, i) => `h${i}`).join(", ")}];\n`;
  try {
    const result = await build({
      stdin: { contents: entry, sourcefile: ENTRY, resolveDir: folder.dir, loader: "js" },
      bundle: true,
      write: false,
      format: "iife",
      globalName: EXPORTS,
      platform: "neutral",
      target: "es2024",
      mainFields: [],
      logLevel: "silent",
      legalComments: "none",
      charset: "utf8",
      // The factory is made inside an IIFE: a closure created at a script's top level keeps every
      // context the (cached, shared) script ran in alive, which would leak a context per fresh run.
      // "use strict": the handlers are ES modules, whose code is strict; a classic script is not.
      // The factory is a parenthesised function expression, which V8 compiles eagerly, so its
      // bytecode is in the code cache and a new isolate does not parse the bundle again.
      banner: { js: `(() => { "use strict"; globalThis.${BRIDGE.bundle} = (function () {` },
      footer: { js: `return ${EXPORTS};\n}); })();` },
      plugins: [functionsOnly(index, folder)],
    });
    const code = result.outputFiles[0]!.text;
    return { code, codeHash: createHash("sha256").update(code).digest("hex") };
  } catch (failure) {
    const errors = (failure as { errors?: Message[] }).errors ?? [{ text: String(failure) } as Message];
    return { errorCode: codeOf(errors), issues: errors.map((error) => issueOf(error, index.root, steps, handlerField)) };
  }
}

/** Resolves imports to the functions folder and nowhere else. */
function functionsOnly(index: ModuleIndex, folder: FolderEntry): Plugin {
  return {
    name: "skywalker-functions-only",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point") return undefined;
        const from = args.importer === ENTRY || args.importer === "" ? `${folder.name}/` : relative(index.root, args.importer);
        if (args.path.startsWith(".") || isAbsolute(args.path)) {
          const found = await resolveRelative(index, args.resolveDir, args.path);
          if ("path" in found) return found;
          return { errors: [{ text: `module "${args.path}" imported by ${from} ${found.error}` }] };
        }
        const resolution = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(args.path) ? resolveBare(index, folder, args.path) : { error: "" };
        if ("path" in resolution) return { path: resolution.path };
        return {
          errors: [
            {
              text:
                `module "${args.path}" imported by ${from} is not available: functions cannot use Node built-ins or npm packages; ` +
                `import a module of the functions folder by its bare name${resolution.error ? ` (${resolution.error})` : ""}`,
            },
          ],
        };
      });
    },
  };
}

/** A relative import's file, if it is inside the functions folder once symbolic links are resolved. */
async function resolveRelative(index: ModuleIndex, fromDir: string, specifier: string): Promise<{ path: string } | { error: string }> {
  const notFound = { error: "was not found inside the functions folder" };
  const base = resolve(fromDir, specifier);
  if (!isInside(index.root, base)) return notFound;
  for (const candidate of [base, ...MODULE_EXTENSIONS.map((ext) => base + ext)]) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile() !== true) continue;
    const real = await realpath(candidate);
    return isInside(index.realRoot, real) ? { path: candidate } : { error: `leads through a symbolic link to ${real}, outside the functions folder` };
  }
  return notFound;
}

function codeOf(errors: Message[]): string {
  const first = errors[0]?.text ?? "";
  if (first.startsWith("No matching export")) return ErrorCodes.HANDLER_NOT_FOUND;
  if (first.includes("is not available") || first.includes("was not found inside") || first.includes("outside the functions folder")) return ErrorCodes.MODULE_NOT_FOUND;
  return ErrorCodes.COMPILE;
}

function issueOf(error: Message, root: string, steps: StepSpec[], handlerField: (step: number) => string): ConfigIssue {
  const location = error.location;
  if (location !== null && location !== undefined && (location.file === ENTRY || location.file.endsWith(`/${ENTRY}`))) {
    // line N of the entry imports step N-1's handler
    const step = location.line - 1;
    const spec = steps[step];
    const what = error.text.startsWith("No matching export") ? `module "${spec?.module}" has no export "${spec?.exportName}"` : error.text;
    return { path: handlerField(step), message: `${spec?.handler}: ${what}` };
  }
  const where = location ? `${relative(root, resolve(location.file)) || location.file}:${location.line}:${location.column}: ` : "";
  const hint = /top-level await/i.test(error.text) ? " (top-level await is not supported in functions: await inside the handler instead)" : "";
  return { path: "", message: `${where}${error.text}${hint}` };
}
