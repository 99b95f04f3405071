// A new isolate with the runtime installed in a context costs about 2 ms here (isolate ~1 ms,
// context ~0.3 ms, runtime), which a function's first run would otherwise pay. The host keeps one
// such isolate made ahead of need, with the default memory limit: nothing but Skywalker's runtime
// has run in it. The function that takes it owns it from then on, so no two functions ever share
// an isolate; a new spare is made a moment later, off the path of the run that took it.
import ivm from "isolated-vm";
import { DEFAULT_LIMITS } from "../functions/limits.ts";
import type { CodeCache } from "./code-cache.ts";
import { prepareContext } from "./prepared-context.ts";
import type { PreparedContext } from "./prepared-context.ts";
import { RUNTIME_SCRIPT } from "./runtime-source.ts";
import { warmRuntimeCache } from "./warm-runtime.ts";

/** How long after a spare is taken the next is made: after the run that took it, as a rule. */
const REFILL_DELAY_MS = 20;

export interface SpareIsolate {
  isolate: ivm.Isolate;
  /** The runtime script, compiled in `isolate`. */
  runtime: ivm.Script;
  /** A context with the runtime installed and no function code. */
  context: PreparedContext;
}

export class SpareIsolates {
  private spare: SpareIsolate | undefined;
  private refilling: NodeJS.Timeout | undefined;
  private closed = false;
  private warmUpTried = false;
  private readonly runtimeCode: string;
  private readonly cache: CodeCache;
  private readonly memoryMb: number;

  constructor(runtimeCode: string, cache: CodeCache, memoryMb = DEFAULT_LIMITS.memoryMb) {
    this.runtimeCode = runtimeCode;
    this.cache = cache;
    this.memoryMb = memoryMb;
    this.refillSoon();
  }

  /** The spare, if there is one with this memory limit. */
  take(memoryMb: number): SpareIsolate | undefined {
    if (memoryMb !== this.memoryMb || this.spare === undefined) return undefined;
    const spare = this.spare;
    this.spare = undefined;
    this.refillSoon();
    return spare;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refilling);
    this.spare?.context.release();
    if (this.spare !== undefined && !this.spare.isolate.isDisposed) this.spare.isolate.dispose();
    this.spare = undefined;
  }

  private refillSoon(): void {
    if (this.refilling !== undefined || this.closed) return;
    this.refilling = setTimeout(() => void this.refill(), REFILL_DELAY_MS);
    this.refilling.unref();
  }

  private async refill(): Promise<void> {
    const isolate = new ivm.Isolate({ memoryLimit: this.memoryMb });
    try {
      const runtime = await this.cache.compile(isolate, RUNTIME_SCRIPT.key, this.runtimeCode, RUNTIME_SCRIPT.filename);
      if (!this.warmUpTried) {
        this.warmUpTried = true;
        // A failed warm-up only leaves the runtime's functions to be compiled on first call.
        await warmRuntimeCache(isolate, runtime, this.runtimeCode, this.cache).catch(() => undefined);
      }
      const context = prepareContext(isolate, runtime);
      if (this.closed) throw new Error("closed");
      this.spare = { isolate, runtime, context };
    } catch {
      // Only Skywalker's own code ran: a failure here is not a function's, and the next cold run
      // makes its own isolate.
      if (!isolate.isDisposed) isolate.dispose();
    } finally {
      this.refilling = undefined;
    }
  }
}
