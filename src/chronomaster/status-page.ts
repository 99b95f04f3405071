// A plain page on the chronomaster's port, like the original's: the scheduler state, start, stop
// and reload, and the functions. (The full GUI is built on the JSON API under /api.)
import type { FunctionRegistry } from "../functions/function-registry.ts";
import type { Settings } from "../settings.ts";
import type { Chronomaster } from "./chronomaster.ts";

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function statusPage(chronomaster: Chronomaster, registry: FunctionRegistry, settings: Settings): string {
  const rows = registry
    .functions()
    .map((fn) => {
      const next = chronomaster.nextFires(fn.name).map((entry) => `${escape(entry.cron)} (next ${entry.nextFireAt ?? "—"})`).join("<br>") || "not scheduled here";
      const state = !fn.enabled ? "disabled in config" : chronomaster.isDisabled(fn.name) ? "disabled by operator" : "enabled";
      return `<tr><td>${escape(fn.name)}</td><td>${fn.kind}</td><td>${next}</td><td>${state}</td></tr>`;
    })
    .join("");
  const errors = registry.errors().map((error) => `<li>${escape(error.message)}</li>`).join("");
  const button = (action: string) => `<form method="post" action="/api/${action}"><button>${action}</button></form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Skywalker chronomaster</title></head><body style="font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto">
<h1>Skywalker chronomaster</h1>
<p>State: <strong>${chronomaster.schedulerStatus}</strong> · environment <strong>${escape(settings.environment)}</strong></p>
<div style="display:flex;gap:.5rem">${button("start")}${button("stop")}${button("reload")}</div>
<table><thead><tr><th>Function</th><th>Executor</th><th>Schedule</th><th>State</th></tr></thead><tbody>${rows}</tbody></table>
${errors ? `<h2>Functions that failed to load</h2><ul>${errors}</ul>` : ""}
</body></html>`;
}
