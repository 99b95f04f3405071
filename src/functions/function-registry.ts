// The functions a running process knows: loaded at start, replaced as a whole on reload, so that
// a reader always sees one consistent catalog. Listeners hear which functions changed.
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import type { Logger } from "pino";
import { loadFunctions } from "./load-functions.ts";
import type { FunctionCatalog, FunctionLoadError, LoadedFunction } from "./types.ts";

export interface RegistryChange {
  /** Functions added, removed or whose code or config changed. */
  changed: string[];
}

export class FunctionRegistry extends EventEmitter<{ change: [RegistryChange] }> {
  private catalog: FunctionCatalog;
  private readonly root: string;
  private readonly logger: Logger;
  private loading: Promise<FunctionCatalog> | undefined;

  private constructor(root: string, catalog: FunctionCatalog, logger: Logger) {
    super();
    this.root = root;
    this.catalog = catalog;
    this.logger = logger;
  }

  static async open(dir: string, logger: Logger): Promise<FunctionRegistry> {
    const root = resolve(dir);
    const registry = new FunctionRegistry(root, await loadFunctions(root), logger);
    registry.report();
    return registry;
  }

  get(name: string): LoadedFunction | undefined {
    return this.catalog.functions.get(name);
  }

  loadError(name: string): FunctionLoadError | undefined {
    return this.catalog.errors.find((error) => error.name === name);
  }

  functions(): LoadedFunction[] {
    return [...this.catalog.functions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  errors(): FunctionLoadError[] {
    return this.catalog.errors;
  }

  /** Re-reads the folder; concurrent calls share one load. */
  async reload(): Promise<RegistryChange> {
    this.loading ??= loadFunctions(this.root).finally(() => {
      this.loading = undefined;
    });
    const next = keepLastGood(this.catalog, await this.loading);
    const changed = diff(this.catalog, next);
    this.catalog = next;
    this.report();
    if (changed.length > 0) this.emit("change", { changed });
    return { changed };
  }

  private report(): void {
    this.logger.info({ root: this.root, functions: this.catalog.functions.size, invalid: this.catalog.errors.length }, "functions loaded");
    for (const error of this.catalog.errors) {
      this.logger.error({ function: error.name, file: error.file, code: error.code, issues: error.issues }, error.message);
    }
  }
}

/**
 * A function that loaded before and fails now keeps its last good version running (a typo in a
 * config must not stop a check that worked); its error is still reported. A deleted one is gone.
 */
function keepLastGood(before: FunctionCatalog, after: FunctionCatalog): FunctionCatalog {
  const errors = after.errors.map((error) => {
    const previous = before.functions.get(error.name);
    if (previous === undefined || after.functions.has(error.name)) return error;
    after.functions.set(error.name, previous);
    return { ...error, keptLastGood: true, message: `${error.message} (the last good version keeps running)` };
  });
  return { ...after, errors };
}

function versionOf(fn: LoadedFunction | undefined): string | undefined {
  return fn === undefined ? undefined : `${fn.codeHash}:${JSON.stringify(fn.rawConfig)}`;
}

function diff(before: FunctionCatalog, after: FunctionCatalog): string[] {
  const names = new Set([...before.functions.keys(), ...after.functions.keys(), ...before.errors.map((e) => e.name), ...after.errors.map((e) => e.name)]);
  return [...names].filter((name) => versionOf(before.functions.get(name)) !== versionOf(after.functions.get(name)) || before.errors.some((e) => e.name === name) !== after.errors.some((e) => e.name === name));
}
