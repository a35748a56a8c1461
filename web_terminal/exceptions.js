// The supervisor's exceptions screen: what needs a person (GET /api/v1/exceptions), each with its
// owner, age, the action to take and where it is done; acknowledge or resolve one with a reason.
// A new exception is pushed to a supervisor's terminal as it opens (SSE `exception_opened`) and
// sounds; the list is also fetched again every 15 s while the screen is open.

import { call } from "./api.js";
import { sound } from "./feedback.js";
import { ROLES } from "./header.js";
import { getLang, t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { age } from "./sync_banner.js"; // "12 min", "12 分钟": the operator's language
import { h } from "./util.js";

const POLL_MS = 15_000;
/** Each exception kind's name in the operator's language (the board names them too). */
export const KINDS = {
  short_pick: () => t("exc_kind_short_pick"),
  cutoff_at_risk: () => t("exc_kind_cutoff_at_risk"),
  order_stuck: () => t("exc_kind_order_stuck"),
  print_attention: () => t("exc_kind_print_attention"),
  returns_not_graded: () => t("exc_kind_returns_not_graded"),
  sync_lag: () => t("exc_kind_sync_lag"),
  sync: () => t("exc_kind_sync"),
  restore: () => t("exc_kind_restore"),
  count_variance: () => t("exc_kind_count_variance"),
  device_down: () => t("exc_kind_device_down"),
  no_reserve: () => t("exc_kind_no_reserve"),
  scale_silent: () => t("exc_kind_scale_silent"),
  not_handed_over: () => t("exc_kind_not_handed_over"),
};
const STATES = { open: () => t("exc_state_open"), acked: () => t("exc_state_acked"), resolved: () => t("exc_state_resolved") };


/** The exceptions screen's controller: the list, which ids were seen, and its actions. */
export function createExceptions({ state, render, go, needLogin, refuse }) {
  const x = { items: null, seen: null, error: "", reasons: {}, timer: 0 };
  state.exceptions = x;

  async function load() {
    try {
      const res = await call("GET", "/api/v1/exceptions");
      if (res.status === 401) return needLogin(res);
      if (res.status >= 300) {
        x.error = res.body?.detail || t("unreachable");
      } else {
        const ids = res.body.map((e) => e.id);
        if (x.seen && ids.some((id) => !x.seen.has(id))) sound("info"); // a new one: tell the ear
        x.seen = new Set([...(x.seen || []), ...ids]);
        x.items = res.body;
        x.error = "";
      }
    } catch {
      x.error = t("unreachable");
    }
    if (state.screen === "exceptions") render();
  }

  function poll() {
    clearInterval(x.timer);
    x.timer = setInterval(() => (state.screen === "exceptions" ? load() : clearInterval(x.timer)), POLL_MS);
  }

  async function change(id, action, body) {
    const res = await call("POST", `/api/v1/exceptions/${id}/${action}`, body);
    if (res.status === 401) return needLogin(res);
    if (res.status >= 300) return refuse(res.body?.detail || t("unreachable"));
    delete x.reasons[id];
    await load();
  }

  const actions = {
    openExceptions() {
      go("exceptions");
      load();
      poll();
    },
    excRefresh: load,
    excOpened() {
      // pushed by the edge: on this screen the list comes again (and sounds for the new one)
      if (state.screen === "exceptions") load();
      else sound("info");
    },
    excAck: (id) => change(id, "ack", {}),
    excReason(id, text) {
      x.reasons[id] = text;
    },
    excResolve(id) {
      const reason = (x.reasons[id] || "").trim();
      if (!reason) return refuse(t("exc_reason_needed"));
      return change(id, "resolve", { reason });
    },
  };
  return { actions };
}

// Where an exception is, as a person names it (not the API's path): its station, device or
// printer, bin, order, return parcel, carrier and item, each said with what it is.
const PLACES = [
  ["station", (v) => t("exc_place_station", { v })],
  ["device", (v) => t("exc_place_device", { v })],
  ["printer", (v) => t("exc_place_printer", { v })],
  ["location", (v) => t("exc_place_location", { v })],
  ["order_id", (v) => t("exc_place_order", { v })],
  ["parcel_id", (v) => t("exc_place_parcel", { v })],
  ["carrier", (v) => t("exc_place_carrier", { v })],
  ["sku", (v) => t("exc_place_sku", { v })],
];

function detailOf(e) {
  if (e.detail && typeof e.detail === "object") return e.detail;
  try {
    return JSON.parse(e.detail || "{}") || {};
  } catch {
    return {};
  }
}

export function placesOf(e) {
  const known = { ...detailOf(e), ...Object.fromEntries(["order_id", "location", "sku"].filter((k) => e[k]).map((k) => [k, e[k]])) };
  return PLACES.filter(([key]) => known[key]).map(([key, say]) => say(known[key]));
}

// The terminal's screen where each kind is dealt with (the kind's `screen`); kinds dealt with
// off the handheld (a device, a printer, the link to central) get none.
const OPENS = {
  counts: [() => t("task_count"), (act) => act.openCounts()],
  replenish: [() => t("task_refill"), (act) => act.openRefills()],
  closeout: [() => t("task_closeout"), (act) => act.openCloseout()],
  orders: [() => t("task_board"), (act) => act.openBoard()],
  waves: [() => t("task_board"), (act) => act.openBoard()],
  returns: [() => t("task_returns"), (act) => act.startTask("returns")],
};

function item(e, x, act) {
  const field = `exc-reason-${e.id}`;
  const where = placesOf(e).join(" · ");
  const opens = OPENS[e.screen];
  return h(
    "li",
    { class: `exc-item ${e.state}`, "data-testid": "exc-item", "data-id": e.id, "data-kind": e.kind, "data-state": e.state },
    h("h2", { class: "exc-kind" }, (KINDS[e.kind] || (() => e.kind))()),
    h("p", { class: "exc-meta" }, t("exc_meta", { owner: ROLES[e.owner] ? ROLES[e.owner]() : e.owner, age: age(e.age_s), state: (STATES[e.state] || (() => e.state))() })),
    where ? h("p", { class: "exc-where", "data-testid": `exc-where-${e.id}` }, where) : null,
    h("p", { class: "exc-action" }, t("exc_action_label"), " ", getLang() === "zh" ? e.action_zh : e.action),
    opens ? h("p", { class: "exc-link" }, button(`exc-open-${e.id}`, t("exc_open", { screen: opens[0]() }), () => opens[1](act), { kind: "secondary" })) : null,
    h("label", { class: "field-label", for: field }, t("exc_reason")),
    h("input", { id: field, class: "text-in", "data-testid": field, type: "text", autocomplete: "off", maxlength: "200", value: x.reasons[e.id] || "", oninput: (ev) => act.excReason(e.id, ev.target.value) }),
    row(
      e.state === "open" ? button(`exc-ack-${e.id}`, t("exc_ack"), () => act.excAck(e.id), { kind: "secondary" }) : null,
      button(`exc-resolve-${e.id}`, t("exc_resolve"), () => act.excResolve(e.id)),
    ),
  );
}

export function exceptionsScreen({ state, act }) {
  const x = state.exceptions;
  const body = x.error
    ? h("p", { class: "error", role: "alert" }, x.error)
    : !x.items
      ? h("p", { class: "loading" }, t("loading"))
      : !x.items.length
        ? h("p", { class: "exc-none", "data-testid": "exc-none" }, t("exc_none"))
        : h("ul", { class: "exc-list", "data-testid": "exc-list" }, x.items.map((e) => item(e, x, act)));
  return {
    main: [h("h1", { class: "title" }, t("exc_title")), body],
    actions: [row(button("exc-refresh", t("exc_refresh"), act.excRefresh), button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }))],
  };
}
