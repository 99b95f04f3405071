// How times, durations and rates read on the page. Relative times ("in 3 s", "5 min ago") are
// counted against the server's clock, so a browser whose clock is off still reads them right.
import { h, setAttr, setText } from "./dom.js";

let offsetMs = 0;

/** @param {string} serverTime the ISO time the server stamped on the state */
export function syncClock(serverTime) {
  const server = Date.parse(serverTime);
  if (Number.isFinite(server)) offsetMs = server - Date.now();
}

const now = () => Date.now() + offsetMs;

/** @param {number} n @param {string} unit */
const plural = (n, unit) => `${n} ${unit}`;

/**
 * "in 3 s", "12 s ago", "4 min ago", "2 h ago", "3 d ago".
 * @param {string | null | undefined} iso
 * @param {boolean} [due] a time that is due: once past, it reads "now" (the next state brings the next one)
 */
export function relative(iso, due = false) {
  if (!iso) return "—";
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return "—";
  const delta = at - now();
  if (due && delta < 1000) return "now";
  const s = Math.round(Math.abs(delta) / 1000);
  let span;
  if (s < 1) return delta >= 0 ? "now" : "just now";
  if (s < 60) span = plural(s, "s");
  else if (s < 3600) span = plural(Math.floor(s / 60), "min");
  else if (s < 86400) span = plural(Math.floor(s / 3600), "h");
  else span = plural(Math.floor(s / 86400), "d");
  return delta > 0 ? `in ${span}` : `${span} ago`;
}

/**
 * Local date and time, to the second: "2026-05-01 14:03:07".
 * @param {string | null | undefined} iso
 */
export function absolute(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * "0.4 ms", "12 ms", "1.24 s", "2 min 5 s".
 * @param {number | null | undefined} ms
 */
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** @param {number | null | undefined} rate a fraction, 0 to 1 */
export function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${Math.round(rate * 100)}%`;
}

/**
 * A <time> that keeps its relative text up to date (see refreshTimes); its title is the local time.
 * @param {string | null | undefined} iso
 * @param {boolean} [due] see relative()
 */
export function timeEl(iso, due = false) {
  const el = h("time");
  if (due) el.dataset.due = "";
  setTime(el, iso);
  return el;
}

/**
 * @param {HTMLElement} el a <time> made by timeEl
 * @param {string | null | undefined} iso
 */
export function setTime(el, iso) {
  setAttr(el, "datetime", iso ?? null);
  setAttr(el, "title", iso ? absolute(iso) : null);
  el.dataset.rel = iso ?? "";
  setText(el, relative(iso, el.dataset.due !== undefined));
}

/** Re-reads every relative time on the page (called each second). */
export function refreshTimes() {
  for (const el of document.querySelectorAll("time[data-rel]")) {
    if (el instanceof HTMLElement) setText(el, relative(el.dataset.rel, el.dataset.due !== undefined));
  }
}
