// Alert helpers for checks, built on the sandboxed fetch: a generic webhook, Slack (incoming
// webhook) and PagerDuty (Events API v2, trigger and resolve with a dedup key). The destinations
// must be in the calling function's "allow.net".

export interface AlertResult {
  ok: boolean;
  status: number;
}

/** The host of a URL (there is no URL class inside the sandbox). */
function hostOf(url: string): string {
  return /^[a-z]+:\/\/([^/?#]+)/i.exec(url)?.[1] ?? url;
}

async function postJson(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<AlertResult> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(payload) });
  await response.text();
  if (!response.ok) throw new Error(`alert to ${hostOf(url)} failed: HTTP ${response.status}`);
  return { ok: true, status: response.status };
}

/** POSTs any JSON payload to a webhook. */
export function webhook(url: string, payload: unknown, headers?: Record<string, string>): Promise<AlertResult> {
  return postJson(url, payload, headers);
}

/** Posts a message to a Slack incoming webhook. */
export function slack(webhookUrl: string, text: string): Promise<AlertResult> {
  return postJson(webhookUrl, { text });
}

export interface PagerDutyEvent {
  routingKey: string;
  action: "trigger" | "resolve";
  /** Same key for the trigger and the resolve of one incident. */
  dedupKey: string;
  summary?: string;
  source?: string;
  severity?: "critical" | "error" | "warning" | "info";
  /** @default the Events API v2 endpoint */
  endpoint?: string;
}

/** Triggers or resolves a PagerDuty incident. */
export function pagerduty(event: PagerDutyEvent): Promise<AlertResult> {
  const payload =
    event.action === "trigger"
      ? { summary: event.summary ?? event.dedupKey, source: event.source ?? "skywalker", severity: event.severity ?? "error" }
      : undefined;
  return postJson(event.endpoint ?? "https://events.pagerduty.com/v2/enqueue", {
    routing_key: event.routingKey,
    event_action: event.action,
    dedup_key: event.dedupKey,
    ...(payload === undefined ? {} : { payload }),
  });
}
