// The explicit state of a long-lived part (executor, chronomaster, proxy), logged on every change.
import type { Logger } from "pino";

export type LifecycleState = "starting" | "running" | "stopping" | "stopped" | "failed";

export class Lifecycle {
  private current: LifecycleState = "starting";
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
    logger.info({ state: this.current }, "state changed");
  }

  get state(): LifecycleState {
    return this.current;
  }

  to(state: LifecycleState, detail: Record<string, unknown> = {}): void {
    if (state === this.current) return;
    this.logger[state === "failed" ? "error" : "info"]({ ...detail, from: this.current, state }, "state changed");
    this.current = state;
  }
}
