// Watches one run inside the host process: the wall-clock deadline, the CPU budget and the log
// volume. When the run breaches one, the monitor records which and disposes the isolate: that
// is the only way to stop code that is spinning or waiting, and an isolate that hit a limit is
// never reused anyway (its timers and promises are left in an unknown state).
import type ivm from "isolated-vm";
import { ErrorCodes } from "../errors.ts";
import type { ResolvedLimits } from "../functions/types.ts";
import type { LogEntry, RunError } from "../run-record.ts";
import type { LogLevel } from "../../sandbox/contract.ts";

const CPU_CHECK_INTERVAL_MS = 10;
/** How long an isolate may go on running after it was disposed before the host gives up on it. */
const RUNAWAY_GRACE_MS = 250;
const LOG_LEVELS: ReadonlySet<string> = new Set(["debug", "info", "warn", "error"]);

export class RunMonitor {
  /**
   * Called when an isolate goes on running after it was disposed: isolated-vm's memory limit can
   * leave one allocating on its thread (gigabytes in seconds) with its calls never returning.
   * Nothing stops such a thread but the end of its process; the sandbox host sets this to exit.
   */
  static onRunaway: (reason: string) => void = () => undefined;

  breach: RunError | undefined;
  logsTruncated = false;
  step = 0;
  readonly startedAt: number;
  private logBytes = 0;
  private isolate: ivm.Isolate | undefined;
  private startCpu = 0n;
  private lastCpu = 0n;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private cpuTimer: NodeJS.Timeout | undefined;
  private disposedAt: number | undefined;
  /** Lines written while held, with the bytes the limit allows; undefined when not holding. */
  private held: LogEntry[] | undefined;
  private heldOverLimit = false;
  private readonly tripListeners: (() => void)[] = [];

  private readonly limits: ResolvedLimits;
  private readonly onLog: (entry: LogEntry) => void;

  constructor(limits: ResolvedLimits, onLog: (entry: LogEntry) => void, startedAt = Date.now()) {
    this.limits = limits;
    this.onLog = onLog;
    this.startedAt = startedAt;
  }

  /** Counts CPU time from now on `isolate`. */
  watch(isolate: ivm.Isolate): void {
    this.isolate = isolate;
    this.startCpu = this.lastCpu = isolate.cpuTime;
  }

  /**
   * Starts the deadline and CPU timers, for a run that waits or runs off the host's thread. (A
   * synchronous call is bounded by its own timeout and needs neither.)
   */
  arm(): void {
    if (this.deadlineTimer !== undefined || this.breach !== undefined) return;
    this.deadlineTimer = setTimeout(() => this.tripTimeout(), this.remainingMs());
    this.cpuTimer = setInterval(() => {
      if (this.isolate?.isDisposed === true) this.checkRunaway();
      else if (this.cpuMs() > this.limits.cpuMs) this.tripCpu();
    }, CPU_CHECK_INTERVAL_MS);
  }

  remainingMs(): number {
    return Math.max(1, this.startedAt + this.limits.timeoutMs - Date.now());
  }

  remainingCpuMs(): number {
    return Math.max(1, this.limits.cpuMs - this.cpuMs());
  }

  cpuMs(): number {
    if (this.isolate !== undefined && !this.isolate.isDisposed) {
      try {
        this.lastCpu = this.isolate.cpuTime;
      } catch {
        // disposed between the check and the read: keep the last reading
      }
    }
    return Number(this.lastCpu - this.startCpu) / 1e6;
  }

  /** Keeps log lines back (during a synchronous slice that may be thrown away) until `release`. */
  hold(): void {
    this.held = [];
    this.heldOverLimit = false;
  }

  /** Passes on the lines held; a flood while held breaches the log limit now. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const entry of held) this.onLog(entry);
    if (this.heldOverLimit) this.tripLogLimit();
  }

  /** Forgets the lines held and what they counted against the limit. */
  discard(): void {
    for (const entry of this.held ?? []) this.logBytes -= Buffer.byteLength(entry.msg) + 1;
    this.held = undefined;
    this.heldOverLimit = false;
  }

  /** A log line from the function; past `maxLogBytes` the run fails with ERR_LOG_LIMIT. */
  log(level: unknown, msg: unknown): void {
    if (this.breach !== undefined || this.heldOverLimit) return;
    const text = typeof msg === "string" ? msg : String(msg);
    const bytes = Buffer.byteLength(text) + 1;
    if (this.logBytes + bytes > this.limits.maxLogBytes) {
      // Held lines are inside a synchronous call of the isolate: disposing it from here is not
      // safe, so the breach waits for the call to return.
      if (this.held !== undefined) this.heldOverLimit = true;
      else this.tripLogLimit();
      return;
    }
    this.logBytes += bytes;
    const safeLevel = (typeof level === "string" && LOG_LEVELS.has(level) ? level : "info") as LogLevel;
    const entry: LogEntry = { level: safeLevel, msg: text, time: new Date().toISOString(), step: this.step };
    if (this.held !== undefined) this.held.push(entry);
    else this.onLog(entry);
  }

  /** Calls `listener` once when the run breaches a limit. */
  onTrip(listener: () => void): void {
    this.tripListeners.push(listener);
  }

  tripCpu(): void {
    this.trip(ErrorCodes.CPU_LIMIT, `the run used more than ${this.limits.cpuMs} ms of CPU time (limits.cpuMs)`);
  }

  tripTimeout(): void {
    this.trip(ErrorCodes.TIMEOUT, `the run did not finish within ${this.limits.timeoutMs} ms (limits.timeoutMs)`);
  }

  /** Records the breach and stops the isolate. */
  trip(code: string, message: string): void {
    if (this.breach !== undefined) return;
    this.cpuMs();
    this.breach = { code, message, name: "LimitError", retryable: false };
    if (this.isolate !== undefined && !this.isolate.isDisposed) this.isolate.dispose();
    for (const listener of this.tripListeners.splice(0)) listener();
  }

  stop(): void {
    this.cpuMs();
    clearTimeout(this.deadlineTimer);
    clearInterval(this.cpuTimer);
    this.tripListeners.length = 0;
  }

  /** The run is still in progress with its isolate disposed (the run ends as soon as its call returns). */
  private checkRunaway(): void {
    this.disposedAt ??= Date.now();
    if (Date.now() - this.disposedAt <= RUNAWAY_GRACE_MS) return;
    clearInterval(this.cpuTimer);
    RunMonitor.onRunaway(`an isolate went on running ${RUNAWAY_GRACE_MS} ms after it was disposed (over its memory limit of ${this.limits.memoryMb} MiB)`);
  }

  private tripLogLimit(): void {
    this.logsTruncated = true;
    this.trip(ErrorCodes.LOG_LIMIT, `the run wrote more than ${this.limits.maxLogBytes} bytes of logs (limits.maxLogBytes)`);
  }
}
