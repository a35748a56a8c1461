// The pack bench's and the dock's screens, drawn from the edge's view (view_pack and
// view_dispatch in edge/service/packing.py) and the bench's own state (pack_bench.js):
// scan the tote → check every item by scan → box, weight, parcels → close → waybill; at the
// dock, scan each waybill as the parcel leaves.

import { getLang, t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { commonButtons, kitMark, messages, stepChip } from "./screens_work.js";
import { h } from "./util.js";

const STEPS = {
  order: () => t("step_pack_order"),
  verify: () => t("step_pack_verify"),
  package: () => t("step_pack_package"),
};

function nameOf(line) {
  return (getLang() === "zh" && line.name_zh) || line.name || line.sku;
}

function head(view, step) {
  return h(
    "div",
    { class: "pack-head" },
    stepChip(step, (STEPS[step] || STEPS.order)()),
    // The shop's order number is what the packer sees on the packing slip; ours is the fallback.
    view.order_id &&
      h("span", { class: "pack-order", "data-testid": "order", "data-order": view.order_id, title: view.order_id },
        view.channel_order_id || view.order_id),
    view.tote && h("span", { class: "tote-code", "data-testid": "tote" }, view.tote),
    view.order_id &&
      h("span", { class: "parcel-no", "data-testid": "parcel-no", "data-parcel": view.parcel_no }, t("parcel_no", { n: view.parcel_no })),
  );
}

function lineRow(line) {
  const earlier = line.to_pack === 0;
  const done = !earlier && line.verified >= line.to_pack;
  return h(
    "li",
    {
      class: `pack-line${done ? " done" : ""}${earlier ? " earlier" : ""}`,
      "data-testid": "pack-line",
      "data-sku": line.sku,
      "data-verified": line.verified,
      "data-to-pack": line.to_pack,
    },
    h("span", { class: "pack-line-text" }, h("span", { class: "item-name" }, nameOf(line)), h("span", { class: "meta" }, line.sku, ...kitMark(line))),
    h("span", { class: "pack-line-count" }, earlier ? t("packed_before", { n: line.packed }) : `${done ? "✓ " : ""}${line.verified} / ${line.to_pack}`),
  );
}

/** The buyer's and the seller's notes from the shop ("ship by SF", "gift wrap"), where given. */
function notesCard(view) {
  const notes = view.notes || {};
  const said = [["buyer", t("note_buyer")], ["seller", t("note_seller")]].filter(([k]) => notes[k]);
  if (!said.length) return null;
  return h(
    "div",
    { class: "card pack-notes", "data-testid": "notes", role: "note" },
    ...said.map(([k, label]) => h("p", { class: `pack-note pack-note-${k}`, "data-testid": `note-${k}` }, h("span", { class: "label" }, label), " ", notes[k])),
  );
}

function linesList(view) {
  return h("ul", { class: "pack-lines" }, (view.lines || []).map(lineRow));
}

const PRINT_TEXT = {
  queued: () => t("waybill_printing"),
  sent: () => t("waybill_printing"),
  done: () => t("waybill_printed"),
};

function printLine(print, { small = false } = {}) {
  if (!print) return null;
  const status = print.attention ? "needs_attention" : print.status;
  const text = print.attention
    ? t("waybill_attention", { reason: print.error })
    : PRINT_TEXT[status] ? PRINT_TEXT[status]() : t("waybill_failed", { reason: print.error || status });
  return h("span", { class: `print-state${small ? " small" : ""}`, "data-testid": "print-state", "data-status": status }, text);
}

function parcelRow(parcel, bench, act) {
  const flagged = Boolean(parcel.reprint_reason);
  const details = [parcel.package_type, parcel.weight_g ? `${parcel.weight_g} g` : ""].filter(Boolean).join(" · ");
  return h(
    "li",
    { class: `parcel-row${flagged ? " flagged" : ""}`, "data-testid": "parcel-row", "data-id": parcel.id || "", "data-tracking": parcel.tracking_no, "data-reprint": String(flagged) },
    h(
      "span",
      { class: "parcel-text" },
      h("span", { class: "parcel-piece" }, t("piece_of", { n: parcel.piece_no, m: parcel.pieces })),
      h("span", { class: "parcel-tracking" }, parcel.tracking_no),
      details && h("span", { class: "meta" }, details),
      flagged && h("span", { class: "reprint-flag", "data-testid": "reprint-flag" }, t("reprint_needed", { reason: parcel.reprint_reason })),
      printLine(bench.prints[parcel.tracking_no], { small: true }),
    ),
    button("btn-reprint", t("btn_reprint"), () => act.reprint(parcel.id), { kind: flagged ? "small primary" : "small", disabled: !parcel.id }),
  );
}

function parcelsList(parcels, bench, act) {
  if (!parcels?.length) return null;
  return h(
    "div",
    { class: "parcels" },
    h("span", { class: "field-label" }, t("closed_parcels")),
    h("ul", { class: "parcel-list", "data-testid": "parcels" }, parcels.map((p) => parcelRow(p, bench, act))),
  );
}

/** The parcel just closed: its tracking number, its waybill's print state, the order's parcels. */
export function closedCard(bench, act, parcels) {
  const closed = bench.closed;
  return h(
    "div",
    { class: "card closed-card", "data-testid": "closed", "data-order": closed.order_id },
    h("span", { class: "label" }, t("parcel_closed_of", { n: closed.parcel_no, m: closed.pieces })),
    h("span", { class: "tracking", "data-testid": "tracking-no" }, closed.tracking_no),
    printLine(bench.prints[closed.tracking_no]),
    parcelsList(parcels, bench, act),
  );
}

/** What the weight comes from: "unknown" (asking), "none" (no scale: typed), "live", "down"
 * (the scale is there but not weighing: disconnected, silent, …: typed). */
export function scaleMode(bench) {
  if (bench.scale === null) return "unknown";
  if (bench.scale === false) return "none";
  return bench.scale.state === "connected" ? "live" : "down";
}

/** The site's rule for a weight typed or scanned by hand (packing.typed_weight). */
export function typedRule(bench) {
  return bench.rules?.typed_weight || "allow";
}

/** A hand-entered weight needs a supervisor over a live scale, or where the site says so. */
export function needsSupervisor(bench) {
  return typedRule(bench) === "supervisor" || scaleMode(bench) === "live";
}

function weightInput(bench, act) {
  return h("input", {
    class: "text-in weight-in",
    id: "weight-input",
    "data-testid": "weight-input",
    inputmode: "numeric",
    pattern: "[0-9]*",
    autocomplete: "off",
    maxlength: 6,
    value: bench.weight,
    oninput: (ev) => act.setWeight(ev.target.value),
    // Enter leaves the field, so the next scan goes to the wedge and not into the weight.
    onkeydown: (ev) => ev.key === "Enter" && (ev.preventDefault(), ev.target.blur()),
  });
}

/** The weight: the bench scale's live reading (settling until stable), or a typed or scanned
 * number as the site's rule allows; it never waits for a scale that is not there. */
export function scaleBlock(bench, act) {
  const mode = scaleMode(bench);
  const rule = typedRule(bench);
  const scale = bench.scale || {};
  if (mode === "unknown") return h("div", { class: "scale", "data-testid": "scale", "data-state": "checking" }, t("scale_checking"));
  if (mode === "live" && !bench.typing) {
    const grams = scale.grams ?? null;
    const status = grams === null ? t("scale_empty") : scale.stable ? t("scale_steady") : t("scale_settling");
    return h(
      "div",
      { class: `scale live${scale.stable ? " stable" : ""}`, "data-testid": "scale", "data-state": "connected", "data-stable": String(Boolean(scale.stable)), "data-grams": grams ?? "" },
      h("span", { class: "label" }, t("weight")),
      h("span", { class: "scale-weight", "data-testid": "scale-weight" }, grams === null ? "—" : `${grams} g`),
      h("span", { class: "scale-status", "data-testid": "scale-status" }, status),
      rule !== "never" && button("btn-type-weight", t("btn_type_weight"), () => act.typeWeight(true), { kind: "small" }),
    );
  }
  const state = mode === "none" ? "none" : scale.state;
  const down = mode === "down" && h("span", { class: "scale-down", "data-testid": "scale-down" }, t("scale_down", { reason: scale.reason || scale.state }));
  if (rule === "never") {
    return h("div", { class: "scale typed", "data-testid": "scale", "data-state": state, "data-typed": "false" }, down,
      h("p", { class: "scale-down", "data-testid": "weight-never" }, t("weight_never")));
  }
  return h(
    "div",
    { class: "scale typed", "data-testid": "scale", "data-state": state, "data-typed": "true", "data-source": bench.weightSource },
    down,
    mode === "none" && h("span", { class: "hint", "data-testid": "weight-hint" }, t("weight_no_scale")),
    h("label", { class: "field-label", for: "weight-input" }, t("weight_typed")),
    weightInput(bench, act),
    bench.weightSource === "scanned" && h("span", { class: "hint", "data-testid": "weight-scanned" }, t("weight_scanned", { grams: bench.weight })),
    needsSupervisor(bench) && h("span", { class: "hint", "data-testid": "weight-supervisor" }, t("weight_needs_supervisor")),
    mode === "live" && button("btn-use-scale", t("btn_use_scale"), () => act.typeWeight(false), { kind: "small" }),
  );
}

function packageGrid(bench, act) {
  if (!bench.packages) return h("p", { class: "hint" }, t("loading"));
  return h(
    "div",
    { class: "packages" },
    bench.packages.map((p) =>
      h(
        "button",
        {
          type: "button",
          class: `pkg${bench.package === p.code ? " chosen" : ""}`,
          "data-testid": "package",
          "data-code": p.code,
          "aria-pressed": String(bench.package === p.code),
          onclick: () => act.choosePackage(p.code),
        },
        h("span", { class: "pkg-code" }, p.code),
        h("span", { class: "pkg-name" }, p.name),
      ),
    ),
  );
}

function piecesRow(view, bench, act) {
  return h(
    "div",
    { class: "pieces-row" },
    h("span", { class: "field-label" }, t("pieces")),
    button("btn-pieces-minus", "−", () => act.setPieces(bench.pieces - 1), { kind: "small", disabled: bench.pieces <= (view.parcel_no || 1) }),
    h("span", { class: "pieces", "data-testid": "pieces", "data-pieces": bench.pieces }, bench.pieces),
    button("btn-pieces-plus", "+", () => act.setPieces(bench.pieces + 1), { kind: "small" }),
  );
}

function orderStep(view, bench, act) {
  if (bench.closed) return [closedCard(bench, act, bench.closed.parcels)];
  return [h("div", { class: "pack-hero" }, h("span", { class: "pack-icon", "aria-hidden": "true" }, "▣"), h("p", { class: "hint center" }, t("pack_hint")))];
}

function verifyStep(view, bench, act) {
  const mine = bench.closed && bench.closed.order_id === view.order_id;
  return [
    h(
      "div",
      { class: "pack-left" },
      h("span", { class: "label" }, t("to_check")),
      h("span", { class: "left-count", "data-testid": "left", "data-left": view.left }, view.left),
      h("span", { class: "label" }, t("in_parcel", { n: view.in_parcel })),
    ),
    notesCard(view),
    linesList(view),
    mine ? closedCard(bench, act, view.parcels) : parcelsList(view.parcels, bench, act),
  ];
}

function packageStep(view, bench, act) {
  return [
    h("p", { class: "pack-summary", "data-testid": "in-parcel", "data-units": view.in_parcel }, t("units_in_parcel", { n: view.in_parcel })),
    packageGrid(bench, act),
    scaleBlock(bench, act),
    piecesRow(view, bench, act),
  ];
}

function closeButton(bench, act) {
  const closing = bench.closing;
  let label = t("btn_close_parcel");
  if (closing) label = closing.attempts ? t("closing_retry", { n: closing.attempts }) : t("closing");
  const node = button("btn-close-parcel", label, act.closeParcel, { kind: "primary" });
  node.dataset.state = !closing ? "idle" : closing.attempts ? "retrying" : "sending";
  return node;
}

const BODY = { order: orderStep, verify: verifyStep, package: packageStep };

export function packScreen({ state, act }) {
  const task = state.task || {};
  const view = task.view || { step: "order" };
  const step = BODY[view.step] ? view.step : "order";
  const bench = state.bench;
  // Scan-to-print that did not close by itself (a weight off, no steady reading): close by hand.
  const stopped = view.auto_close && step === "package" &&
    h("p", { class: "card pack-auto-stopped", "data-testid": "auto-close-stopped", "data-code": view.auto_close.code, role: "alert" }, t("auto_close_stopped"));
  const main = [head(view, step), stopped, ...BODY[step](view, bench, act)].filter(Boolean);
  const startOver = () => button("btn-cancel", t("btn_start_over"), act.startOver, { kind: "secondary" });
  const extra = {
    order: () => [],
    verify: () => [row(startOver(), button("btn-parcel-full", t("btn_parcel_full"), act.parcelFull, { kind: "primary", disabled: !view.in_parcel }))],
    package: () => [row(startOver(), closeButton(bench, act))],
  }[step]();
  // On the package step the screen itself says what to do: room for the box, weight and count.
  const said = step === "package" ? { message: task.message, tone: task.tone } : task;
  return { main, actions: [messages(said), ...extra, commonButtons(act)] };
}

export function dispatchScreen({ state, act }) {
  const task = state.task || {};
  const view = task.view || {};
  const tone = task.tone || "info";
  const main = [
    stepChip("dispatch", t("step_dispatch")),
    h("div", { class: "pack-hero" }, h("span", { class: "pack-icon", "aria-hidden": "true" }, "⇨"), h("p", { class: "prompt big center", "data-testid": "next-message" }, task.next_message || t("scan_each_waybill"))),
    h(
      "div",
      { class: "moved-box" },
      h("span", { class: "moved", "data-testid": "dispatched-count" }, view.dispatched ?? 0),
      h("span", { class: "label" }, t("parcels_out")),
    ),
    view.last &&
      h("div", { class: "card last-parcel", "data-testid": "last-parcel", "data-tracking": view.last }, h("span", { class: "label" }, t("last_parcel")), h("span", { class: "tracking" }, view.last)),
    task.message &&
      task.message !== task.next_message &&
      h("p", { class: `last-result tone-${tone}`, "data-testid": "last-result", "data-tone": tone }, task.message),
  ];
  return { main, actions: [commonButtons(act)] };
}
