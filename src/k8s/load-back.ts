// The strongest check before shipping: write the ConfigMaps out as the pods' source does, load
// the functions from there, and compare with the local load. Whatever a ConfigMap cannot carry
// shows up here, whether or not a more specific check names it.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadFunctions } from "../functions/load-functions.ts";
import type { FunctionCatalog } from "../functions/types.ts";
import { folderOfConfigMap, writeConfigMapFiles } from "./configmap-folder.ts";
import type { FunctionConfigMap } from "./configmap-format.ts";
import type { ShippingProblem } from "./shipping-problem.ts";

export async function loadBackProblems(local: FunctionCatalog, maps: FunctionConfigMap[], shown: string): Promise<ShippingProblem[]> {
  const dir = await mkdtemp(join(tmpdir(), "skywalker-load-back-"));
  try {
    for (const map of maps) {
      const folder = folderOfConfigMap(map);
      if (folder === undefined) continue; // the source ignores it; its function goes missing below
      await mkdir(join(dir, folder));
      await writeConfigMapFiles(join(dir, folder), map);
    }
    const shipped = await loadFunctions(dir);
    const problems: ShippingProblem[] = [];
    for (const fn of local.functions.values()) {
      const loaded = shipped.functions.get(fn.name);
      const why =
        loaded === undefined
          ? `does not load from its ConfigMaps: ${shipped.errors.find((error) => error.name === fn.name)?.message ?? "the source would not write its folder"}`
          : JSON.stringify(loaded.rawConfig) !== JSON.stringify(fn.rawConfig)
            ? "its config.json loaded from its ConfigMap differs from the local one"
            : atLocalPaths(loaded.code, dir, local.root) !== fn.code
              ? "its code bundled from the ConfigMaps differs from the local bundle"
              : undefined;
      if (why !== undefined) problems.push({ message: `${shown}/${fn.name}: ${why}`, folders: [fn.name] });
    }
    return problems;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A bundle names its modules by path relative to the working directory (in comments, and as
 * keys of CommonJS modules). Rewrites the paths under `from` to the same files under `to`, so
 * bundles of equal folders in two places compare equal. Every path under `from` is made of
 * ConfigMap key characters, and `from` is a fresh temporary folder that no code mentions.
 */
function atLocalPaths(code: string, from: string, to: string): string {
  const prefix = `${relative(process.cwd(), from)}/`;
  const escaped = prefix.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
  return code.replace(new RegExp(`${escaped}([-._A-Za-z0-9/<>]+)`, "g"), (_, path: string) => relative(process.cwd(), join(to, path)));
}
