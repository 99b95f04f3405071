// Every module under the functions root, addressable by its bare name (file name without
// extension), as the original had all code of all functions in one folder. A bare import is
// looked up in the importing function's own folder first, then across the root.
//
// Symbolic links are followed only when they lead inside the root (a mounted ConfigMap's files
// are links into the mount); one that leads elsewhere is listed in `outside` and never read.
import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { basename, extname, isAbsolute, join, relative, sep } from "node:path";

export const MODULE_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"] as const;

export interface FolderEntry {
  name: string;
  dir: string;
  /** config.json / <name>-config.json files found; a folder without one is a library folder. */
  configFiles: string[];
  /** Files named like a config but not one (`Config.json`, `old-name-config.json`): a likely mistake. */
  strayConfigs: string[];
  /** bare name → files (more than one is a conflict) */
  modules: Map<string, string[]>;
}

export interface ModuleIndex {
  root: string;
  folders: FolderEntry[];
  /** bare name → files across all folders */
  global: Map<string, string[]>;
  /** The root with its own symbolic links resolved: every file read must be under it. */
  realRoot: string;
  /** Symbolic links under the root that lead outside it, with their targets. */
  outside: OutsideLink[];
}

export interface OutsideLink {
  path: string;
  target: string;
}

function isModuleFile(file: string): boolean {
  return (MODULE_EXTENSIONS as readonly string[]).includes(extname(file)) && !file.endsWith(".d.ts");
}

export async function indexModules(root: string): Promise<ModuleIndex> {
  const realRoot = await realpath(root);
  const index: ModuleIndex = { root, folders: [], global: new Map(), realRoot, outside: [] };
  for (const entry of byName(await readdir(root, { withFileTypes: true }))) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const dir = join(root, entry.name);
    if ((await kindOf(dir, entry, index)) !== "folder") continue;
    const folder: FolderEntry = { name: entry.name, dir, configFiles: [], strayConfigs: [], modules: new Map() };
    for (const file of byName(await readdir(dir, { withFileTypes: true }))) {
      const path = join(dir, file.name);
      // Whatever it is (a folder, say), reading it says what is wrong with it.
      if (file.name === "config.json" || file.name === `${entry.name}-config.json`) {
        if (!file.isSymbolicLink() || (await kindOf(path, file, index)) === "file") folder.configFiles.push(path);
      }
      else if (/config\.json$/i.test(file.name)) folder.strayConfigs.push(path);
      else if (isModuleFile(file.name) && (await kindOf(path, file, index)) === "file") {
        const bare = basename(file.name, extname(file.name));
        folder.modules.set(bare, [...(folder.modules.get(bare) ?? []), path]);
        index.global.set(bare, [...(index.global.get(bare) ?? []), path]);
      }
    }
    index.folders.push(folder);
  }
  return index;
}

function byName(entries: Dirent[]): Dirent[] {
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** What an entry is, following a symbolic link only when it stays inside the root. */
async function kindOf(path: string, entry: Dirent, index: ModuleIndex): Promise<"folder" | "file" | "other"> {
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? "folder" : entry.isFile() ? "file" : "other";
  const target = await realpath(path).catch(() => undefined);
  if (target === undefined) return "other"; // a dangling link
  if (!isInside(index.realRoot, target)) {
    index.outside.push({ path, target });
    return "other";
  }
  const info = await stat(target);
  return info.isDirectory() ? "folder" : info.isFile() ? "file" : "other";
}

/** Whether the real path `path` lies under the real root. */
export function isInside(realRoot: string, path: string): boolean {
  const rel = relative(realRoot, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
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

