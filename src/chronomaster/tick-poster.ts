// Sends ticks to the proxy, as the original did, but the ticks that fall due together go as one
// `POST /execute/batch` (a thousand functions on `@every 1s` fall due in the same millisecond).
// Each tick carries the Idempotency-Key `<function>@<due time>`, which makes it start at most one
// run however many replicas send it, and makes sending it again safe: a batch that failed on the
// way is sent again, a few times. Each also says how long the proxy must keep its key: while some
// replica may still send the tick (see keyTtlSecondsOf), not a day.
const POST_TIMEOUT_MS = 5000;
/** Ticks per request (the proxy takes up to 250). */
const BATCH_SIZE = 200;
/** Waits before the second and third try of a batch that failed on the way. */
const RETRY_DELAYS_MS = [200, 1000];

export type TickOutcome = { kind: "queued" | "skipped" | "duplicate"; id: string } | { kind: "error"; message: string };

export interface Tick {
  functionName: string;
  dueAt: Date;
  /** How long the proxy keeps the tick's Idempotency-Key, in seconds (see keyTtlSecondsOf). */
  keyTtlSeconds: number;
}

export interface TickPosterOptions {
  proxyUrl: string;
  token: string | undefined;
  environment: string;
}

export function idempotencyKeyOf(functionName: string, dueAt: Date): string {
  return `${functionName}@${dueAt.toISOString()}`;
}

/** One outcome per tick, in order. */
export async function postTicks(options: TickPosterOptions, ticks: Tick[]): Promise<TickOutcome[]> {
  const chunks: Tick[][] = [];
  for (let i = 0; i < ticks.length; i += BATCH_SIZE) chunks.push(ticks.slice(i, i + BATCH_SIZE));
  return (await Promise.all(chunks.map((chunk) => postBatch(options, chunk)))).flat();
}

type BatchAnswer = { id?: string; status?: string; duplicate?: boolean; error?: { code?: string; message?: string } };

async function postBatch(options: TickPosterOptions, ticks: Tick[]): Promise<TickOutcome[]> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = JSON.stringify({
    runs: ticks.map((tick) => ({
      function: tick.functionName,
      scheduledAt: tick.dueAt.toISOString(),
      environment: options.environment,
      trigger: "schedule",
      idempotencyKey: idempotencyKeyOf(tick.functionName, tick.dueAt),
      idempotencyKeyTtlS: tick.keyTtlSeconds,
    })),
  });
  let failure = "";
  for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt - 1]));
    try {
      const response = await fetch(new URL("/execute/batch", options.proxyUrl), { method: "POST", headers, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
      const answer = (await response.json().catch(() => ({}))) as { runs?: BatchAnswer[]; error?: { message?: string } };
      if (response.ok && Array.isArray(answer.runs) && answer.runs.length === ticks.length) return answer.runs.map(outcomeOf);
      failure = `the proxy answered ${response.status}: ${answer.error?.message ?? "not one answer per tick"}`;
      // A refusal (bad token, bad request) will not change on a second try; a failing proxy may.
      if (response.status < 500) break;
    } catch (error) {
      failure = `could not reach the proxy at ${options.proxyUrl}: ${(error as Error).message}`;
    }
  }
  return ticks.map(() => ({ kind: "error", message: failure }));
}

function outcomeOf(answer: BatchAnswer): TickOutcome {
  if (answer.error !== undefined || answer.id === undefined) return { kind: "error", message: answer.error?.message ?? "the proxy gave no run id" };
  if (answer.duplicate === true) return { kind: "duplicate", id: answer.id };
  return { kind: answer.status === "skipped" ? "skipped" : "queued", id: answer.id };
}
