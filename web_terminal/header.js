// The header: who is logged in, the scan queue's state, the language toggle; at a station, the
// strip under it with the station's name and its scanner's state.

import { t } from "./i18n.js";
import { stationStrip } from "./station.js";
import { fill, h } from "./util.js";

const $ = (id) => document.getElementById(id);

/** A role's name in the chosen language, by the role's code. */
export const ROLES = {
  picker: () => t("role_picker"),
  packer: () => t("role_packer"),
  returns: () => t("role_returns"),
  supervisor: () => t("role_supervisor"),
  admin: () => t("role_admin"),
};

export function drawHeader(state) {
  const who = state.session?.name;
  const role = state.session?.role;
  const roleName = ROLES[role] ? ROLES[role]() : role;
  fill($("who"), who ? [h("span", { class: "name" }, who), h("span", { class: "role" }, roleName)] : t("app_title"));
  $("lang").textContent = t("lang_toggle");
  drawNet(state.net);
  if (state.station) {
    const { alert, content } = stationStrip(state.station);
    const strip = $("station");
    strip.hidden = false;
    strip.setAttribute("aria-label", t("station_label", { name: state.station.name }));
    strip.dataset.alert = String(alert);
    fill(strip, content);
  }
}

/** The scan queue: hidden when idle; sending, retrying, or waiting for a login. */
export function drawNet({ pending, failures, paused }) {
  const net = $("net");
  let mode = "idle";
  if (pending && paused) mode = "waiting-login";
  else if (pending && failures) mode = "retrying";
  else if (pending) mode = "sending";
  const text = {
    "waiting-login": () => t("net_waiting_login", { n: pending }),
    retrying: () => t("net_retrying", { n: pending }),
    sending: () => t("net_sending", { n: pending }),
  }[mode];
  net.dataset.state = mode;
  net.hidden = mode === "idle";
  net.textContent = text ? text() : "";
  document.body.dataset.pending = String(pending);
}
