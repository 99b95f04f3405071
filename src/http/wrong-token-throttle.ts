// Limits how many wrong tokens one address may try: after MAX_FAILURES within a window, every try
// from it (a right token too, or the guessing would go on) gets 429 until the window ends.
import { HttpError } from "./http-error.ts";

/** Wrong tokens one address may try per window before it must wait for the window to end. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;

export class WrongTokenThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  /** Throws 429 while the address has used up its wrong tries. */
  check(address: string): void {
    const entry = this.failures.get(address);
    if (entry === undefined) return;
    if (Date.now() - entry.since > FAILURE_WINDOW_MS) this.failures.delete(address);
    else if (entry.count >= MAX_FAILURES) throw new HttpError(429, "ERR_TOO_MANY_ATTEMPTS", `too many wrong tokens from this address; try again in a minute`);
  }

  recordFailure(address: string): void {
    const now = Date.now();
    for (const [key, entry] of this.failures) if (now - entry.since > FAILURE_WINDOW_MS) this.failures.delete(key);
    const entry = this.failures.get(address) ?? { count: 0, since: now };
    entry.count++;
    this.failures.set(address, entry);
  }
}
