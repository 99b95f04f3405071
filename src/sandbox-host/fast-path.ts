// Decides whether a function's runs start with a synchronous slice on the host's thread (see
// FunctionSandbox). A function earns it by a few light runs in a row; one slice that runs out
// sends it off the thread for good (for this version of its code on this host), so a function
// can hold the host's thread for at most one slice, however it behaves.

/** A run lighter than this, in CPU ms, counts towards the fast path. */
const LIGHT_RUN_CPU_MS = 2;
/** Light runs in a row before the fast path. */
const LIGHT_RUNS_NEEDED = 3;

export class FastPath {
  private lightRuns = 0;
  private demoted = false;

  eligible(): boolean {
    return !this.demoted && this.lightRuns >= LIGHT_RUNS_NEEDED;
  }

  /** Counts a finished run; `clean` is false when it breached a limit. */
  observe(cpuMs: number, clean: boolean): void {
    this.lightRuns = clean && cpuMs < LIGHT_RUN_CPU_MS ? this.lightRuns + 1 : 0;
  }

  /** A slice ran out. */
  demote(): void {
    this.demoted = true;
  }

  /** A new isolate starts over: its first runs evaluate the function's modules. */
  reset(): void {
    this.lightRuns = 0;
  }
}
