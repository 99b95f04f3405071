// The main view: every function with its schedule, next fire, last run, success rate, switch and
// "run now"; the functions that failed to load; the fleet. Rows are updated in place, so focus,
// a half-done click or the scroll position survive every refresh.
import { fill, h, reconcile, setAttr, setText } from "./dom.js";
import { duration, setTime, timeEl } from "./format.js";
import { enableSwitch, fillSchedule, fillSuccess, nextFire, setStatus, setSwitch, statusBadge } from "./widgets.js";

/**
 * @typedef {{ toggle: (name: string, on: boolean) => void, runNow: (name: string) => void, busy: Set<string> }} Actions
 * @typedef {{ name: HTMLAnchorElement, version: HTMLElement, description: HTMLElement, warning: HTMLElement, kind: HTMLElement,
 *   schedule: HTMLElement, next: HTMLElement, nextNote: HTMLElement, last: HTMLElement, success: HTMLElement, toggle: HTMLButtonElement }} RowRefs
 */

/** @type {WeakMap<HTMLElement, RowRefs>} */
const rows = new WeakMap();

/** @param {string} name */
export const functionHref = (name) => `#/functions/${encodeURIComponent(name)}`;
/** @param {string} id */
export const runHref = (id) => `#/runs/${encodeURIComponent(id)}`;

/**
 * @param {any} state
 * @param {Actions} actions
 */
export function renderOverview(state, actions) {
  const body = /** @type {HTMLElement} */ (document.querySelector("#functions tbody"));
  const broken = new Set(state.errors.map((/** @type {any} */ error) => error.name));
  reconcile(body, state.functions, (fn) => fn.name, (fn) => createRow(fn, actions), (el, fn) => updateRow(el, fn, state, broken.has(fn.name), actions));
  setText(/** @type {HTMLElement} */ (document.getElementById("function-count")), state.functions.length);
  /** @type {HTMLElement} */ (document.getElementById("no-functions")).hidden = state.functions.length > 0;
  renderErrors(state.errors);
  renderFleet(state);
}

/** @param {any} fn @param {Actions} actions */
function createRow(fn, actions) {
  const cell = (/** @type {string} */ label, /** @type {string} */ cls, /** @type {(Node | null)[]} */ ...children) => h("td", { class: cls, attrs: { "data-label": label } }, ...children);
  const refs = /** @type {RowRefs} */ ({
    name: h("a", { class: "fn-name", attrs: { href: functionHref(fn.name) }, text: fn.name }),
    version: h("span", { class: "muted version" }),
    description: h("div", { class: "description muted" }),
    warning: h("div", { class: "warning" }),
    kind: h("span", { class: "chip" }),
    schedule: h("div"),
    next: timeEl(null, true),
    nextNote: h("span", { class: "muted note" }),
    last: h("div", { class: "last" }),
    success: h("div", { class: "success" }),
    toggle: enableSwitch(fn.name, (on) => actions.toggle(fn.name, on)),
  });
  const tr = h("tr", {},
    cell("Function", "name-cell", h("div", {}, refs.name, refs.version), refs.description, refs.warning),
    cell("Kind", "", refs.kind),
    cell("Schedule", "", refs.schedule),
    cell("Next fire", "", refs.next, refs.nextNote),
    cell("Last run", "", refs.last),
    cell("Success", "", refs.success),
    cell("Enabled", "", refs.toggle),
    cell("Actions", "actions",
      h("button", { class: "small", attrs: { type: "button", "aria-label": `Run ${fn.name} now` }, text: "Run now", on: { click: () => actions.runNow(fn.name) } }),
      h("a", { class: "button small ghost", attrs: { href: functionHref(fn.name), "aria-label": `Runs of ${fn.name}` }, text: "History" })));
  rows.set(tr, refs);
  return tr;
}

/** @param {HTMLElement} tr @param {any} fn @param {any} state @param {boolean} broken @param {Actions} actions */
function updateRow(tr, fn, state, broken, actions) {
  const refs = /** @type {RowRefs} */ (rows.get(tr));
  setText(refs.version, fn.version ? ` v${fn.version}` : "");
  setText(refs.description, fn.description ?? "");
  setAttr(refs.description, "title", fn.description ?? null);
  setText(refs.warning, broken ? "⚠ its config has an error (see below); the last good version keeps running" : "");
  setText(refs.kind, fn.kind);
  fillSchedule(refs.schedule, fn, state.environment);
  const next = nextFire(fn);
  setTime(refs.next, next);
  const paused = fn.disabledByOperator ? "disabled" : state.state !== "running" && next ? "scheduler stopped" : "";
  setText(refs.nextNote, paused ? ` (${paused})` : "");
  tr.classList.toggle("paused", Boolean(paused) || !fn.enabled);
  fillLastRun(refs.last, fn.lastRun);
  fillSuccess(refs.success, fn.recent ?? [], fn.successRate);
  setSwitch(refs.toggle, fn, actions.busy.has(fn.name));
}

/** @param {HTMLElement} el @param {any} run */
function fillLastRun(el, run) {
  if (!run) {
    fill(el, "none", () => [h("span", { class: "muted", text: "no runs yet" })]);
    return;
  }
  fill(el, run.id, () => [
    h("a", { class: "run-link", attrs: { href: runHref(run.id), "aria-label": `Last run: ${run.status}` } }, statusBadge(run.status)),
    h("span", { class: "when" }, timeEl(run.startedAt), h("span", { class: "duration" })), h("div", { class: "error-code" }),
  ]);
  // status, duration and error of the same run change as it goes: update them in place
  setStatus(/** @type {HTMLElement} */ (el.querySelector(".status")), run.status);
  setText(/** @type {HTMLElement} */ (el.querySelector(".duration")), run.status === "queued" || run.status === "running" ? "" : ` · ${duration(run.durationMs)}`);
  setText(/** @type {HTMLElement} */ (el.querySelector(".error-code")), run.error ?? "");
}

/** @param {any[]} errors */
function renderErrors(errors) {
  const card = /** @type {HTMLElement} */ (document.getElementById("errors-card"));
  card.hidden = errors.length === 0;
  setText(/** @type {HTMLElement} */ (document.getElementById("error-count")), errors.length);
  const list = /** @type {HTMLElement} */ (document.getElementById("errors"));
  fill(list, JSON.stringify(errors), () =>
    errors.map((error) =>
      h("li", { class: "load-error" },
        h("div", { class: "load-error-head" }, h("strong", { text: error.name }), " ", h("code", { class: "file", text: error.file }), " ", h("span", { class: "chip bad", text: error.code })),
        // the issues name each field; the message says the same in one line, so it shows only without them
        error.issues?.length
          ? h("ul", { class: "issues" }, error.issues.map((/** @type {any} */ issue) => h("li", {}, issue.path ? h("code", { class: "field", text: issue.path }) : null, issue.path ? ": " : "", issue.message)))
          : h("p", { class: "message", text: error.message }),
        error.keptLastGood ? h("p", { class: "warning", text: "The last good version of this function keeps running until the config is fixed." }) : null)));
}

/** @param {any} state */
function renderFleet(state) {
  const queue = state.queue;
  for (const name of ["waiting", "active", "delayed", "failed"]) {
    const el = /** @type {HTMLElement} */ (document.getElementById(`queue-${name}`));
    setText(el, queue ? queue[name] : "—");
    el.parentElement?.classList.toggle("alert", name === "failed" && queue !== null && queue.failed > 0);
  }
  const executors = state.executors ?? [];
  /** @type {HTMLElement} */ (document.getElementById("no-executors")).hidden = executors.length > 0;
  const body = /** @type {HTMLElement} */ (document.querySelector("#executors tbody"));
  reconcile(body, executors, (ex) => ex.id, () => {
    const cells = ["Executor", "Host", "Concurrency", "In flight", "Up since", "Last seen"].map((label) => h("td", { attrs: { "data-label": label } }));
    return h("tr", {}, cells);
  }, (tr, ex) => {
    const [id, host, concurrency, inFlight, up, seen] = /** @type {HTMLElement[]} */ (Array.from(tr.children));
    setText(/** @type {HTMLElement} */ (id), ex.id);
    setText(/** @type {HTMLElement} */ (host), `${ex.host} (pid ${ex.pid})`);
    setText(/** @type {HTMLElement} */ (concurrency), ex.concurrency);
    fill(/** @type {HTMLElement} */ (inFlight), `${ex.runsInFlight}/${ex.concurrency}`, () => [
      h("span", { text: `${ex.runsInFlight}` }),
      h("meter", { attrs: { min: 0, max: ex.concurrency, value: ex.runsInFlight, "aria-label": `${ex.runsInFlight} of ${ex.concurrency} slots busy` } }),
    ]);
    fill(/** @type {HTMLElement} */ (up), ex.startedAt, () => [timeEl(ex.startedAt)]);
    fill(/** @type {HTMLElement} */ (seen), ex.lastSeen, () => [timeEl(ex.lastSeen)]);
  });
}
