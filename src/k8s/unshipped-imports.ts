// Files a function imports that no ConfigMap carries (a subfolder, the root of the functions
// folder, a file type that is not shipped), found before anything is shipped. Read from the
// bundle: above each module it holds, esbuild writes a comment with the module's path,
// relative to the working directory.
import { stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { isInside } from "../functions/module-index.ts";
import type { FunctionCatalog } from "../functions/types.ts";
import { FOLDER_LABEL, SHIPPED_EXTENSIONS } from "./configmap-format.ts";
import type { FunctionConfigMap } from "./configmap-format.ts";
import type { ShippingProblem } from "./shipping-problem.ts";

const PATH_COMMENT = /^\s*\/\/ (.+)$/gm;

export async function unshippedImports(catalog: FunctionCatalog, maps: FunctionConfigMap[], shown: string): Promise<ShippingProblem[]> {
  const { root } = catalog;
  const shippedFolders = new Set(maps.map((map) => map.metadata.labels[FOLDER_LABEL]!));
  const shippedFiles = new Set(maps.flatMap((map) => Object.keys(map.data).map((key) => join(root, map.metadata.labels[FOLDER_LABEL]!, key))));
  const importers = new Map<string, string[]>(); // file relative to root → functions
  for (const fn of catalog.functions.values()) {
    for (const [, path] of fn.code.matchAll(PATH_COMMENT)) {
      const file = resolve(path!);
      if (!isInside(root, file) || shippedFiles.has(file)) continue;
      const inRoot = relative(root, file);
      // other comments (esbuild's own helpers) name no file
      if ((await stat(file).catch(() => undefined)) === undefined) continue;
      importers.set(inRoot, [...new Set([...(importers.get(inRoot) ?? []), fn.name])]);
    }
  }
  return [...importers].map(([file, functions]) => ({
    message: `${shown}/${file}: ${whyNotShipped(file, shippedFolders)} (imported by ${functions.join(", ")})`,
    folders: functions,
  }));
}

function whyNotShipped(file: string, shippedFolders: Set<string>): string {
  const parts = file.split(sep);
  if (parts.length === 1) return "files at the root of the functions folder cannot be shipped as ConfigMaps; move it into a library folder";
  if (parts.length > 2) return "files in subfolders cannot be shipped as ConfigMap keys; move it up into its folder";
  if (!shippedFolders.has(parts[0]!)) return `folder "${parts[0]}" is not shipped (folders named node_modules or starting with "." are left out)`;
  return `only regular files named *${SHIPPED_EXTENSIONS.join(", *")} are shipped`;
}
