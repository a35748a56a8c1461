// The work screens, drawn from the edge's task body (`view`, `message`, `next_message`):
// picking (tote → location → item → … → done) and bin-to-bin moves.

import { cameraButton } from "./camera.js";
import { getLang, t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { h, withCodes } from "./util.js";

export function stepChip(step, label) {
  // The step is what the screen is about: its one heading (for screen readers and axe).
  return h("h1", { class: `step step-${step}`, "data-testid": "step", "data-step": step }, label);
}

export function messages(task) {
  const tone = task?.tone || "info";
  return h(
    "div",
    { class: "messages" },
    task?.message && task.message !== task.next_message && h("p", { class: `message tone-${tone}`, "data-testid": "message", "data-tone": tone }, withCodes(task.message)),
    task?.next_message && h("p", { class: "next-message", "data-testid": "next-message" }, withCodes(task.next_message)),
  );
}

export function commonButtons(act) {
  return row(
    button("btn-type-code", t("btn_type_code"), act.typeCode, { kind: "secondary" }),
    cameraButton(act),
    button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }),
    button("btn-logout", t("btn_logout"), act.logout, { kind: "secondary" }),
  );
}

/** The step chip with the list's progress beside it and a bar under both. */
function stepHead(step, label, progress) {
  const chip = stepChip(step, label);
  if (!progress) return chip;
  const { units_picked: done = 0, units_total: total = 0, tasks_done: lines = 0, tasks_total: allLines = 0 } = progress;
  const pct = total ? Math.round((100 * done) / total) : 0;
  return h(
    "div",
    { class: "progress", "data-testid": "progress", "data-done": done, "data-total": total },
    h(
      "div",
      { class: "progress-text" },
      chip,
      h("span", {}, t("progress", { done, total })),
      h("span", {}, t("lines_done", { done: lines, total: allLines })),
    ),
    h("div", { class: "progress-track" }, h("div", { class: "progress-fill", style: `width:${pct}%` })),
  );
}

function itemName(task) {
  return (getLang() === "zh" && task.name_zh) || task.name || task.sku;
}

/** A kit's component names its kit (组合装); a gift line (赠品) says so. */
export function kitMark(line) {
  const kit = line.kit;
  const name = kit && ((getLang() === "zh" && kit.name_zh) || kit.name || kit.sku);
  return [
    kit && h("span", { class: "kit-mark", "data-testid": "kit", "data-kit": kit.sku }, t("kit_part", { kit: name, per: kit.per_kit })),
    line.gift && h("span", { class: "gift-mark", "data-testid": "gift" }, t("gift_line")),
  ];
}

function lotLine(task) {
  const parts = [];
  if (task.lot) parts.push(`${t("lot")} ${task.lot}`);
  if (task.expiry) parts.push(`${t("expiry")} ${task.expiry}`);
  return parts.length ? h("span", { class: "lot", "data-testid": "lot" }, parts.join(" · ")) : null;
}

function toteBox(task) {
  return h(
    "div",
    { class: "tote-box" },
    h("span", { class: "label" }, t("put_into")),
    h("span", { class: "tote-code", "data-testid": "tote" }, task.tote || "—"),
    h("span", { class: "slot", "data-testid": "slot", "data-slot": task.slot }, t("slot", { slot: task.slot })),
  );
}

function toteStep(view) {
  const totes = view.totes || [];
  const next = totes.find((s) => !s.tote) || totes[0] || {};
  return [
    h(
      "div",
      { class: "slot-hero" },
      h("span", { class: "label" }, t("scan_tote_for_slot", { slot: next.slot ?? "" })),
      h("span", { class: "slot-no huge", "data-testid": "slot", "data-slot": next.slot }, next.slot ?? "—"),
      h("span", { class: "order-no" }, `${t("order")} ${next.channel_order_id || next.order_id || ""}`),
    ),
    h(
      "ul",
      { class: "tote-list" },
      totes.map((s) =>
        h(
          "li",
          {
            class: `tote-row${s === next ? " next" : ""}${s.tote ? " bound" : ""}`,
            "data-testid": "tote-row",
            "data-slot": s.slot,
            "data-order": s.channel_order_id || s.order_id,
            "data-tote": s.tote || "",
          },
          h("span", { class: "slot-badge" }, s.slot),
          h("span", { class: "order" }, s.channel_order_id || s.order_id),
          h("span", { class: s.tote ? "tote-code" : "tote-code empty" }, s.tote || t("no_tote")),
        ),
      ),
    ),
  ];
}

function locationStep(task) {
  return [
    h("div", { class: "location huge", "data-testid": "location" }, task.location),
    h(
      "div",
      { class: "card preview" },
      h(
        "div",
        { class: "name-row" },
        h("div", { class: "item-name", "data-testid": "item-name" }, itemName(task)),
        h("span", { class: "qty-chip", "data-testid": "qty", "data-qty": task.qty }, `× ${task.qty}`),
      ),
      h("div", { class: "meta" }, h("span", { "data-testid": "sku" }, task.sku), lotLine(task), ...kitMark(task)),
      toteBox(task),
    ),
  ];
}

function itemStep(task) {
  return [
    h("div", { class: "location", "data-testid": "location" }, task.location),
    h("div", { class: "item-name big", "data-testid": "item-name" }, itemName(task)),
    h("div", { class: "meta" }, h("span", { "data-testid": "sku" }, task.sku), lotLine(task), ...kitMark(task)),
    h(
      "div",
      { class: "qty-row" },
      h(
        "div",
        { class: "qty-box" },
        h("span", { class: "label" }, t("to_pick")),
        h("span", { class: "remaining", "data-testid": "remaining" }, task.remaining),
        h(
          "span",
          { class: "picked", "data-testid": "qty", "data-qty": task.qty, "data-picked": task.picked },
          t("picked_of", { picked: task.picked, qty: task.qty }),
        ),
      ),
      toteBox(task),
    ),
  ];
}

function doneStep(view) {
  const units = view.progress?.units_picked ?? 0;
  return [
    h("div", { class: "done-mark", "aria-hidden": "true" }, "✓"),
    h("h1", { class: "title center" }, t("list_done")),
    h("p", { class: "hint center" }, t("list_done_units", { units })),
  ];
}

function waiting(state, act) {
  return {
    main: [
      stepChip("waiting", t("task_pick")),
      h("h1", { class: "title" }, t("no_list")),
      state.task?.message && h("p", { class: "prompt", "data-testid": "message" }, state.task.message),
      h("p", { class: "hint" }, t("no_list_hint")),
    ],
    actions: [row(button("btn-next-list", t("check_again"), act.nextList, { kind: "primary" })), commonButtons(act)],
  };
}

const PICK_STEPS = {
  tote: () => t("step_tote"),
  location: () => t("step_location"),
  item: () => t("step_item"),
  done: () => t("step_done"),
};

function putBackLine(u) {
  const params = { qty: u.qty, sku: u.sku, tote: u.tote, location: u.location, order: u.channel_order_id || u.order_id };
  return u.location ? t("put_back_line", params) : t("put_back_line_any", params);
}

/** Units of orders cancelled while on this list: which go from which tote back to which bin. */
function putBackPanel(view) {
  const units = view.put_back || [];
  if (!units.length) return null;
  return h(
    "div",
    { class: "put-back tone-bad", role: "alert", "data-testid": "put-back" },
    h("p", { class: "put-back-title" }, t("put_back_title")),
    ...units.map((u) =>
      h("p", { class: "put-back-line", "data-testid": "put-back-line" }, putBackLine(u)),
    ),
  );
}

export function pickScreen({ state, act }) {
  const task = state.task;
  const view = task?.view;
  if (!view || !view.step) return waiting(state, act);
  const line = view.task || {};
  const body = {
    tote: () => toteStep(view),
    location: () => locationStep(line),
    item: () => itemStep(line),
    done: () => doneStep(view),
  }[view.step];
  // With zone picking, the list is one zone's: the picker sees which, above everything.
  const zone = view.zone != null && h("p", { class: "pick-zone", "data-testid": "pick-zone", "data-zone": view.zone }, t("pick_zone", { zone: view.zone || "-" }));
  const main = [zone, putBackPanel(view), stepHead(view.step, (PICK_STEPS[view.step] || PICK_STEPS.item)(), view.progress), ...(body ? body() : [])].filter(Boolean);
  if (view.step === "done") {
    const next = row(button("btn-next-list", t("next_list"), act.nextList, { kind: "primary" }));
    return { main, actions: [messages(task), next, commonButtons(act)] };
  }
  const working = view.step === "location" || view.step === "item";
  // Buttons for what this session accepts: completing a line unscanned, a typed quantity.
  const extra = [];
  if (view.complete_line)
    extra.push(button("btn-confirm", t("btn_confirm"), () => act.command("CMD:CONFIRM"), { kind: "primary", disabled: !working }));
  if (view.quantity_prompt)
    extra.push(button("btn-quantity", act.pendingQuantity() ? t("quantity_pending", { n: act.pendingQuantity() }) : t("btn_quantity"), act.quantity, { kind: "primary", disabled: view.step !== "item" }));
  const actions = [
    messages(task),
    row(button("btn-short", t("btn_short"), act.short, { kind: "danger", disabled: !working }), ...extra),
    commonButtons(act),
  ];
  return { main, actions };
}

const MOVE_STEPS = { source: () => t("step_source"), target: () => t("step_target"), items: () => t("step_items") };

function place(testid, label, code, active) {
  return h(
    "div",
    { class: `place${active ? " active" : ""}` },
    h("span", { class: "label" }, label),
    h("span", { class: "place-code", "data-testid": testid }, code || "—"),
  );
}

export function moveScreen({ state, act }) {
  const task = state.task || {};
  const view = task.view || task.state || { step: "source" };
  const step = view.step || "source";
  const main = [
    stepChip(step, (MOVE_STEPS[step] || MOVE_STEPS.source)()),
    h(
      "div",
      { class: "places" },
      place("source", t("move_from"), view.source, step === "source"),
      h("span", { class: "arrow", "aria-hidden": "true" }, "↓"),
      place("target", t("move_to"), view.target, step === "target"),
    ),
    h(
      "div",
      { class: "moved-box" },
      h("span", { class: "label" }, t("moved")),
      h("span", { class: "moved", "data-testid": "moved" }, view.moved ?? 0),
      h("span", { class: "label" }, t("units")),
    ),
  ];
  const actions = [
    messages(task),
    row(
      button("btn-cancel", t("btn_cancel"), () => act.command("CMD:CANCEL"), { kind: "secondary", disabled: step === "source" }),
      button("btn-done", t("btn_finish"), () => act.command("CMD:DONE"), { kind: "primary", disabled: step === "target" }),
    ),
    commonButtons(act),
  ];
  return { main, actions };
}
