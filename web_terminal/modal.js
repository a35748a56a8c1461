// The bottom sheet over the screen: a yes/no confirmation, or a field to type a barcode into.

import { t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { fill, h } from "./util.js";

const sheet = () => document.getElementById("modal");

export function modalOpen() {
  return !sheet().hidden;
}

export function openModal(...content) {
  const dialog = h("div", { class: "sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": "sheet-title" }, content);
  const title = dialog.querySelector(".sheet-text");
  if (title) title.id = "sheet-title"; // its first line names the dialog
  fill(sheet(), dialog);
  sheet().hidden = false;
}

/** The field of the open sheet that a scan fills (a badge), or null: a scan then closes it. */
export function scanTarget() {
  return modalOpen() ? sheet().querySelector("[data-scan-target]") : null;
}

function labelled(id, label, input) {
  return h("div", { class: "field" }, h("label", { class: "field-label", for: id }, label), input);
}

export function closeModal() {
  sheet().hidden = true;
  fill(sheet());
}

export function confirm(text, onYes, detail = "") {
  openModal(
    h("p", { class: "sheet-text", "data-testid": "confirm-text" }, text),
    detail && h("p", { class: "hint" }, detail),
    row(
      button("confirm-no", t("btn_no"), closeModal, { kind: "secondary" }),
      button("confirm-yes", t("btn_yes"), () => (closeModal(), onYes()), { kind: "primary" }),
    ),
  );
}

/** A field for a label the scanner cannot read; what is typed goes to onCode like a scan. */
export function typeCodeSheet(onCode) {
  const send = () => {
    const code = input.value.trim();
    closeModal();
    if (code) onCode(code);
  };
  const input = h("input", {
    id: "code-input",
    class: "text-in",
    "data-testid": "code-input",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    onkeydown: (ev) => ev.key === "Enter" && (ev.preventDefault(), send()),
  });
  openModal(
    h("p", { class: "sheet-text" }, t("type_code_title")),
    h("p", { class: "hint", id: "code-hint" }, t("type_code_hint")),
    labelled("code-input", t("type_code_title"), input),
    row(
      button("btn-code-cancel", t("btn_cancel"), closeModal, { kind: "secondary" }),
      button("btn-code-send", t("btn_send"), send, { kind: "primary" }),
    ),
  );
  input.focus();
}

/** A number pad for the quantity prompt; the number goes to onNumber. */
export function quantitySheet(onNumber) {
  const send = () => {
    const n = Number.parseInt(input.value, 10);
    closeModal();
    if (n > 0) onNumber(n);
  };
  const input = h("input", {
    id: "quantity-input",
    class: "text-in",
    "data-testid": "quantity-input",
    inputmode: "numeric",
    pattern: "[0-9]*",
    autocomplete: "off",
    onkeydown: (ev) => ev.key === "Enter" && (ev.preventDefault(), send()),
  });
  openModal(
    h("p", { class: "sheet-text" }, t("quantity_title")),
    labelled("quantity-input", t("quantity_title"), input),
    row(
      button("btn-quantity-cancel", t("btn_cancel"), closeModal, { kind: "secondary" }),
      button("btn-quantity-send", t("btn_send"), send, { kind: "primary" }),
    ),
  );
  input.focus();
}

/** Why (e.g. a unit is destroyed): a big button per usual reason, or a typed one; the reason's
 * code (or the typed text) goes to onReason. */
export function reasonSheet(title, choices, onReason) {
  const pick = (reason) => (closeModal(), onReason(reason));
  const input = h("input", {
    id: "reason-input",
    class: "text-in",
    "data-testid": "reason-input",
    autocomplete: "off",
    maxlength: 200,
    onkeydown: (ev) => ev.key === "Enter" && (ev.preventDefault(), send()),
  });
  const send = () => {
    const typed = input.value.trim();
    if (typed.length < 3) return input.focus();
    pick(typed);
  };
  openModal(
    h("p", { class: "sheet-text" }, title),
    h("div", { class: "reasons" }, choices.map((c) => button(`reason-${c.code}`, c.label, () => pick(c.code), { kind: "secondary" }))),
    labelled("reason-input", t("reason_other"), input),
    row(
      button("btn-reason-cancel", t("btn_cancel"), closeModal, { kind: "secondary" }),
      button("btn-reason-send", t("btn_send"), send, { kind: "primary" }),
    ),
  );
}

/** A supervisor confirms a weight not taken from the scale, on the spot: badge (scanned or
 * typed), PIN and why; onApproval({badge, pin, reason}). */
export function approvalSheet(onApproval) {
  const field = (id, attrs) => h("input", { id, class: "text-in", "data-testid": id, autocomplete: "off", ...attrs });
  const badge = field("approval-badge", { "data-scan-target": "true", autocapitalize: "characters", spellcheck: "false" });
  const pin = field("approval-pin", { type: "password", inputmode: "numeric", maxlength: 12 });
  const reason = field("approval-reason", { maxlength: 200 });
  const send = () => {
    const given = { badge: badge.value.trim(), pin: pin.value, reason: reason.value.trim() };
    if (!given.badge) return badge.focus();
    if (!given.pin) return pin.focus();
    if (given.reason.length < 3) return reason.focus();
    closeModal();
    onApproval(given);
  };
  reason.addEventListener("keydown", (ev) => ev.key === "Enter" && (ev.preventDefault(), send()));
  openModal(
    h("p", { class: "sheet-text" }, t("approval_title")),
    h("p", { class: "hint" }, t("approval_hint")),
    labelled("approval-badge", t("approval_badge"), badge),
    labelled("approval-pin", t("approval_pin"), pin),
    labelled("approval-reason", t("approval_reason"), reason),
    row(
      button("btn-approval-cancel", t("btn_cancel"), closeModal, { kind: "secondary" }),
      button("btn-approval-send", t("btn_confirm_weight"), send, { kind: "primary" }),
    ),
  );
  badge.focus();
}
