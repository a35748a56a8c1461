// The dock's screens, drawn from the edge's view (view_receive and view_putaway in
// edge/service/receiving.py): receiving an ASN line by line, with the stop that a discrepancy
// makes and the choices the clerk's role allows, and putting a received container away.

import { t } from "./i18n.js";
import { confirm } from "./modal.js";
import { button, row } from "./screens_auth.js";
import { commonButtons, messages, stepChip } from "./screens_work.js";
import { h } from "./util.js";

const RECEIVE_STEPS = { asn: () => t("step_asn"), items: () => t("step_receive_items"), decide: () => t("step_decide") };
// A discrepancy's kind and a stop's choices, as people read them.
export const KINDS = {
  over: () => t("dock_over"),
  short: () => t("dock_short"),
  unexpected: () => t("dock_unexpected"),
  wrong_lot: () => t("dock_wrong_lot"),
  expired: () => t("dock_expired"),
  short_shelf_life: () => t("dock_short_shelf_life"),
  damaged: () => t("dock_damaged"),
};
export const CHOICES = { accept: () => t("btn_accept"), reject: () => t("btn_reject"), quarantine: () => t("btn_quarantine") };
const PUTAWAY_STEPS = { container: () => t("step_container"), bin: () => t("step_bin") };

function lineRow(line) {
  const done = line.received >= line.qty;
  return h(
    "li",
    {
      class: `asn-line${done ? " done" : ""}`,
      "data-testid": "asn-line",
      "data-line": line.line_no,
      "data-sku": line.sku,
      "data-received": line.received,
      "data-expected": line.qty,
    },
    h("span", { class: "sku" }, line.sku),
    h("span", { class: "lot" }, line.lot ? `${t("lot")} ${line.lot}` : ""),
    h("span", { class: "count" }, `${line.received} / ${line.qty}`),
  );
}

function stopBox(stop, act) {
  if (!stop) return null;
  const allowed = new Set(stop.choices || []);
  const choice = (name, kind) =>
    button(`btn-${name}`, CHOICES[name](), () => act.command(`CMD:${name.toUpperCase()}`), { kind, disabled: !allowed.has(name) });
  return h(
    "div",
    { class: "card stop", role: "alert", "data-testid": "stop", "data-kind": stop.kind },
    h("p", { class: "stop-kind" }, (KINDS[stop.kind] || (() => stop.kind))()),
    h("p", { class: "meta" }, `${stop.qty} × ${stop.sku}${stop.lot ? ` · ${t("lot")} ${stop.lot}` : ""}${stop.expiry ? ` · ${t("expiry")} ${stop.expiry}` : ""}`),
    row(choice("accept", "primary"), choice("quarantine", "secondary"), choice("reject", "secondary")),
  );
}

/** Close ASN closes the delivery for good, its open lines recorded short: asked first, with how
 * many units are still short (a fixed scanner's CMD:DONE is deliberate and closes at once). */
function closeAsn(view, act) {
  const short = (view.lines || []).reduce((n, line) => n + Math.max(0, line.qty - line.received), 0);
  const text = short ? t("confirm_close_asn_short", { asn: view.asn_id, n: short }) : t("confirm_close_asn", { asn: view.asn_id });
  confirm(text, () => act.command("CMD:DONE"));
}

export function receiveScreen({ state, act }) {
  const task = state.task || {};
  const view = task.view || { step: "asn", lines: [] };
  const step = view.step || "asn";
  const unit = view.unit;
  const main = [
    stepChip(step, (RECEIVE_STEPS[step] || RECEIVE_STEPS.asn)()),
    h("div", { class: "asn-head" }, h("span", { class: "label" }, "ASN"), h("span", { class: "asn-id", "data-testid": "asn" }, view.asn_id || "—"), h("span", { class: "label" }, t("dock_at", { dock: view.dock || "" }))),
    unit && h("div", { class: "card unit", "data-testid": "unit" }, `${unit.qty} × ${unit.sku}`, unit.lot ? ` · ${t("lot")} ${unit.lot}` : "", unit.expiry ? ` · ${t("expiry")} ${unit.expiry}` : ""),
    step === "decide" ? stopBox(view.stop, act) : null,
    h("ul", { class: "asn-lines", "data-testid": "asn-lines" }, (view.lines || []).map(lineRow)),
  ];
  const actions = [
    messages(task),
    row(
      button("btn-damaged", t("btn_damaged"), () => act.command("CMD:DAMAGED"), { kind: "secondary", disabled: step !== "items" }),
      button("btn-cancel", t("btn_cancel"), () => act.command("CMD:CANCEL"), { kind: "secondary", disabled: step === "asn" }),
      button("btn-done", t("btn_close_asn"), () => closeAsn(view, act), { kind: "primary", disabled: step !== "items" }),
    ),
    commonButtons(act),
  ];
  return { main, actions };
}

export function putawayScreen({ state, act }) {
  const task = state.task || {};
  const view = task.view || { step: "container" };
  const step = view.step || "container";
  const main = [
    stepChip(step, (PUTAWAY_STEPS[step] || PUTAWAY_STEPS.container)()),
    h(
      "div",
      { class: "places" },
      h("div", { class: `place${step === "container" ? " active" : ""}` }, h("span", { class: "label" }, t("putaway_from")), h("span", { class: "place-code", "data-testid": "container" }, view.container || "—")),
      h("span", { class: "arrow", "aria-hidden": "true" }, "↓"),
      h("div", { class: `place${step === "bin" ? " active" : ""}` }, h("span", { class: "label" }, t("putaway_suggested")), h("span", { class: "place-code", "data-testid": "suggested" }, step === "bin" ? view.suggested : "—")),
    ),
    step === "bin" ? h("div", { class: "card", "data-testid": "putaway-item" }, `${view.qty} × ${view.sku}`) : null,
    h("p", { class: "meta", "data-testid": "putaway-done" }, t("putaway_done_count", { done: view.done ?? 0 })),
  ];
  const actions = [
    messages(task),
    row(button("btn-cancel", t("btn_cancel"), () => act.command("CMD:CANCEL"), { kind: "secondary", disabled: step !== "bin" })),
    commonButtons(act),
  ];
  return { main, actions };
}
