// The in-isolate runtime (sandbox/runtime.ts), bundled once per process into a classic script.
// The supervisor builds it and hands it to its sandbox hosts, which then need no esbuild.
import { buildSync } from "esbuild";
import { whileBuildingSync } from "../functions/esbuild-service.ts";
import { fileURLToPath } from "node:url";

let source: string | undefined;

export function runtimeSource(): string {
  source ??= whileBuildingSync(() => buildSync({
    entryPoints: [fileURLToPath(new URL("../../sandbox/runtime.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "iife",
    platform: "neutral",
    target: "es2024",
    logLevel: "silent",
    legalComments: "none",
  })).outputFiles[0]!.text;
  return source;
}

/** The runtime's entry in a host's code cache, and the file name its stack frames show. */
export const RUNTIME_SCRIPT = { key: "runtime", filename: "skywalker:runtime.js" } as const;
