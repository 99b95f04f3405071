// The "run now" dialog: optional args as JSON, checked here before it is sent. What was typed is
// kept per function while the page is open, and live refreshes never touch the dialog.
import { api } from "./api.js";
import { setText } from "./dom.js";

/** @param {string} id */
const el = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {Map<string, string>} */
const drafts = new Map();
let current = "";

/** @param {(run: { id: string }, name: string) => void} onQueued */
export function initRunNow(onQueued) {
  const dialog = /** @type {HTMLDialogElement} */ (el("run-now"));
  const form = /** @type {HTMLFormElement} */ (el("run-now-form"));
  const args = /** @type {HTMLTextAreaElement} */ (el("run-now-args"));
  const submit = /** @type {HTMLButtonElement} */ (el("run-now-submit"));
  args.addEventListener("input", () => {
    drafts.set(current, args.value);
    setText(el("run-now-error"), "");
  });
  el("run-now-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = current;
    const text = args.value.trim();
    let parsed;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        setText(el("run-now-error"), `Args are not valid JSON: ${/** @type {Error} */ (error).message}`);
        args.focus();
        return;
      }
      if (typeof parsed !== "object" || parsed === null) {
        setText(el("run-now-error"), "Args must be a JSON object (or, for a workflow, an array with one object per step).");
        args.focus();
        return;
      }
    }
    if (submit.getAttribute("aria-disabled") === "true") return;
    submit.setAttribute("aria-disabled", "true");
    try {
      const run = await api(`/api/functions/${encodeURIComponent(name)}/run`, { method: "POST", body: parsed === undefined ? {} : { args: parsed } });
      drafts.delete(name);
      dialog.close();
      onQueued(run, name);
    } catch (error) {
      setText(el("run-now-error"), /** @type {Error} */ (error).message);
    } finally {
      submit.removeAttribute("aria-disabled");
    }
  });
}

/** Opens the dialog for a function, with what was typed for it before. @param {string} name */
export function openRunNow(name) {
  const dialog = /** @type {HTMLDialogElement} */ (el("run-now"));
  const args = /** @type {HTMLTextAreaElement} */ (el("run-now-args"));
  current = name;
  setText(el("run-now-name"), name);
  setText(el("run-now-error"), "");
  args.value = drafts.get(name) ?? "";
  if (!dialog.open) dialog.showModal();
  args.focus();
}
