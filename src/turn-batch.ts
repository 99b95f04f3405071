// Collects what is pushed in one turn of the event loop and hands it on as one batch: the IPC
// messages between an executor and its sandbox host (one write and one parse instead of one
// each; under load, the runs that one socket read from Redis starts travel together), and the
// schedule ticks that fall due together (one request to the proxy).

export class TurnBatch<T> {
  private pending: T[] = [];
  private scheduled = false;
  private readonly send: (messages: T[]) => void;

  constructor(send: (messages: T[]) => void) {
    this.send = send;
  }

  push(message: T): void {
    this.pending.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    const messages = this.pending;
    if (messages.length === 0) return;
    this.pending = [];
    this.send(messages);
  }
}
