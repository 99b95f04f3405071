// Batches the messages between a supervisor and its sandbox host: all that is queued in one turn
// of the event loop crosses as one IPC message (one write, one parse on the other side) instead
// of one each. Under load, the runs that one socket read from Redis starts travel together.

export class MessageBatch<T> {
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
