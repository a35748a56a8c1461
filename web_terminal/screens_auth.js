// Screens before the work: enrol the device, log in by badge + PIN, choose a task.
// Each returns {main, actions}: the content and the buttons at the bottom of the screen.

import { cameraButton } from "./camera.js";
import { t } from "./i18n.js";
import { h } from "./util.js";

export function button(testid, label, onclick, { kind = "", disabled = false } = {}) {
  return h("button", { type: "button", class: `btn ${kind}`, "data-testid": testid, onclick, disabled }, label);
}

export function row(...buttons) {
  return h("div", { class: "row" }, buttons);
}

function errorLine(text) {
  return text ? h("p", { class: "error-line", "data-testid": "message", role: "alert" }, text) : null;
}

function field(id, label, attrs) {
  return [h("label", { class: "field-label", for: id }, label), h("input", { id, class: "text-in", "data-testid": id, autocomplete: "off", ...attrs })];
}

/** Enrol this device once: its name, and a supervisor vouching for it (badge + PIN, or a
 * one-time code from `warehouse-edge devices enrol-code`). */
export function enrolScreen({ state, act }) {
  const { enrol } = state;
  const [nameLabel, name] = field("device-name", t("device_name"), { value: enrol.name, autocapitalize: "characters", maxlength: 80 });
  const [badgeLabel, badge] = field("enrol-badge", t("enrol_supervisor_badge"), { value: enrol.badge, autocapitalize: "characters", maxlength: 64 });
  const [pinLabel, pin] = field("enrol-pin", t("enrol_supervisor_pin"), { type: "password", inputmode: "numeric", maxlength: 32 });
  const [codeLabel, code] = field("enrol-code", t("enrol_code"), { value: enrol.code, autocapitalize: "characters", maxlength: 64 });
  const submit = () => act.enrol({ name: name.value, badge: badge.value, pin: pin.value, code: code.value });
  for (const input of [name, badge, pin, code]) input.addEventListener("keydown", (ev) => ev.key === "Enter" && submit());
  return {
    main: [
      h("h1", { class: "title" }, state.station ? t("enrol_station_title", { name: state.station.name }) : t("enrol_title")),
      h("p", { class: "hint" }, t("enrol_hint")),
      nameLabel,
      name,
      h("p", { class: "hint" }, t("enrol_supervisor_hint")),
      badgeLabel,
      badge,
      pinLabel,
      pin,
      codeLabel,
      code,
      errorLine(enrol.error),
    ],
    actions: [row(button("btn-enrol", t("enrol_button"), submit, { kind: "primary" }), cameraButton(act))],
  };
}

function badgeBlock({ state, act }) {
  const { login } = state;
  if (login.typing) {
    const input = h("input", {
      id: "badge-input",
      class: "text-in",
      "data-testid": "badge-input",
      autocomplete: "off",
      autocapitalize: "characters",
      onkeydown: (ev) => ev.key === "Enter" && act.setBadge(input.value),
    });
    queueMicrotask(() => input.focus());
    return [h("label", { class: "prompt", for: "badge-input" }, t("type_badge")), input];
  }
  if (!login.badge) {
    return [
      h("div", { class: "badge-art", "aria-hidden": "true" }, h("span"), h("span"), h("span"), h("span"), h("span")),
      h("p", { class: "prompt big", "data-testid": "next-message" }, t("scan_badge")),
      h("p", { class: "hint" }, t("scan_badge_hint")),
    ];
  }
  return [
    h(
      "div",
      { class: "badge-line" },
      h("span", { class: "field-label" }, t("badge")),
      h("span", { class: "badge-code", "data-testid": "badge" }, login.badge),
      button("btn-other-badge", t("other_badge"), act.clearBadge, { kind: "small" }),
    ),
  ];
}

function pinPad({ state, act }) {
  const dots = h(
    "div",
    { class: "pin-dots", "data-testid": "pin-dots", "data-length": state.login.pin.length },
    Array.from({ length: Math.max(4, state.login.pin.length) }, (_, i) =>
      h("span", { class: i < state.login.pin.length ? "on" : "" }),
    ),
  );
  const key = (d) => button(`pin-key-${d}`, d, () => act.pinKey(d), { kind: "pin" });
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map(key);
  keys.push(button("pin-delete", "⌫", () => act.pinKey("Backspace"), { kind: "pin muted" }));
  keys.push(key("0"));
  keys.push(button("pin-ok", t("pin_ok"), act.submitLogin, { kind: "pin primary", disabled: !state.login.pin }));
  return [
    h("p", { class: "prompt", "data-testid": "next-message" }, t("enter_pin")),
    dots,
    h("div", { class: "pin-pad" }, keys),
  ];
}

export function loginScreen(ctx) {
  const { state, act } = ctx;
  const main = [h("h1", { class: "title" }, t("login_title")), ...badgeBlock(ctx), errorLine(state.login.error)];
  if (state.login.badge && !state.login.typing) main.push(...pinPad(ctx));
  const actions = state.login.badge
    ? []
    : [row(button("btn-type-badge", t("type_badge"), act.typeBadge, { kind: "secondary" }), cameraButton(act))];
  const label = state.station ? t("station_label", { name: state.station.name }) : t("device_label", { name: state.deviceName });
  const device = state.deviceName ? h("p", { class: "device-line" }, label) : null;
  return { main: [...main, device], actions };
}

const PICK_ROLES = new Set(["picker", "supervisor", "admin"]);
const PACK_ROLES = new Set(["packer", "supervisor", "admin"]);
const RETURNS_ROLES = new Set(["returns", "supervisor", "admin"]);
const KPI_ROLES = new Set(["supervisor", "admin"]);

function tile(testid, title, hint, icon, onclick) {
  return h(
    "button",
    { type: "button", class: "tile", "data-testid": testid, onclick },
    h("span", { class: "tile-icon", "aria-hidden": "true" }, icon),
    h("span", { class: "tile-text" }, h("span", { class: "tile-title" }, title), h("span", { class: "tile-hint" }, hint)),
  );
}

export function chooserScreen({ state, act }) {
  const role = state.session?.role || "";
  const tiles = [];
  if (PICK_ROLES.has(role)) {
    tiles.push(tile("btn-pick", t("task_pick"), t("task_pick_hint"), "⇩", () => act.startTask("pick")));
  }
  if (PACK_ROLES.has(role)) {
    tiles.push(tile("btn-pack", t("task_pack"), t("task_pack_hint"), "▣", () => act.startTask("pack")));
    tiles.push(tile("btn-dispatch", t("task_dispatch"), t("task_dispatch_hint"), "⇨", () => act.startTask("dispatch")));
    tiles.push(tile("btn-handover", t("task_handover"), t("task_handover_hint"), "⊞", act.openHandover));
    tiles.push(tile("btn-closeout", t("task_closeout"), t("task_closeout_hint"), "☐", act.openCloseout));
  }
  if (RETURNS_ROLES.has(role)) {
    tiles.push(tile("btn-returns", t("task_returns"), t("task_returns_hint"), "↩", () => act.startTask("returns")));
  }
  tiles.push(tile("btn-receive", t("task_receive"), t("task_receive_hint"), "⇲", () => act.startTask("receive")));
  tiles.push(tile("btn-putaway", t("task_putaway"), t("task_putaway_hint"), "⇱", () => act.startTask("putaway")));
  tiles.push(tile("btn-move", t("task_move"), t("task_move_hint"), "⇄", () => act.startTask("move")));
  tiles.push(tile("btn-count", t("task_count"), t("task_count_hint"), "#", act.openCounts));
  tiles.push(tile("btn-refill", t("task_refill"), t("task_refill_hint"), "↑", act.openRefills));
  if (KPI_ROLES.has(role)) tiles.push(tile("btn-board", t("task_board"), t("task_board_hint"), "▦", act.openBoard));
  if (KPI_ROLES.has(role)) tiles.push(tile("btn-kpis", t("task_kpis"), t("task_kpis_hint"), "∿", act.openKpis));
  if (KPI_ROLES.has(role)) tiles.push(tile("btn-exceptions", t("task_exceptions"), t("task_exceptions_hint"), "!", act.openExceptions));
  if (KPI_ROLES.has(role)) tiles.push(tile("btn-badges", t("task_badges"), t("task_badges_hint"), "⊙", act.openBadges));
  return {
    main: [h("h1", { class: "title" }, t("choose_task")), h("div", { class: "tiles" }, tiles)],
    actions: [row(button("btn-logout", t("btn_logout"), act.logout, { kind: "secondary" }))],
  };
}
