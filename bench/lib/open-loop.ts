// Open-loop load: requests start on a fixed clock (i / rate after the start), whether or not the
// earlier ones have answered, so a slow answer cannot hold back the next request and hide its
// own delay (coordinated omission). Latency is counted from the time a request was due.
export interface OpenLoopOptions {
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Sends request `i`; resolves true when the answer is the expected one. */
  send: (i: number) => Promise<boolean>;
}

export interface OpenLoopResult {
  /** Due time (or send time, when the timer fired a little early) to answer, in ms, of every request that answered as expected. */
  latencies: number[];
  /** Send to answer, in ms: the latency without the load generator's own delay in sending. */
  serviceTimes: number[];
  /** How late the generator sent, in ms (its own event-loop lag). */
  sendLag: number[];
  errors: number;
  sent: number;
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { rate, durationMs, send } = options;
  const total = Math.floor((rate * durationMs) / 1000);
  const result: OpenLoopResult = { latencies: [], serviceTimes: [], sendLag: [], errors: 0, sent: 0 };
  const inFlight = new Set<Promise<void>>();
  const start = performance.now() + 20;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0.5) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = performance.now();
    result.sendLag.push(Math.max(0, sentAt - due));
    result.sent++;
    const request: Promise<void> = send(i).then(
      (ok) => {
        const now = performance.now();
        if (!ok) {
          result.errors++;
          return;
        }
        result.latencies.push(now - Math.min(due, sentAt));
        result.serviceTimes.push(now - sentAt);
      },
      () => {
        result.errors++;
      },
    );
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  return result;
}
