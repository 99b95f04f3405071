// A standby replica's share of the ticks: those the leader has not delivered a while after they
// fell due. Ticks wait here and are checked together a few times a second (one read for all that
// are ripe), not one read per instant: with functions spread over the second, that would be a
// read per millisecond.

/** How often the waiting ticks are checked. */
const CHECK_EVERY_MS = 250;

export interface StandbyCheckOptions<T> {
  /** How long a tick waits before it is checked. */
  delayMs: number;
  /** For each item, whether the leader delivered it. */
  delivered: (items: T[]) => Promise<boolean[]>;
  /** Sends what the leader did not deliver. */
  send: (items: T[]) => void;
}

export class StandbyCheck<T> {
  private waiting: { item: T; ripeAt: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly options: StandbyCheckOptions<T>;

  constructor(options: StandbyCheckOptions<T>) {
    this.options = options;
  }

  push(items: T[]): void {
    const ripeAt = Date.now() + this.options.delayMs;
    for (const item of items) this.waiting.push({ item, ripeAt });
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.waiting = [];
  }

  private async check(): Promise<void> {
    const now = Date.now();
    const ripe = this.waiting.filter((entry) => entry.ripeAt <= now).map((entry) => entry.item);
    if (ripe.length === 0) {
      if (this.waiting.length === 0) this.stop();
      return;
    }
    this.waiting = this.waiting.filter((entry) => entry.ripeAt > now);
    const delivered = await this.options.delivered(ripe);
    const missing = ripe.filter((_, index) => delivered[index] !== true);
    if (missing.length > 0) this.options.send(missing);
  }
}
