// The chronomaster GUI: sign-in when a token is set, the header with the scheduler's controls,
// the views (#/ overview, #/functions/<name>, #/runs/<id>) and the live state that feeds them.
import { api, followState, UNAUTHORIZED } from "./api.js";
import { setAttr, setText } from "./dom.js";
import { refreshTimes, syncClock } from "./format.js";
import { closeFunction, initFunctionView, openFunction, updateFunction } from "./function-view.js";
import { renderOverview, runHref } from "./overview.js";
import { initRunNow, openRunNow } from "./run-now.js";

/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {any} */
let state = null;
/** @type {(() => void) | null} */
let stopFollowing = null;
let updates = 0;
let overviewScroll = 0;
/** Functions whose switch is being flipped. */
const busy = new Set();
/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

const actions = {
  busy,
  /** @param {string} name @param {boolean} on */
  async toggle(name, on) {
    busy.add(name);
    if (state) render(state);
    try {
      const answer = await api(`/api/functions/${encodeURIComponent(name)}/${on ? "enable" : "disable"}`, { method: "POST" });
      const fn = state?.functions.find((/** @type {any} */ f) => f.name === name);
      if (fn) fn.disabledByOperator = answer.disabledByOperator;
      notify(`${name}: ${answer.disabledByOperator ? "disabled, its schedule no longer fires" : "enabled"}`);
    } catch (error) {
      notify(`Could not ${on ? "enable" : "disable"} ${name}: ${/** @type {Error} */ (error).message}`, true);
    } finally {
      busy.delete(name);
      if (state) render(state);
    }
  },
  /** @param {string} name */
  runNow: (name) => openRunNow(name),
};

/** @param {string} message @param {boolean} [isError] */
function notify(message, isError = false) {
  const toast = el("toast");
  setText(el("toast-text"), message);
  toast.classList.toggle("bad", isError);
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast.hidden = true), isError ? 12_000 : 5000);
}

/** @param {any} next */
function render(next) {
  state = next;
  syncClock(next.serverTime);
  const badge = el("state");
  setText(badge, next.state);
  badge.className = `badge ${next.state}`;
  setText(el("environment"), next.environment);
  setText(el("redis"), next.redis);
  el("redis").className = `dot ${next.redis}`;
  setText(el("executor-count"), next.executors.length);
  el("executor-count").classList.toggle("bad-text", next.executors.length === 0);
  // aria-disabled, not disabled: the button keeps the focus when a click (or another replica) changes the state
  setAttr(el("start"), "aria-disabled", next.state === "running" ? "true" : null);
  setAttr(el("stop"), "aria-disabled", next.state !== "running" ? "true" : null);
  document.title = `${next.state === "running" ? "▶" : "■"} Skywalker chronomaster · ${next.environment}`;
  renderOverview(next, actions);
  updateFunction(next);
  document.body.dataset.updates = String(++updates);
}

/** @param {"live" | "reconnecting" | "polling"} status */
function showLive(status) {
  const live = el("live");
  setText(live, status === "live" ? "live" : status === "polling" ? "polling" : "reconnecting…");
  live.className = `live ${status}`;
}

/** @param {"start" | "stop"} action */
async function control(action) {
  if (el(action).getAttribute("aria-disabled") === "true") return;
  try {
    const answer = await api(`/api/${action}`, { method: "POST" });
    if (state) render({ ...state, state: answer.state });
    notify(answer.state === "running" ? "Scheduler started: schedules fire again" : "Scheduler stopped: no schedule fires until you start it");
  } catch (error) {
    notify(`Could not ${action} the scheduler: ${/** @type {Error} */ (error).message}`, true);
  }
}

async function reload() {
  const button = el("reload");
  if (button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  try {
    const answer = await api("/api/reload", { method: "POST" });
    const changed = answer.changed.length === 0 ? "nothing changed" : `changed: ${[...answer.changed].sort().join(", ")}`;
    const errors = answer.errors.length === 0 ? "" : `; ${answer.errors.length} failed to load`;
    notify(`Reloaded: ${changed}${errors}`, answer.errors.length > 0);
  } catch (error) {
    notify(`Reload failed: ${/** @type {Error} */ (error).message}`, true);
  } finally {
    button.removeAttribute("aria-disabled");
  }
}

/** Shows the view the address names. @param {boolean} userNavigated move the focus to it */
async function route(userNavigated) {
  const [kind, raw] = location.hash.replace(/^#\/?/, "").split("/");
  const arg = raw === undefined ? "" : decodeURIComponent(raw);
  const overview = el("view-overview");
  const fnView = el("view-function");
  if ((kind === "functions" || kind === "runs") && arg !== "") {
    if (!overview.hidden) overviewScroll = window.scrollY;
    overview.hidden = true;
    fnView.hidden = false;
    if (kind === "functions") {
      await openFunction(arg, null);
      if (userNavigated) el("fn-title").focus();
    } else {
      const run = await api(`/api/runs/${encodeURIComponent(arg)}`).catch(() => null);
      await openFunction(run?.function ?? "", arg, run ?? undefined);
      if (userNavigated) document.getElementById("run-title")?.focus();
    }
    if (state) updateFunction(state);
    return;
  }
  closeFunction();
  fnView.hidden = true;
  overview.hidden = false;
  if (userNavigated) {
    window.scrollTo(0, overviewScroll);
    el("functions-title").focus({ preventScroll: true });
  }
}

function showSignIn(message = "") {
  stopFollowing?.();
  stopFollowing = null;
  for (const id of ["facts", "controls", "view-overview", "view-function"]) el(id).hidden = true;
  el("signin").hidden = false;
  setText(el("signin-error"), message);
  el("token").focus();
}

/** @param {{ required: boolean }} session */
function startApp(session) {
  el("signin").hidden = true;
  el("facts").hidden = false;
  el("controls").hidden = false;
  el("sign-out").hidden = !session.required;
  stopFollowing?.();
  stopFollowing = followState({ onState: render, onStatus: showLive });
  void route(false);
}

function wire() {
  el("start").addEventListener("click", () => void control("start"));
  el("stop").addEventListener("click", () => void control("stop"));
  el("reload").addEventListener("click", () => void reload());
  el("toast-close").addEventListener("click", () => (el("toast").hidden = true));
  el("sign-out").addEventListener("click", async () => {
    await api("/api/session", { method: "DELETE" }).catch(() => undefined);
    showSignIn("Signed out.");
  });
  el("signin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (el("token"));
    try {
      const session = await api("/api/session", { method: "POST", body: { token: input.value } });
      input.value = "";
      startApp(session);
    } catch (error) {
      setText(el("signin-error"), /** @type {Error} */ (error).message);
      input.select();
    }
  });
  window.addEventListener(UNAUTHORIZED, () => {
    if (el("signin").hidden) showSignIn("Your session ended: sign in again.");
  });
  window.addEventListener("hashchange", () => void route(true));
  initFunctionView(actions);
  initRunNow((run, name) => {
    notify(`${name}: run queued`);
    location.hash = runHref(run.id);
  });
  setInterval(refreshTimes, 1000);
}

async function boot() {
  wire();
  try {
    const session = await api("/api/session");
    if (session.required && !session.signedIn) showSignIn();
    else startApp(session);
  } catch (error) {
    notify(/** @type {Error} */ (error).message, true);
    setAttr(document.body, "data-boot-error", "true");
  }
}

void boot();
