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
const LOG_LEVELS: ReadonlySet<string> = new Set(["debug", "info", "warn", "error"]);

export class RunMonitor {
  breach: RunError | undefined;
  logsTruncated = false;
  step = 0;
  readonly startedAt = Date.now();
  private logBytes = 0;
  private isolate: ivm.Isolate | undefined;
  private startCpu = 0n;
  private lastCpu = 0n;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private cpuTimer: NodeJS.Timeout | undefined;

  private readonly limits: ResolvedLimits;
  private readonly onLog: (entry: LogEntry) => void;

  constructor(limits: ResolvedLimits, onLog: (entry: LogEntry) => void) {
    this.limits = limits;
    this.onLog = onLog;
  }

  /** Starts enforcing the limits on `isolate`; call once the isolate exists. */
  watch(isolate: ivm.Isolate): void {
    this.isolate = isolate;
    this.startCpu = this.lastCpu = isolate.cpuTime;
    const remaining = Math.max(0, this.startedAt + this.limits.timeoutMs - Date.now());
    this.deadlineTimer = setTimeout(() => {
      this.trip(ErrorCodes.TIMEOUT, `the run did not finish within ${this.limits.timeoutMs} ms (limits.timeoutMs)`);
    }, remaining);
    this.cpuTimer = setInterval(() => {
      if (this.cpuMs() > this.limits.cpuMs) {
        this.trip(ErrorCodes.CPU_LIMIT, `the run used more than ${this.limits.cpuMs} ms of CPU time (limits.cpuMs)`);
      }
    }, CPU_CHECK_INTERVAL_MS);
  }

  remainingMs(): number {
    return Math.max(1, this.startedAt + this.limits.timeoutMs - Date.now());
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

  /** A log line from the function; past `maxLogBytes` the run fails with ERR_LOG_LIMIT. */
  log(level: unknown, msg: unknown): void {
    if (this.breach !== undefined) return;
    const text = typeof msg === "string" ? msg : String(msg);
    this.logBytes += Buffer.byteLength(text) + 1;
    if (this.logBytes > this.limits.maxLogBytes) {
      this.logsTruncated = true;
      this.trip(ErrorCodes.LOG_LIMIT, `the run wrote more than ${this.limits.maxLogBytes} bytes of logs (limits.maxLogBytes)`);
      return;
    }
    const safeLevel = (typeof level === "string" && LOG_LEVELS.has(level) ? level : "info") as LogLevel;
    this.onLog({ level: safeLevel, msg: text, time: new Date().toISOString(), step: this.step });
  }

  /** Records the breach and stops the isolate. */
  trip(code: string, message: string): void {
    if (this.breach !== undefined) return;
    this.cpuMs();
    this.breach = { code, message, name: "LimitError", retryable: false };
    if (this.isolate !== undefined && !this.isolate.isDisposed) this.isolate.dispose();
  }

  stop(): void {
    this.cpuMs();
    clearTimeout(this.deadlineTimer);
    clearInterval(this.cpuTimer);
  }
}
