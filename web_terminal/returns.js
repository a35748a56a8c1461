// The returns clerk's own state beside the edge's view: the order search for an unexpected
// parcel (GET /api/v1/returns/lookup), a photo of damage from the camera (made smaller, then
// POST /api/v1/returns/parcels/{id}/photos) and the quarantine bag's label (POST …/label). The
// grades, the destroy reason and the close are scans (CMD:…) through the outbox, like any scan:
// offline they wait and go in order. The screen is drawn by screens_returns.js.

import { call } from "./api.js";
import { t } from "./i18n.js";
import { confirm, reasonSheet } from "./modal.js";

const enc = encodeURIComponent;
const PHOTO_MAX_PX = 1600; // a damage photo needs detail, not 12 megapixels
const PHOTO_MAX_BYTES = 2 * 1024 * 1024; // the edge's limit
const GRADE_COMMANDS = { resellable: "CMD:RESELLABLE", damaged: "CMD:DAMAGED", destroy: "CMD:DESTROY" };
// The usual reasons to destroy a returned unit, sent by code; any other is typed.
const DESTROY_REASONS = {
  expired: () => t("ret_reason_expired"),
  hygiene: () => t("ret_reason_hygiene"),
  broken: () => t("ret_reason_broken"),
  counterfeit: () => t("ret_reason_counterfeit"),
};

/** A camera photo as a JPEG no wider or higher than PHOTO_MAX_PX (a small image stays as it is). */
export async function shrink(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file; // not an image the browser can read: the edge says what is wrong with it
  }
  const scale = Math.min(1, PHOTO_MAX_PX / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size <= PHOTO_MAX_BYTES) return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
  return blob || file;
}

/**
 * The returns controller. `command(code, extra)` sends a command scan through the outbox;
 * `refuse(text, next, code)` shows the red screen, `notify(tone, text)` a flash.
 */
export function createReturns({ state, render, refuse, notify, needLogin, command }) {
  const ret = {
    query: "",
    asked: "",
    results: null, // the lookup's orders, or null before a search
    searching: false,
    photo: { status: "", count: 0 },
    label: { status: "", job: null, reason: "" },
    parcel: null, // the parcel the photo and label state belong to
  };
  state.returns = ret;
  const view = () => state.task?.view || {};

  /** A new parcel (or none): the search, the photo count and the label start afresh. */
  function sync() {
    if (state.screen !== "returns") return;
    const v = view();
    const parcel = v.parcel_id ?? null;
    if (parcel !== ret.parcel) {
      ret.parcel = parcel;
      ret.photo = { status: "", count: 0 };
      ret.label = { status: "", job: null, reason: "" };
    }
    if (v.step !== "identify" && ret.results) Object.assign(ret, { query: "", asked: "", results: null });
  }

  function answered(res) {
    if (res?.status === 401) {
      needLogin(res);
      return false;
    }
    if (!res) {
      refuse(t("unreachable"));
      return false;
    }
    return true;
  }

  async function lookup() {
    const q = ret.query.trim();
    if (q.length < 2) return refuse(t("ret_lookup_short"));
    Object.assign(ret, { searching: true, asked: q });
    render();
    const res = await call("GET", `/api/v1/returns/lookup?q=${enc(q)}`).catch(() => null);
    ret.searching = false;
    if (!answered(res)) return render();
    if (res.status !== 200 || !Array.isArray(res.body)) {
      render();
      return refuse(res.body?.detail || t("unreachable"), "", res.body?.code || "");
    }
    ret.results = res.body;
    render();
    notify("info", t("ret_lookup_found", { n: res.body.length }));
  }

  async function photo(file, input) {
    if (input) input.value = ""; // the same file chosen again is a new photo
    const parcel = view().parcel_id;
    if (!file || !parcel) return;
    ret.photo = { ...ret.photo, status: "sending" };
    render();
    const body = await shrink(file);
    const res = await call("POST", `/api/v1/returns/parcels/${enc(parcel)}/photos`, body).catch(() => null);
    if (!answered(res)) {
      ret.photo = { ...ret.photo, status: "failed" };
      return render();
    }
    if (res.status !== 201) {
      ret.photo = { ...ret.photo, status: "failed" };
      render();
      return refuse(res.body?.detail || t("ret_photo_failed"), "", res.body?.code || "");
    }
    ret.photo = { status: "sent", count: ret.photo.count + 1 };
    render();
    notify("good", t("ret_photo_sent", { n: ret.photo.count }));
  }

  async function printLabel() {
    const parcel = view().parcel_id;
    if (!parcel) return;
    ret.label = { status: "sending", job: null, reason: "" };
    render();
    const res = await call("POST", `/api/v1/returns/parcels/${enc(parcel)}/label`, {}).catch(() => null);
    if (!answered(res)) {
      ret.label = { status: "failed", job: null, reason: t("unreachable") };
      return render();
    }
    if (res.status >= 300) {
      ret.label = { status: "failed", job: null, reason: res.body?.detail || "" };
      render();
      return refuse(res.body?.detail || t("ret_label_failed", { reason: "" }), "", res.body?.code || "");
    }
    ret.label = { status: "queued", job: res.body?.job_id ?? null, reason: "" };
    render();
    notify("good", t("ret_label_queued", { job: ret.label.job ?? "" }));
  }

  function grade(kind) {
    if (kind !== "destroy") return command(GRADE_COMMANDS[kind]);
    reasonSheet(
      t("ret_destroy_title"),
      Object.entries(DESTROY_REASONS).map(([code, label]) => ({ code, label: label() })),
      (reason) => command(GRADE_COMMANDS.destroy, { reason }),
    );
  }

  /** Close the parcel; units still expected are recorded missing, so say how many first. */
  function closeReturn() {
    const missing = (view().lines || []).reduce((n, ln) => n + Math.max(0, (ln.expected ?? 0) - (ln.received ?? 0) - (ln.earlier ?? 0)), 0);
    const text = missing ? t("ret_confirm_close_missing", { n: missing }) : t("ret_confirm_close");
    confirm(text, () => command("CMD:DONE"));
  }

  const actions = {
    setQuery(value) {
      ret.query = value; // no render: the field keeps its caret
    },
    lookup,
    chooseOrder: (orderId) => command(orderId),
    unknownSender: () => confirm(t("ret_confirm_unknown"), () => command("CMD:UNKNOWN")),
    takePhoto: () => document.getElementById("photo-input")?.click(),
    photo,
    printLabel,
    grade,
    closeReturn,
  };
  return { actions, sync };
}
