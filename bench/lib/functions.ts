// Writes the functions a scenario needs into a temporary folder, in the format of functions/:
// one folder per function with its config.json and one module named after it.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FunctionSpec {
  name: string;
  /** The module's source; it must export `main`. @default a no-op */
  code?: string;
  /** Config fields beside name, executor and handler (schedule, limits, overlap…). */
  config?: Record<string, unknown>;
}

export const NOOP = "export const main = () => null;\n";

export interface FunctionsDir {
  dir: string;
  remove(): void;
}

/** A fresh folder holding these functions; each module is named after its function, so no two collide. */
export function writeFunctions(specs: FunctionSpec[]): FunctionsDir {
  const dir = mkdtempSync(join(tmpdir(), "skywalker-bench-"));
  for (const spec of specs) {
    const folder = join(dir, spec.name);
    mkdirSync(folder);
    writeFileSync(join(folder, "config.json"), JSON.stringify({ name: spec.name, executor: "default", handler: `${spec.name}.main`, ...spec.config }, null, 2));
    writeFileSync(join(folder, `${spec.name}.js`), spec.code ?? NOOP);
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // Also when the scenario fails or is interrupted.
  process.once("exit", remove);
  return { dir, remove };
}

/** `count` no-op functions named fn0000, fn0001…, each with the same config. */
export function noopFunctions(count: number, config: Record<string, unknown> = {}): FunctionSpec[] {
  return Array.from({ length: count }, (_, i) => ({ name: `fn${String(i).padStart(4, "0")}`, config }));
}
