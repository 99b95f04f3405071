import type { Context, Handler } from "skywalker";
import { pagerduty, slack } from "alerts";

interface Target {
  name: string;
  url: string;
  /** @default 200 */
  expectStatus?: number;
  maxLatencyMs?: number;
  /** Text the body must contain. */
  bodyMatch?: string;
}

interface Args {
  targets: Target[];
  /** Overrides the PagerDuty Events API endpoint (tests, proxies). */
  pagerdutyUrl?: string;
}

interface Observation {
  up: boolean;
  reason: string;
  latencyMs: number;
}

async function observe(target: Target): Promise<Observation> {
  const started = Date.now();
  try {
    const response = await fetch(target.url);
    const body = await response.text();
    const latencyMs = Date.now() - started;
    const expected = target.expectStatus ?? 200;
    if (response.status !== expected) return { up: false, reason: `HTTP ${response.status}, expected ${expected}`, latencyMs };
    if (target.maxLatencyMs !== undefined && latencyMs > target.maxLatencyMs) return { up: false, reason: `took ${latencyMs} ms, over ${target.maxLatencyMs} ms`, latencyMs };
    if (target.bodyMatch !== undefined && !body.includes(target.bodyMatch)) return { up: false, reason: `body does not contain "${target.bodyMatch}"`, latencyMs };
    return { up: true, reason: "ok", latencyMs };
  } catch (error) {
    return { up: false, reason: (error as Error).message, latencyMs: Date.now() - started };
  }
}

/** Alerts only on a change: down after up (or first seen down) triggers, up after down resolves. */
async function alertOnChange(target: Target, now: Observation, args: Args, ctx: Context): Promise<"triggered" | "resolved" | "none"> {
  const key = `target:${target.name}`;
  const before = (await ctx.state.get(key)) as { up: boolean } | null;
  await ctx.state.set(key, { up: now.up, reason: now.reason, at: new Date().toISOString() });
  const wasUp = before === null ? true : before.up;
  if (wasUp === now.up) return "none";
  const dedupKey = `http-check:${target.name}`;
  const endpoint = args.pagerdutyUrl;
  if (!now.up) {
    ctx.log.warn(`${target.name} is down: ${now.reason}`);
    await slack(ctx.secrets.SLACK_WEBHOOK_URL!, `:red_circle: ${target.name} is down: ${now.reason} (${target.url})`);
    await pagerduty({ routingKey: ctx.secrets.PAGERDUTY_ROUTING_KEY!, action: "trigger", dedupKey, summary: `${target.name} is down: ${now.reason}`, source: target.url, ...(endpoint ? { endpoint } : {}) });
    return "triggered";
  }
  ctx.log.info(`${target.name} recovered`);
  await slack(ctx.secrets.SLACK_WEBHOOK_URL!, `:large_green_circle: ${target.name} recovered (${target.url})`);
  await pagerduty({ routingKey: ctx.secrets.PAGERDUTY_ROUTING_KEY!, action: "resolve", dedupKey, ...(endpoint ? { endpoint } : {}) });
  return "resolved";
}

export const main: Handler<Args> = async (args, ctx) => {
  const results = [];
  for (const target of args.targets) {
    const observation = await observe(target);
    const alert = await alertOnChange(target, observation, args, ctx);
    results.push({ name: target.name, ...observation, alert });
  }
  return { targets: results, down: results.filter((result) => !result.up).map((result) => result.name) };
};
