// V8 code cache per script source, kept for the life of the host process, so that a new isolate
// for a function (after a breach, a reload or in fresh mode) skips parsing and compiling again.
import type ivm from "isolated-vm";

/** What compileScript returns besides the Script (isolated-vm's typings leave these out). */
type CompiledWithCache = ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };

export class CodeCache {
  private readonly entries = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();

  /** Compiles `code` in `isolate`, consuming the cache for `key`, or producing it when there is none yet or V8 rejected it. */
  async compile(isolate: ivm.Isolate, key: string, code: string, filename: string): Promise<ivm.Script> {
    const cachedData = this.entries.get(key);
    if (cachedData !== undefined) {
      const script = (await isolate.compileScript(code, { filename, cachedData })) as CompiledWithCache;
      if (script.cachedDataRejected !== true) return script;
      this.forget(key);
    }
    const script = (await isolate.compileScript(code, { filename, produceCachedData: true })) as CompiledWithCache;
    if (script.cachedData !== undefined) this.entries.set(key, script.cachedData);
    return script;
  }

  forget(key: string): void {
    this.entries.get(key)?.release();
    this.entries.delete(key);
  }
}
