// The pack bench's own state beside the edge's view: the box chosen, the weight (typed, or the
// bench scale's live reading), how many parcels the order fills, a close in flight (sent again
// with the same close_id until answered: the edge closes a parcel once per close_id) and the
// parcels just closed with their waybills' print state. The screen is drawn by screens_pack.js.

import { call, NetworkError } from "./api.js";
import { t } from "./i18n.js";
import { approvalSheet, confirm } from "./modal.js";
import { closedCard, needsSupervisor, scaleBlock, scaleMode, typedRule } from "./screens_pack.js";
import { scanId } from "./util.js";

const SCALE_POLL_MS = 1000;
const PRINT_POLL_MS = 1000;
const PRINT_POLLS = 60; // a minute; after that the station's print jobs tell
const RETRY_MS = [500, 1000, 2000, 4000, 8000];
const RETRY_STATUS = new Set([502, 503, 504]); // a proxy in the way: no answer from the edge
const MAX_PIECES = 99;

const enc = encodeURIComponent;

/** Replace the element with `testid` by a fresh drawing of it, leaving the rest of the screen
 * (a half-typed weight, a finger on a button) alone. */
function redraw(testid, draw) {
  const node = document.querySelector(`[data-testid="${testid}"]`);
  if (node) node.replaceWith(draw());
}

/**
 * The bench's controller. `applyAnswer(entry, res)` shows an answer of the edge as a scan's;
 * `command(code)` sends a command scan (CMD:DONE) as the wedge would. Returns {actions, sync}:
 * the screen's buttons, and sync() to call after every render (starts and stops the polls).
 */
export function createPackBench({ state, render, applyAnswer, refuse, notify, needLogin, command }) {
  const bench = {
    packages: null, // GET /api/v1/packages, once
    package: "",
    weight: "", // typed or scanned, in grams
    weightSource: "typed", // typed | scanned (a GS1 weight label)
    typing: false, // the weight is typed although the bench has a scale
    rules: null, // GET /api/v1/pack/rules, once: {typed_weight: allow | supervisor | never}
    pieces: 1,
    key: "", // order:parcel the form above belongs to
    order: "",
    scale: null, // null: not asked yet; false: no scale at this bench; else the scale's state
    closing: null, // {body, attempts, …}: a close sent and not answered yet
    closed: null, // {order_id, station, tracking_no, parcel_no, pieces, parcels}: the last close
    prints: {}, // tracking number → {job, status, error}: its waybill's latest print job
  };
  state.bench = bench;
  const view = () => state.task?.view || {};
  let loadingPackages = false;
  let scaleRun = 0;
  let scaleStation = "";

  async function loadPackages() {
    if (loadingPackages) return;
    loadingPackages = true;
    const [res, rules] = await Promise.all([call("GET", "/api/v1/packages"), call("GET", "/api/v1/pack/rules")].map((p) => p.catch(() => null)));
    loadingPackages = false;
    if (rules?.status === 200) bench.rules = rules.body;
    if (res?.status === 200 && Array.isArray(res.body)) {
      bench.packages = res.body;
      render();
    }
  }

  /** A new order or the next parcel of one: a fresh box and weight; the parcel count carries on. */
  function newParcel(v, key) {
    const sameOrder = Boolean(v.order_id) && v.order_id === bench.order;
    Object.assign(bench, { key, package: "", weight: "", weightSource: "typed", typing: false });
    bench.pieces = Math.max(sameOrder ? bench.pieces : 1, v.parcel_no || 1);
    if (v.order_id && bench.closed && bench.closed.order_id !== v.order_id) bench.closed = null;
    if (v.order_id) bench.order = v.order_id;
  }

  function sync() {
    if (state.screen !== "pack" || !state.session) return stopScale();
    const v = view();
    if (bench.packages === null) loadPackages();
    const key = `${v.order_id || ""}:${v.parcel_no || 0}`;
    if (key !== bench.key) newParcel(v, key);
    if (v.step === "package" && v.station && bench.scale !== false) return startScale(v.station);
    stopScale();
    // A handheld bound to no station has no scale: the weight is typed or scanned, at once.
    if (v.step === "package" && !v.station && bench.scale === null) {
      bench.scale = false;
      render();
    }
  }

  // ---- the bench scale: polled while the package step is on screen ----

  function startScale(station) {
    if (scaleStation === station) return;
    stopScale();
    bench.scale = null;
    scaleStation = station;
    pollScale(++scaleRun, station);
  }

  function stopScale() {
    scaleRun += 1;
    scaleStation = "";
  }

  async function pollScale(run, station) {
    const res = await call("GET", `/api/v1/stations/${enc(station)}/scale`).catch(() => null);
    if (run !== scaleRun) return;
    const before = scaleMode(bench);
    if (res?.status === 404) bench.scale = false; // no scale at this bench: the weight is typed
    else if (res?.status === 200) bench.scale = res.body;
    else bench.scale = { state: "unreachable", reason: res?.body?.detail || t("unreachable") }; // never wait for ever
    if (scaleMode(bench) !== before) render();
    else if (!bench.typing) redraw("scale", () => scaleBlock(bench, actions)); // not under a typing finger
    if (bench.scale !== false) setTimeout(() => run === scaleRun && pollScale(run, station), SCALE_POLL_MS);
  }

  // ---- closing the parcel ----

  function closeParcel() {
    if (bench.closing) return sendClose(); // a tap while it retries: now, with the same close_id
    return startClose(null);
  }

  /** Close with the weight on screen; a hand-entered one asks a supervisor first where it must. */
  function startClose(approval) {
    const v = view();
    if (!bench.package) return refuse(t("box_first"));
    const typed = bench.typing || scaleMode(bench) !== "live";
    if (typed && typedRule(bench) === "never") return refuse(t("weight_never"));
    const grams = Number.parseInt(bench.weight, 10);
    if (typed && !(grams > 0)) return refuse(t("weight_first"));
    if (typed && !approval && needsSupervisor(bench)) return approvalSheet(startClose);
    const body = { close_id: scanId(), package: bench.package, pieces: bench.pieces };
    if (typed) Object.assign(body, { weight_g: grams, weight_source: bench.weightSource });
    if (typed && approval) body.approval = approval;
    const weight = typed ? grams : (bench.scale?.grams ?? null);
    bench.closing = { body, attempts: 0, timer: 0, busy: false, weight, order_id: v.order_id, station: v.station, parcels: v.parcels || [] };
    render();
    return sendClose();
  }

  async function sendClose() {
    const pending = bench.closing;
    if (!pending || pending.busy) return;
    clearTimeout(pending.timer);
    pending.busy = true;
    let res = null;
    try {
      res = await call("POST", "/api/v1/pack/close", pending.body);
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
    }
    pending.busy = false;
    if (bench.closing !== pending) return;
    if (!res || RETRY_STATUS.has(res.status)) return retryClose(pending);
    bench.closing = null;
    if (res.status === 401) return needLogin(res);
    if (res.status < 300 && res.body?.ok !== false) closed(pending, res.body);
    applyAnswer(null, res); // a refusal (weight off …) stays on the package step
    if (res.body?.code === "supervisor_needed") approvalSheet(startClose); // the scale came back
  }

  function retryClose(pending) {
    pending.attempts += 1;
    if (!state.session) {
      bench.closing = null;
      return render();
    }
    pending.timer = setTimeout(sendClose, RETRY_MS[Math.min(pending.attempts, RETRY_MS.length) - 1]);
    render();
  }

  /** Keep what was closed: the edge's view moves on to the next parcel or the next order. */
  function closed(pending, body) {
    const v = body.view || {};
    const p = body.params || {};
    const parcels =
      v.order_id && v.order_id === pending.order_id
        ? v.parcels || []
        : [...pending.parcels, { id: "", piece_no: p.parcel_no, pieces: p.pieces, tracking_no: body.tracking_no, weight_g: pending.weight, package_type: pending.body.package }];
    // A handheld's waybill prints at a bench: its print jobs are that station's.
    const station = body.print_station || pending.station;
    bench.closed = { order_id: pending.order_id, station, tracking_no: body.tracking_no, parcel_no: p.parcel_no, pieces: p.pieces, parcels };
    if (body.print_job) watchPrint(station, body.print_job, body.tracking_no);
  }

  // ---- the waybill's print job ----

  function watchPrint(station, job, tracking, polls = PRINT_POLLS) {
    bench.prints[tracking] = { job, status: "queued", error: "" };
    pollPrint(station, job, tracking, polls);
  }

  async function pollPrint(station, job, tracking, polls) {
    const res = await call("GET", `/api/v1/stations/${enc(station)}/print-jobs`).catch(() => null);
    if (bench.prints[tracking]?.job !== job) return; // printed again since: that job is watched
    const found = res?.status === 200 && Array.isArray(res.body) ? res.body.find((j) => j.id === job) : null;
    if (found) {
      bench.prints[tracking] = { job, status: found.status, error: found.last_error || "", attention: Boolean(found.needs_attention) };
      const parcel = bench.closed?.parcels.find((x) => x.tracking_no === tracking);
      if (parcel && !parcel.id) parcel.id = found.parcel_id || "";
      if (parcel && found.status === "done") parcel.reprint_reason = null; // the edge clears it too
      if (bench.closed) redraw("closed", () => closedCard(bench, actions, bench.closed.parcels));
      // A job that needs attention still prints by itself once the printer is ready: keep watching.
      if (found.status === "done" || (found.status === "failed" && !found.next_attempt_at && !found.needs_attention)) return;
    }
    if (polls > 1) setTimeout(() => pollPrint(station, job, tracking, polls - 1), PRINT_POLL_MS);
  }

  async function reprint(parcelId) {
    if (!parcelId) return;
    const station = view().station || bench.closed?.station || "";
    const res = await call("POST", `/api/v1/parcels/${enc(parcelId)}/reprint`, station ? { station } : {}).catch(() => null);
    if (!res) return refuse(t("unreachable"));
    if (res.status === 401) return needLogin(res);
    if (res.status !== 201) return refuse(res.body?.detail || t("unreachable"), "", res.body?.code || "");
    notify("good", t("reprint_queued", { tracking: res.body.tracking_no }));
    watchPrint(station, res.body.print_job, res.body.tracking_no);
    if (bench.closed) redraw("closed", () => closedCard(bench, actions, bench.closed.parcels));
  }

  const actions = {
    choosePackage(code) {
      bench.package = code;
      render();
    },
    setWeight(text) {
      bench.weight = String(text).replace(/\D/g, "").slice(0, 6);
      bench.weightSource = "typed";
    },
    /** A weight label scanned on the package step (GS1 310n): the weight, as if typed. */
    scannedWeight(grams) {
      Object.assign(bench, { weight: String(grams), weightSource: "scanned", typing: true });
      render();
      notify("info", t("weight_scanned", { grams }));
    },
    typeWeight(on) {
      bench.typing = on;
      render();
    },
    setPieces(n) {
      bench.pieces = Math.min(MAX_PIECES, Math.max(view().parcel_no || 1, n));
      render();
    },
    closeParcel,
    reprint,
    parcelFull: () => command("CMD:DONE"),
    startOver: () => confirm(t("confirm_start_over"), () => command("CMD:CANCEL")),
  };
  return { actions, sync };
}

// GS1 net weight in kg, AI 310n (n decimals), at the start of the data or after a GTIN (01):
// https://ref.gs1.org/ai/3100 . An AIM symbology identifier (]C1, ]d2, ]Q3, ]e0) may lead.
const GS1_WEIGHT = /^(?:\][A-Za-z]\d)?(?:01\d{14})?310([0-5])(\d{6})(?:\x1d|$)/;

/** The grams of a scanned GS1 weight label, or null when the scan is not one. */
export function weightOfScan(code) {
  const found = GS1_WEIGHT.exec(code);
  if (!found) return null;
  const grams = Math.round((Number(found[2]) * 1000) / 10 ** Number(found[1]));
  return grams > 0 ? grams : null;
}
