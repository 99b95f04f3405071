// A function's page: its schedule and switch, its run history, and the run that is open. The
// history is fetched again when the live state says the function ran; an open run that has not
// finished is fetched again until it has. Nothing the user is looking at is rebuilt unless it
// changed.
import { api } from "./api.js";
import { fill, h, reconcile, setAttr, setText } from "./dom.js";
import { absolute, duration, setTime, timeEl } from "./format.js";
import { functionHref, runHref } from "./overview.js";
import { runDetail } from "./run-detail.js";
import { enableSwitch, fillSchedule, fillSuccess, nextFire, setStatus, setSwitch, statusBadge } from "./widgets.js";

const HISTORY_LIMIT = 50;
const FINAL = new Set(["succeeded", "failed", "skipped"]);

/** @type {{ name: string | null, runId: string | null, summaryKey: string, run: any, state: any, actions: any, switch: HTMLButtonElement | null }} */
const view = { name: null, runId: null, summaryKey: "", run: null, state: null, actions: null, switch: null };

/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {{ toggle: (name: string, on: boolean) => void, runNow: (name: string) => void, busy: Set<string> }} actions */
export function initFunctionView(actions) {
  view.actions = actions;
  view.switch = enableSwitch("this function", (on) => view.name && actions.toggle(view.name, on));
  el("fn-controls").append(view.switch, h("button", { class: "primary", attrs: { type: "button", id: "fn-run-now" }, text: "Run now…", on: { click: () => view.name && actions.runNow(view.name) } }));
}

/**
 * Shows a function, and one of its runs when runId is set.
 * @param {string} name
 * @param {string | null} runId
 * @param {any} [run] the run's record, when the caller has it already
 */
export async function openFunction(name, runId, run) {
  const switching = view.name !== name;
  view.name = name;
  view.runId = runId;
  if (switching) {
    view.summaryKey = "";
    reconcile(el("runs-body"), [], () => "", () => h("tr"), () => undefined);
    el("no-runs").hidden = true;
  }
  view.run = run ?? null;
  renderHead();
  markSelected();
  const detail = el("run-detail");
  detail.hidden = runId === null;
  if (runId !== null) {
    if (run) renderRun();
    else await refreshRun();
  }
  if (switching) await refreshRuns();
}

export function closeFunction() {
  view.name = null;
  view.runId = null;
  view.run = null;
}

/** @param {any} state */
export function updateFunction(state) {
  view.state = state;
  if (view.name === null) return;
  renderHead();
  const fn = state.functions.find((/** @type {any} */ f) => f.name === view.name);
  const key = JSON.stringify([fn?.lastRun, fn?.recent]);
  if (key !== view.summaryKey) {
    view.summaryKey = key;
    void refreshRuns();
  }
  if (view.runId !== null && (view.run === null || !FINAL.has(view.run.status))) void refreshRun();
}

function renderHead() {
  const name = /** @type {string} */ (view.name);
  const state = view.state;
  const fn = state?.functions.find((/** @type {any} */ f) => f.name === name);
  const error = state?.errors.find((/** @type {any} */ e) => e.name === name);
  setText(el("fn-crumb"), name || "run");
  el("fn-head").hidden = name === "";
  if (name === "") return;
  fill(el("fn-title"), `${name}|${fn?.version ?? ""}`, () => [name, fn?.version ? h("span", { class: "muted version", text: ` v${fn.version}` }) : null]);
  setText(el("fn-description"), fn?.description ?? "");
  const missing = el("fn-missing");
  missing.hidden = fn !== undefined && error === undefined;
  setText(missing, error ? `Config error: ${error.message}` : state ? "This function is not loaded (removed, or renamed)." : "");
  el("fn-facts").hidden = fn === undefined;
  el("fn-controls").hidden = fn === undefined;
  if (fn === undefined) return;
  view.switch?.setAttribute("aria-label", `Schedule of ${name}`);
  setText(el("fn-kind"), fn.kind);
  fillSchedule(el("fn-schedule"), fn, state.environment);
  fill(el("fn-next"), "time", () => [timeEl(null, true), h("span", { class: "muted note" })]);
  setTime(/** @type {HTMLElement} */ (el("fn-next").firstElementChild), nextFire(fn));
  const paused = fn.disabledByOperator ? " (disabled)" : state.state !== "running" && nextFire(fn) ? " (scheduler stopped)" : "";
  setText(/** @type {HTMLElement} */ (el("fn-next").lastElementChild), paused);
  fillSuccess(el("fn-success"), fn.recent ?? [], fn.successRate);
  if (view.switch) setSwitch(view.switch, fn, view.actions.busy.has(name));
}

async function refreshRuns() {
  const name = view.name;
  if (name === null) return;
  let answer;
  try {
    answer = await api(`/api/functions/${encodeURIComponent(name)}/runs?limit=${HISTORY_LIMIT}`);
  } catch (error) {
    if (view.name !== name) return;
    setText(el("no-runs"), /** @type {Error} */ (error).message);
    el("no-runs").hidden = false;
    return;
  }
  if (view.name !== name) return;
  const runs = answer.runs;
  setText(el("no-runs"), "No runs yet. Use “Run now”, or wait for the schedule.");
  el("no-runs").hidden = runs.length > 0;
  reconcile(el("runs-body"), runs, (run) => run.id, createRunRow, updateRunRow);
  markSelected();
}

/** @param {any} run */
function createRunRow(run) {
  const cells = ["Run", "Scheduled for", "Started", "Duration", "Attempt", "Executor"].map((label) => h("td", { attrs: { "data-label": label } }));
  cells[0]?.append(h("a", { class: "run-link", attrs: { href: runHref(run.id), "aria-label": `Open run ${run.id}` } }, statusBadge(run.status)));
  cells[2]?.append(timeEl(null));
  cells[5]?.classList.add("executor-id", "col-executor");
  const tr = h("tr", { class: "run-row" }, cells);
  // the whole row opens the run for a mouse; the link inside is what the keyboard uses
  tr.addEventListener("click", (event) => {
    if (!(event.target instanceof Element) || !event.target.closest("a")) location.hash = runHref(run.id);
  });
  return tr;
}

/** @param {HTMLElement} tr @param {any} run */
function updateRunRow(tr, run) {
  const [status, scheduled, started, took, attempt, executor] = /** @type {HTMLElement[]} */ (Array.from(tr.children));
  setStatus(/** @type {HTMLElement} */ (status?.querySelector(".status")), run.status);
  // a scheduled run shows its tick's due time; a run started by hand (run now, API) says so
  setText(/** @type {HTMLElement} */ (scheduled), run.scheduledAt ? absolute(run.scheduledAt).slice(11) : "run now");
  setAttr(/** @type {HTMLElement} */ (scheduled), "title", run.scheduledAt ? absolute(run.scheduledAt) : "started by hand (run now or the API)");
  scheduled?.classList.toggle("muted", !run.scheduledAt);
  setTime(/** @type {HTMLElement} */ (started?.firstElementChild), run.status === "queued" ? null : run.startedAt);
  setText(/** @type {HTMLElement} */ (took), run.status === "queued" || run.status === "running" ? "…" : duration(run.durationMs));
  setText(/** @type {HTMLElement} */ (attempt), run.attempt);
  setText(/** @type {HTMLElement} */ (executor), run.executorId ?? "—");
  tr.classList.toggle("failed", run.status === "failed");
}

function markSelected() {
  for (const tr of el("runs-body").children) {
    if (!(tr instanceof HTMLElement)) continue;
    const selected = tr.dataset.item === view.runId;
    tr.classList.toggle("selected", selected);
    setAttr(/** @type {Element} */ (tr.querySelector("a")), "aria-current", selected ? "true" : null);
  }
}

async function refreshRun() {
  const id = view.runId;
  if (id === null) return;
  try {
    const run = await api(`/api/runs/${encodeURIComponent(id)}`);
    if (view.runId !== id) return;
    view.run = run;
    renderRun();
  } catch (error) {
    if (view.runId !== id) return;
    fill(el("run-detail"), `error|${id}`, () => [h("h2", { attrs: { id: "run-title", tabindex: "-1" }, text: "Run not found" }), h("p", { class: "error", text: /** @type {Error} */ (error).message })]);
  }
}

function renderRun() {
  const detail = el("run-detail");
  const logs = detail.querySelector(".logs");
  const scroll = logs ? logs.scrollTop : 0;
  const open = Array.from(detail.querySelectorAll("details")).map((d) => d.open);
  const focusedId = document.activeElement && detail.contains(document.activeElement) ? document.activeElement.id : "";
  fill(detail, JSON.stringify(view.run), () => runDetail(view.run, functionHref(view.run.function)));
  // a run that moved on (queued → running → succeeded) is drawn again: keep what the user had open
  const newLogs = detail.querySelector(".logs");
  if (newLogs) newLogs.scrollTop = scroll;
  detail.querySelectorAll("details").forEach((d, i) => (d.open = open[i] ?? false));
  if (focusedId) document.getElementById(focusedId)?.focus();
}
