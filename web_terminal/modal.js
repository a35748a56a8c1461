// The bottom sheet over the screen: a yes/no confirmation, or a field to type a barcode into.

import { t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { fill, h } from "./util.js";

const sheet = () => document.getElementById("modal");

export function modalOpen() {
  return !sheet().hidden;
}

export function openModal(...content) {
  fill(sheet(), h("div", { class: "sheet", role: "dialog" }, content));
  sheet().hidden = false;
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
    class: "text-in",
    "data-testid": "code-input",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    onkeydown: (ev) => ev.key === "Enter" && (ev.preventDefault(), send()),
  });
  openModal(
    h("p", { class: "sheet-text" }, t("type_code_title")),
    h("p", { class: "hint" }, t("type_code_hint")),
    input,
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
    class: "text-in",
    "data-testid": "quantity-input",
    inputmode: "numeric",
    pattern: "[0-9]*",
    autocomplete: "off",
    onkeydown: (ev) => ev.key === "Enter" && (ev.preventDefault(), send()),
  });
  openModal(
    h("p", { class: "sheet-text" }, t("quantity_title")),
    input,
    row(
      button("btn-quantity-cancel", t("btn_cancel"), closeModal, { kind: "secondary" }),
      button("btn-quantity-send", t("btn_send"), send, { kind: "primary" }),
    ),
  );
  input.focus();
}
