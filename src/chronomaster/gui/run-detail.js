// One run, opened: status and times, the error with its code, the result, each workflow step,
// and the log lines the function wrote.
import { h } from "./dom.js";
import { absolute, duration, timeEl } from "./format.js";
import { statusBadge } from "./widgets.js";

/** @param {unknown} value */
const json = (value) => (value === undefined ? "undefined" : JSON.stringify(value, null, 2));

/** @param {string} iso */
function clockTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${absolute(iso).slice(11)}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

/**
 * The detail's content for a run record.
 * @param {any} run
 * @param {string} backHref where "close" goes
 * @returns {import("./dom.js").Child[]}
 */
export function runDetail(run, backHref) {
  const facts = [
    ["Function", run.function],
    ["Kind", run.executor],
    ["Trigger", run.scheduledAt ? "schedule" : "run now / API"],
    ["Scheduled for", run.scheduledAt ? absolute(run.scheduledAt) : "—"],
    ["Queued", run.queuedAt ? absolute(run.queuedAt) : "—"],
    ["Started", run.status === "queued" ? "not yet" : absolute(run.startedAt)],
    ["Duration", run.status === "queued" || run.status === "running" ? "—" : duration(run.durationMs)],
    ["CPU", duration(run.cpuMs)],
    ["Attempt", String(run.attempt)],
    ["Executor", run.executorId ?? "—"],
  ];
  const showSteps = (run.steps?.length ?? 0) > 1 || String(run.executor).includes("workflow");
  return [
    h("div", { class: "detail-head" },
      h("h2", { attrs: { id: "run-title", tabindex: "-1" } }, "Run ", statusBadge(run.status)),
      h("a", { class: "button small ghost", attrs: { href: backHref, "aria-label": "Close the run" }, text: "Close" })),
    h("p", { class: "muted run-id" }, h("code", { text: run.id }), " · started ", timeEl(run.startedAt)),
    h("dl", { class: "facts-grid" }, facts.map(([term, value]) => [h("dt", { text: term }), h("dd", { text: value })])),
    run.skipReason ? h("p", { class: "note-box" }, h("strong", { text: "Skipped: " }), run.skipReason) : null,
    run.error ? errorBlock(run.error) : null,
    run.status === "succeeded" || (run.result !== null && run.result !== undefined)
      ? h("section", { class: "block" }, h("h3", { text: "Result" }), h("pre", { class: "result", text: json(run.result) }))
      : null,
    showSteps ? stepsBlock(run.steps ?? []) : null,
    logsBlock(run),
  ];
}

/** @param {any} error */
function errorBlock(error) {
  return h("section", { class: "block error-box", attrs: { role: "group", "aria-label": "Error" } },
    h("h3", {}, "Error ", h("code", { class: "chip bad", text: error.code })),
    h("p", { class: "message", text: error.message }),
    error.retryable !== undefined ? h("p", { class: "muted", text: error.retryable ? "retryable" : "not retryable" }) : null,
    error.stack ? h("details", {}, h("summary", { text: "Stack" }), h("pre", { text: error.stack })) : null);
}

/** @param {any[]} steps */
function stepsBlock(steps) {
  return h("section", { class: "block" },
    h("h3", { text: `Steps (${steps.length})` }),
    steps.length === 0 ? h("p", { class: "muted", text: "no step has run yet" }) : null,
    h("ol", { class: "steps" }, steps.map((step) =>
      h("li", { class: "step" },
        h("div", { class: "step-head" }, statusBadge(step.status), " ", h("code", { text: step.handler }), h("span", { class: "muted", text: ` · ${duration(step.durationMs)}` })),
        step.error ? h("p", { class: "error-line" }, h("code", { text: step.error.code }), " ", step.error.message) : null,
        step.status === "succeeded" ? h("details", {}, h("summary", { text: "Result" }), h("pre", { text: json(step.result) })) : null))));
}

/** @param {any} run */
function logsBlock(run) {
  const logs = run.logs ?? [];
  const showStep = (run.steps?.length ?? 0) > 1;
  return h("section", { class: "block" },
    h("h3", { text: `Logs (${logs.length})` }),
    logs.length === 0 ? h("p", { class: "muted", text: run.status === "queued" || run.status === "running" ? "none yet" : "this run wrote no log lines" }) : null,
    logs.length > 0
      ? h("ol", { class: "logs", attrs: { "aria-label": "Log lines" } }, logs.map((/** @type {any} */ line) =>
          h("li", { class: `log l-${line.level}` },
            h("time", { attrs: { datetime: line.time }, text: clockTime(line.time) }),
            h("span", { class: "level", text: line.level }),
            showStep && line.step !== undefined ? h("span", { class: "muted step-no", text: `step ${line.step}` }) : null,
            h("span", { class: "msg", text: line.msg }))))
      : null,
    run.logsTruncated ? h("p", { class: "note-box", text: "Some lines were dropped: the run hit its maxLogBytes limit." }) : null);
}
