// Talking to the chronomaster: JSON requests (state changes are POSTs carrying the CSRF header),
// and the live state stream. The session is an HttpOnly cookie set at sign-in; this page never
// sees the token after sending it once.

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Fired on window when a request is refused for want of a session. */
export const UNAUTHORIZED = "skywalker:unauthorized";

/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const method = options.method ?? "GET";
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (method !== "GET") headers["x-skywalker-csrf"] = "1";
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: "same-origin", body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch {
    throw new ApiError(0, "ERR_NETWORK", "the chronomaster did not answer (is it running?)");
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && path !== "/api/session") window.dispatchEvent(new Event(UNAUTHORIZED));
    const error = answer?.error;
    throw new ApiError(response.status, error?.code ?? "ERR_HTTP", error?.message ?? `the chronomaster answered ${response.status}`);
  }
  return answer;
}

/**
 * Follows the state: server-sent events, with a fetch of /api/state whenever nothing arrived for a
 * while (a proxy that buffers the stream, a stream that died quietly).
 * @param {{ onState: (state: any) => void, onStatus: (status: "live" | "reconnecting" | "polling") => void }} handlers
 * @returns {() => void} stops following
 */
export function followState(handlers) {
  const QUIET_MS = 8000;
  let lastAt = Date.now();
  let stopped = false;
  /** @type {EventSource | undefined} */
  let source;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retry;
  /** @param {any} state */
  const deliver = (state) => {
    lastAt = Date.now();
    handlers.onState(state);
  };
  const open = () => {
    source = new EventSource("/api/events");
    source.addEventListener("open", () => handlers.onStatus("live"));
    source.addEventListener("state", (event) => deliver(JSON.parse(/** @type {MessageEvent} */ (event).data)));
    source.addEventListener("error", () => {
      handlers.onStatus("reconnecting");
      // A refused stream (401, or the server gone) is closed for good: ask why, then try again.
      if (source?.readyState === EventSource.CLOSED && !stopped) {
        source = undefined;
        void api("/api/session").then((session) => {
          if (!session.signedIn) window.dispatchEvent(new Event(UNAUTHORIZED));
        }, () => undefined);
        retry = setTimeout(() => !stopped && open(), 3000);
      }
    });
  };
  const watchdog = setInterval(() => {
    if (stopped || Date.now() - lastAt < QUIET_MS) return;
    lastAt = Date.now();
    api("/api/state").then((state) => {
      handlers.onStatus(source?.readyState === EventSource.OPEN ? "live" : "polling");
      deliver(state);
    }, () => handlers.onStatus("reconnecting"));
  }, 2000);
  open();
  return () => {
    stopped = true;
    clearInterval(watchdog);
    clearTimeout(retry);
    source?.close();
  };
}
