// Collects what is pushed in one turn of the event loop (or within a short window) and hands it
// on as one batch: the IPC messages between an executor and its sandbox host (one write and one
// parse instead of one each; under load, the runs that one socket read from Redis starts travel
// together), and the schedule ticks that fall due together (one request to the proxy).

export class TurnBatch<T> {
  private pending: T[] = [];
  private scheduled = false;
  private readonly send: (messages: T[]) => void;
  private readonly windowMs: number;

  /** With `windowMs`, a batch also takes what is pushed that long after its first message. */
  constructor(send: (messages: T[]) => void, windowMs = 0) {
    this.send = send;
    this.windowMs = windowMs;
  }

  push(message: T): void {
    this.pending.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.windowMs > 0) setTimeout(() => this.flush(), this.windowMs).unref();
    else setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    const messages = this.pending;
    if (messages.length === 0) return;
    this.pending = [];
    this.send(messages);
  }
}
