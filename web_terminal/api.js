// The edge's HTTP API as the terminal uses it (docs/terminal-api.md): JSON in, JSON or
// problem+json out, the session token and the operator's language on every call.

import { load, save } from "./util.js";

const TIMEOUT_MS = 8000; // a scan answer is a commit away; past this the request is retried

export const session = {
  get: () => load("wt.session", null),
  set: (value) => save("wt.session", value),
};

// A station's screen before anyone logs in there: its own credential stands in for a session
// (it may read the station and follow its events, nothing else).
let deviceToken = "";
export function setDeviceToken(secret) {
  deviceToken = secret || "";
}

let language = "en";
export function setApiLanguage(lang) {
  language = lang;
}

export class NetworkError extends Error {}

/** Call the edge. Resolves to {status, body, replayed}; rejects with NetworkError when there is
 * no answer at all (no network, timeout). HTTP refusals are answers, not exceptions. A Blob body
 * (a photo) is sent as it is, with its own type; anything else as JSON. */
export async function call(method, path, body) {
  const headers = { "Accept-Language": language === "zh" ? "zh-CN" : "en", Accept: "application/json" };
  const token = session.get()?.token || deviceToken;
  if (token) headers.Authorization = `Bearer ${token}`;
  const blob = typeof Blob !== "undefined" && body instanceof Blob;
  if (body !== undefined) headers["Content-Type"] = blob ? body.type || "application/octet-stream" : "application/json";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined || blob ? body : JSON.stringify(body),
      signal: abort.signal,
      cache: "no-store",
    });
  } catch (error) {
    throw new NetworkError(String(error));
  } finally {
    clearTimeout(timer);
  }
  const text = await res.text().catch(() => "");
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text };
  }
  return { status: res.status, body: parsed, replayed: res.headers.get("Idempotent-Replayed") === "true" };
}

export const api = {
  enrol: (body) => call("POST", "/api/v1/devices", body),
  login: (badge, pin, device) =>
    call("POST", "/api/v1/auth/login", { badge, pin, device_id: device.device_id, device_secret: device.device_secret || "" }),
  logout: () => call("POST", "/api/v1/auth/logout"),
  me: () => call("GET", "/api/v1/auth/me"),
  startTask: (workflow) => call("POST", "/api/v1/work-sessions", { workflow }),
  currentTask: () => call("GET", "/api/v1/work-sessions/current"),
  stations: () => call("GET", "/api/v1/stations"),
  scan: (entry) =>
    call("POST", "/api/v1/scans", {
      scan_id: entry.scan_id,
      raw: entry.raw,
      ...(entry.quantity ? { quantity: entry.quantity } : {}),
      ...(entry.reason ? { reason: entry.reason } : {}),
    }),
};

/** A Server-Sent Events stream, reopened for ever (EventSource gives up for good on an HTTP
 * error, so a closed stream is reopened here with a back-off). `handlers` maps an event type to
 * a function of its parsed data. Returns a function that closes the stream. */
export function eventStream(url, handlers, { onState = () => {} } = {}) {
  let source = null;
  let stopped = false;
  let delay = 1000;
  let timer = 0;

  function open() {
    if (stopped) return;
    source = new EventSource(url);
    source.addEventListener("open", () => {
      delay = 1000;
      onState("open");
    });
    for (const [type, handle] of Object.entries(handlers)) source.addEventListener(type, (ev) => handle(parse(ev.data)));
    source.addEventListener("error", () => {
      onState("error");
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(timer);
        timer = setTimeout(open, delay);
        delay = Math.min(30000, delay * 2);
      }
    });
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}

/** The operator's live updates (the token rides in the query: EventSource sends no headers). */
export function liveEvents({ token, onEvent, onState = () => {} }) {
  const url = `/api/v1/events/stream?access_token=${encodeURIComponent(token)}`;
  const handlers = {};
  for (const type of ["pick_list_assigned", "pick_list_unassigned", "order_changed", "putback_needed", "exception_opened", "board_changed"]) handlers[type] = (data) => onEvent(type, data);
  return eventStream(url, handlers, { onState });
}

/** A station's events: its scanner's scans with their answers, the scanner's state (the
 * station's own credential rides in the query: EventSource sends no headers). */
export function stationEvents(station, handlers, options) {
  const query = `access_token=${encodeURIComponent(deviceToken)}`;
  return eventStream(`/api/v1/stations/${encodeURIComponent(station)}/events?${query}`, handlers, options);
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return {};
  }
}
