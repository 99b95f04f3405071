// Turns a functions folder into ConfigMaps: one per folder (a function, or a library of shared
// modules), its files as keys, labelled so that Skywalker's pods can select them.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import { loadFunctions } from "../functions/load-functions.ts";
import { indexModules } from "../functions/module-index.ts";
import { FOLDER_LABEL, KIND_LABEL, MAX_CONFIGMAP_BYTES, PART_OF, SHIPPED_EXTENSIONS } from "./configmap-format.ts";
import type { FunctionConfigMap } from "./configmap-format.ts";
import { checkShipping } from "./shipping-check.ts";

export function configMapName(folder: string): string {
  return `skywalker-fn-${folder.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 253);
}

/**
 * Validates every function, then builds the ConfigMaps; refuses, naming function and field, if any
 * is invalid, and naming folder or file if any would not reach the pods as it is here.
 */
export async function buildFunctionConfigMaps(functionsDir: string, namespace?: string): Promise<FunctionConfigMap[]> {
  const catalog = await loadFunctions(functionsDir);
  if (catalog.errors.length > 0) {
    const lines = catalog.errors.map((error) => `  ${error.message}`).join("\n");
    throw new SkywalkerError(ErrorCodes.CONFIG_INVALID, `not shipping: ${catalog.errors.length} function(s) are invalid:\n${lines}`);
  }
  const index = await indexModules(catalog.root);
  const maps: FunctionConfigMap[] = [];
  const names = new Map<string, string>();
  for (const folder of index.folders) {
    const files = (await readdir(folder.dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && SHIPPED_EXTENSIONS.some((ext) => entry.name.endsWith(ext)))
      .map((entry) => entry.name)
      .sort();
    if (files.length === 0) continue;
    const data: Record<string, string> = {};
    for (const file of files) data[file] = await readFile(join(folder.dir, file), "utf8");
    const bytes = Object.entries(data).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
    if (bytes > MAX_CONFIGMAP_BYTES) {
      throw new SkywalkerError(ErrorCodes.CONFIG_INVALID, `${folder.name}: its files come to ${bytes} bytes, over the ${MAX_CONFIGMAP_BYTES}-byte limit of a ConfigMap; split its code or shrink it`);
    }
    const name = configMapName(folder.name);
    const clash = names.get(name);
    if (clash !== undefined) throw new SkywalkerError(ErrorCodes.CONFIG_INVALID, `folders "${clash}" and "${folder.name}" would both become ConfigMap ${name}; rename one`);
    names.set(name, folder.name);
    maps.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        ...(namespace === undefined ? {} : { namespace }),
        labels: { [PART_OF]: "skywalker", [KIND_LABEL]: folder.configFiles.length > 0 ? "function" : "library", [FOLDER_LABEL]: folder.name },
      },
      data,
    });
  }
  await checkShipping(catalog, maps);
  return maps;
}
