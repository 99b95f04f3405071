// V8 code cache per script source, kept for the life of the host process, so that a new isolate
// for a function (after a breach, a reload or in fresh mode) skips parsing and compiling again.
//
// A cache made when a script is compiled holds only the code V8 compiled eagerly: the top level
// and parenthesised functions. Every other function is compiled when first called, in every new
// isolate again (about 0.4 ms of a cold run here). V8 serialises whatever the isolate has compiled
// so far when the same source is compiled again in it (its compilation cache hands back the same
// script), so a script that has run once can give a fuller cache: see `refresh`.
import type ivm from "isolated-vm";

/** What compileScript returns besides the Script (isolated-vm's typings leave these out). */
type CompiledWithCache = ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };

/** Up to this size, a script is read from the cache on the host's thread (see `compile`). */
const SYNC_READ_MAX_CHARS = 256 * 1024;

export class CodeCache {
  private readonly entries = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();
  private readonly refreshed = new Set<string>();

  /** Compiles `code` in `isolate`, consuming the cache for `key`, or producing it when there is none yet or V8 rejected it. */
  async compile(isolate: ivm.Isolate, key: string, code: string, filename: string): Promise<ivm.Script> {
    const cachedData = this.entries.get(key);
    if (cachedData !== undefined) {
      // Reading the cache of a script of ordinary size is short and runs no code, so it is done on
      // the host's thread: an asynchronous compile costs two thread hops (about 85 µs) more. A
      // large one is read off the thread, so it cannot hold up the host's other functions.
      const options = { filename, cachedData };
      const script = (code.length <= SYNC_READ_MAX_CHARS ? isolate.compileScriptSync(code, options) : await isolate.compileScript(code, options)) as CompiledWithCache;
      if (script.cachedDataRejected !== true) return script;
      this.forget(key);
    }
    const script = (await isolate.compileScript(code, { filename, produceCachedData: true })) as CompiledWithCache;
    if (script.cachedData !== undefined) this.entries.set(key, script.cachedData);
    return script;
  }

  /** Size of `key`'s cache in bytes, if there is one. */
  cachedBytes(key: string): number | undefined {
    return this.entries.get(key)?.copy().byteLength;
  }

  /** Whether `key`'s cache has been refreshed from a script that ran. */
  isRefreshed(key: string): boolean {
    return this.refreshed.has(key);
  }

  /**
   * Replaces `key`'s cache with one made from `isolate`, where the script has run: it then holds
   * the functions compiled on first call too. Once per key; a failure (the isolate disposed
   * meanwhile) leaves the cache as it was.
   */
  async refresh(isolate: ivm.Isolate, key: string, code: string, filename: string): Promise<void> {
    if (this.refreshed.has(key)) return;
    this.refreshed.add(key);
    try {
      const script = (await isolate.compileScript(code, { filename, produceCachedData: true })) as CompiledWithCache;
      script.release();
      if (script.cachedData === undefined) return;
      this.entries.get(key)?.release();
      this.entries.set(key, script.cachedData);
    } catch {
      this.refreshed.delete(key);
    }
  }

  forget(key: string): void {
    this.entries.get(key)?.release();
    this.entries.delete(key);
    this.refreshed.delete(key);
  }
}
