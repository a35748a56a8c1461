// The returns desk's screen, drawn from the edge's view of the `returns` workflow (docs/returns.md:
// step, parcel_id, rma, order_id, unexpected, lines, item) and the clerk's own state (returns.js:
// the order search, the photo, the quarantine label): scan the parcel → (an unexpected one: find
// its order, or "unknown sender") → scan each item → grade it with a big button → close.
// At a desk (a station's screen, wider) the lines and the item stand side by side.

import { getLang, t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { commonButtons, messages, stepChip } from "./screens_work.js";
import { h } from "./util.js";

const STEPS = {
  parcel: () => t("step_ret_parcel"),
  identify: () => t("step_ret_identify"),
  items: () => t("step_ret_items"),
  grade: () => t("step_ret_grade"),
};
const GRADES = ["resellable", "damaged", "destroy"];
const GRADED = {
  resellable: (n) => t("ret_graded_resellable", { n }),
  damaged: (n) => t("ret_graded_damaged", { n }),
  destroy: (n) => t("ret_graded_destroy", { n }),
};

function nameOf(thing) {
  return (getLang() === "zh" && thing.name_zh) || thing.name || thing.sku;
}

function head(view, step) {
  return h(
    "div",
    { class: "ret-head" },
    stepChip(step, (STEPS[step] || STEPS.parcel)()),
    view.rma && h("span", { class: "ret-chip", "data-testid": "rma", "data-rma": view.rma }, view.rma),
    view.order_id && h("span", { class: "ret-chip", "data-testid": "order", "data-order": view.order_id }, `${t("order")} ${view.order_id}`),
    view.unexpected && h("span", { class: "ret-chip warn", "data-testid": "unexpected" }, t("ret_unexpected")),
    view.unknown_sender && h("span", { class: "ret-chip warn", "data-testid": "unknown-sender" }, t("btn_unknown_sender")),
  );
}

function gradeCounts(line) {
  const graded = line.graded || {};
  return GRADES.filter((g) => graded[g]).map((g) =>
    h("span", { class: `ret-grade ret-grade-${g}` }, GRADED[g](graded[g])),
  );
}

function lineRow(line) {
  const expected = line.expected ?? 0;
  const received = line.received ?? 0;
  const earlier = line.earlier ?? 0; // of this return, in another parcel (another handheld's)
  const graded = line.graded || {};
  const done = expected > 0 && received + earlier >= expected;
  const extra = received + earlier > expected;
  return h(
    "li",
    {
      class: `pack-line ret-line${done ? " done" : ""}${extra ? " extra" : ""}`,
      "data-testid": "return-line",
      "data-sku": line.sku,
      "data-expected": expected,
      "data-received": received,
      "data-earlier": earlier,
      ...Object.fromEntries(GRADES.map((g) => [`data-${g}`, graded[g] ?? 0])),
    },
    h(
      "span",
      { class: "pack-line-text" },
      h("span", { class: "item-name" }, nameOf(line)),
      h("span", { class: "meta" }, h("span", {}, line.sku), ...gradeCounts(line)),
      earlier ? h("span", { class: "meta ret-earlier", "data-testid": "return-earlier" }, t("ret_earlier", { n: earlier })) : null,
    ),
    h("span", { class: "pack-line-count", "aria-label": t("ret_received_of", { received, expected }) }, `${done ? "✓ " : ""}${received} / ${expected}`),
  );
}

function linesBlock(view) {
  const lines = view.lines || [];
  if (!lines.length) return h("p", { class: "hint", "data-testid": "no-lines" }, view.unexpected ? t("ret_no_lines_unexpected") : t("ret_no_lines"));
  return h(
    "div",
    { class: "ret-lines-block" },
    h("span", { class: "field-label" }, view.unexpected ? t("ret_lines_shipped") : t("ret_lines")),
    h("ul", { class: "pack-lines", "data-testid": "return-lines" }, lines.map(lineRow)),
  );
}

/** The item just scanned, waiting for its grade: its name, lot/serial, and any flag. */
function itemCard(view) {
  const item = view.item;
  if (!item) return null;
  const line = (view.lines || []).find((ln) => ln.sku === item.sku) || {};
  const meta = [item.sku, item.lot && `${t("lot")} ${item.lot}`, item.serial && `${t("ret_serial")} ${item.serial}`].filter(Boolean);
  return h(
    "div",
    {
      class: `card ret-item${item.wrong_item ? " flagged" : ""}`,
      "data-testid": "return-item",
      "data-sku": item.sku,
      "data-wrong-item": String(Boolean(item.wrong_item)),
      "data-not-shipped-lot": String(Boolean(item.not_shipped_lot)),
    },
    h("span", { class: "label" }, t("ret_item_to_grade")),
    h("span", { class: "item-name big" }, nameOf({ ...line, ...item, name: item.name || line.name })),
    h("span", { class: "meta" }, meta.join(" · ")),
    item.wrong_item && h("span", { class: "ret-flag", "data-testid": "wrong-item-flag", role: "note" }, t("ret_wrong_item")),
    item.not_shipped_lot && h("span", { class: "ret-flag", "data-testid": "not-shipped-flag", role: "note" }, t("ret_not_shipped_lot")),
  );
}

function parcelStep() {
  return [
    h(
      "div",
      { class: "pack-hero" },
      h("span", { class: "pack-icon", "aria-hidden": "true" }, "↩"),
      h("p", { class: "prompt big center" }, t("ret_scan_parcel")),
      h("p", { class: "hint center" }, t("ret_scan_parcel_hint")),
    ),
  ];
}

function lookupRow(order, act) {
  const lines = (order.lines || []).map((ln) => `${ln.qty} × ${ln.sku}`).join(", ");
  const shipped = String(order.shipped_at || "").slice(0, 10);
  return h(
    "li",
    {},
    h(
      "button",
      { type: "button", class: "ret-found", "data-testid": "lookup-row", "data-order": order.order_id, onclick: () => act.chooseOrder(order.order_id) },
      h("span", { class: "ret-found-order" }, order.channel_order_id || order.order_id),
      h("span", { class: "ret-found-who" }, [order.customer, order.phone_tail && `…${order.phone_tail}`].filter(Boolean).join(" · ")),
      h("span", { class: "meta" }, [shipped && t("ret_shipped_on", { date: shipped }), lines].filter(Boolean).join(" · ")),
    ),
  );
}

/** An unexpected parcel: find its order by number, name or phone, or record an unknown sender. */
function identifyStep(view, ret, act) {
  const input = h("input", {
    id: "lookup-input",
    class: "text-in ret-search",
    "data-testid": "lookup-input",
    type: "search",
    autocomplete: "off",
    spellcheck: "false",
    value: ret.query,
    maxlength: 64,
    oninput: (ev) => act.setQuery(ev.target.value),
    // Enter searches and leaves the field, so the next scan goes to the wedge.
    onkeydown: (ev) => ev.key === "Enter" && (ev.preventDefault(), ev.target.blur(), act.lookup()),
  });
  const found = ret.results;
  let list = null;
  if (ret.searching) list = h("p", { class: "hint", role: "status" }, t("ret_searching"));
  else if (found && !found.length) list = h("p", { class: "hint", "data-testid": "lookup-none", role: "status" }, t("ret_lookup_none", { q: ret.asked }));
  else if (found) list = h("ul", { class: "pack-lines", "data-testid": "lookup-results" }, found.map((o) => lookupRow(o, act)));
  return [
    h("p", { class: "prompt" }, t("ret_identify")),
    h("p", { class: "hint" }, t("ret_identify_hint")),
    h("label", { class: "field-label", for: "lookup-input" }, t("ret_lookup_label")),
    h("div", { class: "ret-search-row" }, input, button("btn-lookup", t("ret_search"), act.lookup, { kind: "small primary" })),
    list,
  ];
}

function photoInput(act) {
  // The handheld's camera (capture) or a file at a desk; hidden, opened by the button.
  return h("input", {
    id: "photo-input",
    class: "ret-photo-in",
    "data-testid": "photo-input",
    type: "file",
    accept: "image/*",
    capture: "environment",
    tabindex: "-1",
    "aria-hidden": "true",
    onchange: (ev) => act.photo(ev.target.files?.[0] || null, ev.target),
  });
}

const PHOTO = {
  sending: () => t("ret_photo_sending"),
  sent: (p) => t("ret_photo_sent", p),
  failed: () => t("ret_photo_failed"),
};
const LABEL = {
  sending: () => t("ret_label_sending"),
  queued: (p) => t("ret_label_queued", p),
  failed: (p) => t("ret_label_failed", p),
};

function statusLine(testid, status, words, params) {
  if (!status) return null;
  return h("p", { class: `ret-status ret-status-${status}`, "data-testid": testid, "data-status": status, role: "status" }, words[status](params));
}

/** How the photo and the quarantine label of the open parcel went. */
function parcelExtras(view, ret) {
  if (!view.parcel_id) return null;
  return h(
    "div",
    { class: "ret-extras" },
    statusLine("photo-state", ret.photo.status, PHOTO, { n: ret.photo.count }),
    statusLine("label-state", ret.label.status, LABEL, { job: ret.label.job ?? "", reason: ret.label.reason || "" }),
  );
}

function gradeButtons(act) {
  return h(
    "div",
    { class: "ret-grades" },
    button("btn-resellable", t("btn_resellable"), () => act.grade("resellable"), { kind: "grade good" }),
    button("btn-damaged", t("btn_damaged"), () => act.grade("damaged"), { kind: "grade warn" }),
    button("btn-destroy", t("btn_destroy"), () => act.grade("destroy"), { kind: "grade bad" }),
  );
}

export function returnsScreen({ state, act }) {
  const task = state.task || {};
  const view = task.view || { step: "parcel" };
  const step = STEPS[view.step] ? view.step : "parcel";
  const ret = state.returns;
  const open = step === "items" || step === "grade";
  let work;
  if (step === "parcel") work = parcelStep();
  else if (step === "identify") work = identifyStep(view, ret, act);
  else work = [itemCard(view), step === "items" && h("p", { class: "prompt" }, t("ret_scan_items")), parcelExtras(view, ret)].filter(Boolean);
  const main = [head(view, step), h("div", { class: open ? "ret-body two" : "ret-body" }, h("div", { class: "ret-work" }, work), open && h("div", { class: "ret-side" }, linesBlock(view)))];
  const photo = () => button("btn-photo", t("btn_photo"), act.takePhoto, { kind: "secondary" });
  const extras = {
    parcel: () => [],
    identify: () => [
      row(
        button("btn-cancel", t("ret_back_to_parcel"), () => act.command("CMD:CANCEL"), { kind: "secondary" }),
        button("btn-unknown-sender", t("btn_unknown_sender"), act.unknownSender, { kind: "danger" }),
      ),
    ],
    items: () => [
      row(photo(), button("btn-label", t("btn_label"), act.printLabel, { kind: "secondary" })),
      row(button("btn-close-parcel", t("btn_close_return"), act.closeReturn, { kind: "primary" })),
    ],
    grade: () => [gradeButtons(act), row(photo(), button("btn-cancel", t("ret_cancel_item"), () => act.command("CMD:CANCEL"), { kind: "secondary" }))],
  }[step]();
  return { main: [...main, open && photoInput(act)].filter(Boolean), actions: [messages(task), ...extras, commonButtons(act)] };
}
