// Every module under the functions root, addressable by its bare name (file name without
// extension), as the original had all code of all functions in one folder. A bare import is
// looked up in the importing function's own folder first, then across the root.
import { readdir } from "node:fs/promises";
import { basename, extname, join } from "node:path";

export const MODULE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"] as const;

export interface FolderEntry {
  name: string;
  dir: string;
  /** config.json / <name>-config.json files found; a folder without one is a library folder. */
  configFiles: string[];
  /** bare name → files (more than one is a conflict) */
  modules: Map<string, string[]>;
}

export interface ModuleIndex {
  root: string;
  folders: FolderEntry[];
  /** bare name → files across all folders */
  global: Map<string, string[]>;
}

function isModuleFile(file: string): boolean {
  return (MODULE_EXTENSIONS as readonly string[]).includes(extname(file)) && !file.endsWith(".d.ts");
}

export async function indexModules(root: string): Promise<ModuleIndex> {
  const entries = await readdir(root, { withFileTypes: true });
  const folders: FolderEntry[] = [];
  const global = new Map<string, string[]>();
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const dir = join(root, entry.name);
    const files = (await readdir(dir, { withFileTypes: true })).filter((file) => file.isFile()).map((file) => file.name).sort();
    const folder: FolderEntry = { name: entry.name, dir, configFiles: [], modules: new Map() };
    for (const file of files) {
      if (file === "config.json" || file === `${entry.name}-config.json`) folder.configFiles.push(join(dir, file));
      else if (isModuleFile(file)) {
        const bare = basename(file, extname(file));
        folder.modules.set(bare, [...(folder.modules.get(bare) ?? []), join(dir, file)]);
        global.set(bare, [...(global.get(bare) ?? []), join(dir, file)]);
      }
    }
    folders.push(folder);
  }
  return { root, folders, global };
}

export type BareResolution = { path: string } | { error: string };

/** Resolves a bare module name as seen from `folder`. */
export function resolveBare(index: ModuleIndex, folder: FolderEntry, bare: string): BareResolution {
  const own = folder.modules.get(bare);
  if (own !== undefined) {
    return own.length === 1 ? { path: own[0]! } : { error: `module "${bare}" is ambiguous: ${own.map((file) => basename(file)).join(" and ")} in ${folder.name}/` };
  }
  const found = index.global.get(bare);
  if (found === undefined) return { error: `no module named "${bare}" in the functions folder` };
  if (found.length > 1) {
    return { error: `module "${bare}" is ambiguous: ${found.map((file) => file.slice(index.root.length + 1)).join(", ")}; rename one, or import it relatively` };
  }
  return { path: found[0]! };
}

