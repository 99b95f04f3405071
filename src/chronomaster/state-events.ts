// `GET /api/events`: the state as server-sent events, for the GUI's live view. While anyone is
// listening, the state is computed once per interval (shared by every listener, so ten open tabs
// cost what one does) and sent when it changed; a control action here is sent at once. A comment
// line now and then keeps proxies from closing a quiet stream.
import type { RequestHandler, Response } from "express";
import type { Logger } from "pino";

export interface StateEventsOptions {
  /** How often the state is recomputed while someone listens, in ms. @default 2000 */
  intervalMs?: number;
  /** Longest quiet time before a keep-alive comment, in ms. @default 15000 */
  keepAliveMs?: number;
}

/** A listener that lets this much pile up unread is dropped (EventSource reconnects). */
const MAX_BUFFERED_BYTES = 1 << 20;

export class StateEvents {
  private readonly compute: () => Promise<{ serverTime?: string }>;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly keepAliveMs: number;
  private readonly listeners = new Set<Response>();
  private last: { key: string; frame: string } | undefined;
  private lastWriteAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(compute: () => Promise<{ serverTime?: string }>, log: Logger, options: StateEventsOptions = {}) {
    this.compute = compute;
    this.log = log;
    this.intervalMs = options.intervalMs ?? 2000;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
  }

  readonly handler: RequestHandler = (req, res) => {
    if (this.closed) {
      res.status(503).json({ error: { code: "ERR_STOPPING", message: "the chronomaster is stopping" } });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" });
    res.write("retry: 2000\n\n");
    this.listeners.add(res);
    req.on("close", () => {
      this.listeners.delete(res);
      if (this.listeners.size === 0) this.pause();
    });
    if (this.last !== undefined) res.write(this.last.frame);
    this.nudge();
  };

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Recompute now (after a control action), or right after the computation under way. */
  nudge(): void {
    if (this.closed || this.listeners.size === 0) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.round().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.nudge();
      } else if (!this.closed && this.listeners.size > 0) {
        this.timer = setTimeout(() => this.nudge(), this.intervalMs);
        this.timer.unref();
      }
    });
  }

  /** Ends every stream (before the server closes, which would otherwise wait for them). */
  close(): void {
    this.closed = true;
    this.pause();
    for (const res of this.listeners) res.end();
    this.listeners.clear();
  }

  /** Nobody listens: stop computing, and forget the last state (a new listener gets a fresh one). */
  private pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }

  private async round(): Promise<void> {
    let state: { serverTime?: string };
    try {
      state = await this.compute();
    } catch (error) {
      this.log.warn({ err: error }, "could not compute the state for the live view");
      return;
    }
    // serverTime changes every time; only the rest decides whether the state changed.
    const key = JSON.stringify({ ...state, serverTime: undefined });
    if (key !== this.last?.key) {
      this.last = { key, frame: `event: state\ndata: ${JSON.stringify(state)}\n\n` };
      this.broadcast(this.last.frame);
    } else if (Date.now() - this.lastWriteAt > this.keepAliveMs) {
      this.broadcast(": keep-alive\n\n");
    }
  }

  private broadcast(frame: string): void {
    this.lastWriteAt = Date.now();
    for (const res of this.listeners) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        this.listeners.delete(res);
        res.end();
        continue;
      }
      res.write(frame);
    }
  }
}
