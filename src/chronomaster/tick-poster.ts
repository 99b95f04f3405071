// Sends a tick to the proxy, as the original did: POST /execute. The Idempotency-Key
// `<function>@<due time>` makes the tick start at most one run however many replicas send it.
const POST_TIMEOUT_MS = 5000;

export type TickOutcome = { kind: "queued" | "skipped" | "duplicate"; id: string } | { kind: "error"; message: string };

export interface TickPosterOptions {
  proxyUrl: string;
  token: string | undefined;
  environment: string;
}

export function idempotencyKeyOf(functionName: string, dueAt: Date): string {
  return `${functionName}@${dueAt.toISOString()}`;
}

export async function postTick(options: TickPosterOptions, functionName: string, dueAt: Date): Promise<TickOutcome> {
  const headers: Record<string, string> = { "content-type": "application/json", "idempotency-key": idempotencyKeyOf(functionName, dueAt) };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = JSON.stringify({ function: functionName, scheduledAt: dueAt.toISOString(), environment: options.environment, trigger: "schedule" });
  try {
    const response = await fetch(new URL("/execute", options.proxyUrl), { method: "POST", headers, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
    const answer = (await response.json().catch(() => ({}))) as { id?: string; status?: string; duplicate?: boolean; error?: { message?: string } };
    if (!response.ok || answer.id === undefined) {
      return { kind: "error", message: `the proxy answered ${response.status}: ${answer.error?.message ?? "no run id"}` };
    }
    if (answer.duplicate === true) return { kind: "duplicate", id: answer.id };
    return { kind: answer.status === "skipped" ? "skipped" : "queued", id: answer.id };
  } catch (error) {
    return { kind: "error", message: `could not reach the proxy at ${options.proxyUrl}: ${(error as Error).message}` };
  }
}
