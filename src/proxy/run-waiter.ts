// Waits for runs to reach a final status, for `POST /execute?wait=1`. One Redis subscription to the
// run-finished channel serves every waiting request: the executor announces a run queued by a
// waiting request with its whole record, so answering costs no read. A waiter reads the record
// once after subscribing, because the run may have finished before anyone listened. A run queued
// without a waiter (a `?wait=1` repeating its Idempotency-Key) is not announced: its waiter polls.
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { redisKeys } from "../queue/keys.ts";
import type { RunRecord } from "../run-record.ts";
import type { RunStore } from "../runs/run-store.ts";

type Settle = (record: RunRecord | undefined) => void;

/** A waiter for a run nobody announces reads it after these delays, then every last one. */
const POLL_DELAYS_MS = [25, 50, 100, 200, 500];

export class RunWaiter {
  private readonly subscriber: Redis;
  private readonly store: RunStore;
  private readonly channel: string;
  private readonly logger: Logger;
  private readonly waiting = new Map<string, Set<Settle>>();
  private subscribed: Promise<unknown> | undefined;
  private closed = false;

  /** Takes ownership of `subscriber`: a connection in subscriber mode can do nothing else. */
  constructor(subscriber: Redis, store: RunStore, prefix: string, logger: Logger) {
    this.subscriber = subscriber;
    this.store = store;
    this.channel = redisKeys(prefix).runFinishedChannel;
    this.logger = logger;
    subscriber.on("message", (channel: string, message: string) => {
      if (channel !== this.channel) return;
      // The message is the whole final record of a run someone waits for.
      try {
        const record = JSON.parse(message) as RunRecord;
        this.settle(record.id, record);
      } catch (error) {
        this.logger.warn({ err: error }, "a finished run's announcement was not JSON");
      }
    });
  }

  start(): Promise<unknown> {
    this.subscribed ??= this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.subscribed = undefined;
      throw error;
    });
    return this.subscribed;
  }

  /**
   * The run's final record, or undefined when it is not final within `timeoutMs` (or the wait was
   * aborted or the waiter closed). `announced: false`: the run was queued without a waiter, so no
   * announcement will come, and the record is polled.
   */
  async wait(id: string, timeoutMs: number, options: { signal?: AbortSignal; announced?: boolean } = {}): Promise<RunRecord | undefined> {
    const { signal, announced = true } = options;
    if (this.closed || signal?.aborted === true) return undefined;
    let poll: NodeJS.Timeout | undefined;
    const done = new Promise<RunRecord | undefined>((resolve) => {
      const settle: Settle = (record) => {
        clearTimeout(timer);
        clearTimeout(poll);
        signal?.removeEventListener("abort", onAbort);
        this.remove(id, settle);
        resolve(record);
      };
      const onAbort = () => settle(undefined);
      // On timeout, one last read: a message lost during a reconnect must not cost the answer.
      const timer = setTimeout(() => void this.store.final(id).then(settle, () => settle(undefined)), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      let settles = this.waiting.get(id);
      if (settles === undefined) this.waiting.set(id, (settles = new Set()));
      settles.add(settle);
    });
    // Without the subscription the read below and the last read on timeout still answer.
    await this.start().catch((error: unknown) => this.logger.warn({ err: error }, "could not subscribe to finished runs"));
    void this.settleFromStore(id);
    if (!announced) {
      let reads = 0;
      const next = () => {
        poll = setTimeout(() => {
          if (!this.waiting.has(id)) return;
          void this.settleFromStore(id).then(() => this.waiting.has(id) && next());
        }, POLL_DELAYS_MS[Math.min(reads++, POLL_DELAYS_MS.length - 1)]);
      };
      next();
    }
    return done;
  }

  /** Answers every pending wait with undefined and drops the subscription. */
  async close(): Promise<void> {
    this.closed = true;
    for (const settles of [...this.waiting.values()]) for (const settle of [...settles]) settle(undefined);
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private async settleFromStore(id: string): Promise<void> {
    try {
      const record = await this.store.final(id);
      if (record !== undefined) this.settle(id, record);
    } catch (error) {
      this.logger.warn({ err: error, runId: id }, "could not read a finished run");
    }
  }

  private settle(id: string, record: RunRecord): void {
    for (const settle of [...(this.waiting.get(id) ?? [])]) settle(record);
  }

  private remove(id: string, settle: Settle): void {
    const settles = this.waiting.get(id);
    settles?.delete(settle);
    if (settles?.size === 0) this.waiting.delete(id);
  }
}
