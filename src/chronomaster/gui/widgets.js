// Small pieces shared by the views: run status badges, the recent-runs strip, schedules, the
// enable switch.
import { fill, h, setAttr, setText } from "./dom.js";
import { percent } from "./format.js";

const STATUS_MARK = { succeeded: "✓", failed: "✕", skipped: "–", running: "●", queued: "○" };

/**
 * A status badge: a mark and a word, so it does not rely on colour.
 * @param {string} status
 */
export function statusBadge(status) {
  const el = h("span", { class: "status" }, h("span", { class: "mark", attrs: { "aria-hidden": "true" } }), h("span", { class: "word" }));
  setStatus(el, status);
  return el;
}

/** @param {HTMLElement} el a badge made by statusBadge @param {string} status */
export function setStatus(el, status) {
  el.className = `status s-${status}`;
  setText(/** @type {HTMLElement} */ (el.firstElementChild), STATUS_MARK[/** @type {keyof STATUS_MARK} */ (status)] ?? "?");
  setText(/** @type {HTMLElement} */ (el.lastElementChild), status);
}

/**
 * The last runs as a strip of squares, oldest first, and the success rate.
 * @param {HTMLElement} el
 * @param {string[]} recent statuses, newest first
 * @param {number | null} rate
 */
export function fillSuccess(el, recent, rate) {
  fill(el, `${rate}|${recent.join(",")}`, () => {
    const counts = recent.reduce((acc, status) => acc.set(status, (acc.get(status) ?? 0) + 1), new Map());
    const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(", ") || "no runs yet";
    return [
      h("span", { class: "rate", text: percent(rate) }),
      h("span", { class: "strip", attrs: { role: "img", "aria-label": `last ${recent.length} runs: ${summary}`, title: `last ${recent.length} runs: ${summary}` } },
        [...recent].reverse().map((status) => h("span", { class: `cell s-${status}` }))),
    ];
  });
}

/**
 * The function's schedule entries for this environment.
 * @param {HTMLElement} el
 * @param {any} fn a function of the state
 * @param {string} environment
 */
export function fillSchedule(el, fn, environment) {
  const entries = fn.environmentSchedule ?? [];
  fill(el, JSON.stringify([fn.enabled, entries, environment]), () => {
    if (!fn.enabled) return [h("span", { class: "muted", text: "disabled in config" })];
    if (entries.length === 0) return [h("span", { class: "muted", text: `not scheduled in ${environment}` })];
    return entries.map((/** @type {any} */ entry) =>
      h("div", { class: entry.cronEnabled ? "cron" : "cron off" },
        h("code", { text: entry.cron }),
        entry.timezone ? h("span", { class: "muted", text: ` ${entry.timezone}` }) : null,
        entry.cronEnabled ? null : h("span", { class: "muted off-note", text: "cron-enabled: false" })));
  });
}

/**
 * The soonest next fire time of a function, or null.
 * @param {any} fn
 * @returns {string | null}
 */
export function nextFire(fn) {
  const times = (fn.schedules ?? []).map((/** @type {any} */ entry) => entry.nextFireAt).filter(Boolean).sort();
  return times[0] ?? null;
}

/**
 * The enable switch of a function: a real button with role=switch.
 * @param {string} name
 * @param {(on: boolean) => void} onToggle
 */
export function enableSwitch(name, onToggle) {
  const button = h("button", { class: "switch", attrs: { type: "button", role: "switch", "aria-checked": "true", "aria-label": `Schedule of ${name}` } },
    h("span", { class: "track", attrs: { "aria-hidden": "true" } }, h("span", { class: "thumb" })),
    h("span", { class: "switch-text" }));
  button.addEventListener("click", () => {
    if (button.getAttribute("aria-disabled") !== "true") onToggle(button.getAttribute("aria-checked") !== "true");
  });
  return button;
}

/**
 * @param {HTMLButtonElement} button a switch made by enableSwitch
 * @param {any} fn a function of the state
 * @param {boolean} busy a change is on its way
 */
export function setSwitch(button, fn, busy) {
  const on = fn.enabled && !fn.disabledByOperator;
  setAttr(button, "aria-checked", on ? "true" : "false");
  // while a change is on its way the switch ignores clicks but keeps the focus (a disabled button would lose it)
  setAttr(button, "aria-disabled", busy ? "true" : null);
  button.disabled = !fn.enabled;
  setAttr(button, "title", fn.enabled ? (on ? "Scheduled: click to stop firing it" : "Disabled by an operator: click to fire it again") : "Set \"enabled\": true in its config to schedule it");
  setText(/** @type {HTMLElement} */ (button.lastElementChild), !fn.enabled ? "Off in config" : on ? "On" : "Off");
}
