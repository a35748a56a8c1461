// Station mode (/ui/?station=BENCH-1): the screen of a pack bench or a returns desk. It is
// enrolled once (a supervisor vouching) and keeps the station's credential, without which the
// station's identity cannot be used. The station's fixed scanner talks to the edge
// directly; each of its scans comes back here over Server-Sent Events with the edge's answer,
// and so do the scanner's states (a packer must see at once that the scanner is unplugged).

import { api, stationEvents } from "./api.js";
import { t } from "./i18n.js";
import { h } from "./util.js";

const LOGIN_CODES = new Set(["not_authenticated", "session_expired"]);
const FAULTS = new Set(["disconnected", "error"]);

/** What a scan event from the station's scanner asks of the screen: "badge" (a badge scanned
 * while nobody is logged in: start the login), "login" (refused: nobody is logged in here),
 * "answer" (apply it as the answer to a scan of this screen's own), or "foreign" (answered in a
 * session this screen does not hold, e.g. a login on another browser at the same station). */
export function scanEventKind(body, loggedIn) {
  if (body.login_badge) return "badge";
  if (body.ok === false && LOGIN_CODES.has(body.code)) return "login";
  return loggedIn ? "answer" : "foreign";
}

/** The station's state, kept from `GET /api/v1/stations` and its event stream. */
export function createStation(name, { onScan, onRejected, onChange }) {
  const station = { name, type: "", known: null, link: "connecting", scanners: [], operator: null };
  let stop = () => {};

  async function refresh() {
    const res = await api.stations().catch(() => null);
    if (!res || res.status !== 200 || !Array.isArray(res.body)) return;
    const found = res.body.find((s) => s.station === name);
    station.known = Boolean(found);
    station.type = found?.type || "";
    station.operator = found?.operator || null;
    station.scanners = (found?.scanners || []).map((s) => ({ device: s.name, state: s.state, reason: s.reason || "" }));
    onChange();
  }

  function deviceState({ device, state, reason = "" }) {
    const known = station.scanners.some((s) => s.device === device);
    const now = { device, state, reason };
    station.scanners = known ? station.scanners.map((s) => (s.device === device ? now : s)) : [...station.scanners, now];
    onChange();
  }

  function linkState(value) {
    station.link = value === "open" ? "open" : "down";
    onChange();
  }

  /** Read the station, then follow its events (a `hello` after each reconnect reads it again:
   * states that changed while the stream was down are not lost). */
  async function start() {
    await refresh();
    if (station.known === false) return;
    const handlers = { hello: refresh, device: deviceState, scan: onScan, rejected: onRejected };
    stop = stationEvents(name, handlers, { onState: linkState });
  }

  return { station, start, stop: () => stop() };
}

const SCANNER_TEXT = {
  connected: () => t("scanner_connected"),
  connecting: () => t("scanner_connecting"),
  disconnected: () => t("scanner_disconnected"),
  error: () => t("scanner_error"),
};

function scannerChip({ device, state, reason }) {
  const text = (SCANNER_TEXT[state] || SCANNER_TEXT.error)();
  return h(
    "span",
    { class: "scanner", "data-testid": "scanner-status", "data-device": device, "data-state": state, title: device },
    h("span", { class: "scanner-dot", "aria-hidden": "true" }),
    h("span", { class: "scanner-text" }, text),
    FAULTS.has(state) && reason && h("span", { class: "scanner-reason", "data-testid": "scanner-reason" }, reason),
  );
}

/** The strip under the header: the station's name and its scanners; red when one is faulty. */
export function stationStrip(station) {
  const alert = station.link === "down" || station.scanners.some((s) => FAULTS.has(s.state));
  const scanners = station.scanners.length
    ? station.scanners.map(scannerChip)
    : h("span", { class: "scanner", "data-testid": "scanner-status", "data-state": "none" }, t("no_scanner"));
  return {
    alert,
    content: [
      h("span", { class: "station-name", "data-testid": "station-name" }, station.name),
      scanners,
      station.link === "down" && h("span", { class: "station-link", "data-testid": "station-link" }, t("station_offline")),
    ],
  };
}

// Why the scanner's line was refused (edge/devices/framing.py), as the packer reads it.
const REJECTED = {
  over_long: () => t("rejected_over_long"),
  garbled: () => t("rejected_garbled"),
  disconnected: () => t("rejected_cut"),
};

/** The words for a refused line's reason; an unknown reason is shown as the edge gave it. */
export function rejectedReason(reason) {
  return REJECTED[reason] ? REJECTED[reason]() : reason || "";
}

export function unknownStationScreen({ state }) {
  return {
    main: [
      h("h1", { class: "title" }, t("station_unknown", { name: state.station.name })),
      h("p", { class: "hint" }, t("station_unknown_hint")),
    ],
    actions: [],
  };
}
