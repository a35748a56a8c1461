// The handheld terminal: screens, the scan outbox, live updates, feedback. Served at /ui/;
// at /ui/?station=NAME it is a station's screen (station.js). State lives in one object; every
// change re-draws the current screen from it.

import { api, liveEvents, session, setApiLanguage, setDeviceToken } from "./api.js";
import { createCamera, keepDecoderOffline } from "./camera.js";
import { dismiss, isBlocking, played, show, sound, unlockAudio } from "./feedback.js";
import { drawHeader, drawNet } from "./header.js";
import { getLang, setLang, t, translateStatic } from "./i18n.js";
import { closeModal, confirm, modalOpen, quantitySheet, scanTarget, typeCodeSheet } from "./modal.js";
import { createOutbox } from "./outbox.js";
import { chooserScreen, enrolScreen, loginScreen } from "./screens_auth.js";
import { moveScreen, pickScreen } from "./screens_work.js";
import { putawayScreen, receiveScreen } from "./screens_dock.js";
import { createPackBench, weightOfScan } from "./pack_bench.js";
import { dispatchScreen, packScreen } from "./screens_pack.js";
import { createExceptions, exceptionsScreen } from "./exceptions.js";
import { closeoutScreen, createHandover, handoverScreen } from "./handover.js";
import { countScreen, countsScreen, createCounts, refillScreen, refillsScreen } from "./counts.js";
import { createKpis, kpiScreen } from "./kpis.js";
import { badgesScreen, createBadges } from "./badges.js";
import { boardScreen, createBoard } from "./board.js";
import { createReturns } from "./returns.js";
import { returnsScreen } from "./screens_returns.js";
import { createStation, rejectedReason, scanEventKind, unknownStationScreen } from "./station.js";
import { fill, h, load, STATION, save, scanId } from "./util.js";
import { attachWedge, wedgeProfile } from "./wedge.js";

const $ = (id) => document.getElementById(id);
const overlay = $("feedback");
const SCREENS = {
  enrol: enrolScreen,
  login: loginScreen,
  chooser: chooserScreen,
  pick: pickScreen,
  move: moveScreen,
  receive: receiveScreen,
  putaway: putawayScreen,
  pack: packScreen,
  dispatch: dispatchScreen,
  returns: returnsScreen,
  kpis: kpiScreen,
  exceptions: exceptionsScreen,
  badges: badgesScreen,
  counts: countsScreen,
  count: countScreen,
  refills: refillsScreen,
  refill: refillScreen,
  board: boardScreen,
  handover: handoverScreen,
  closeout: closeoutScreen,
  "unknown-station": unknownStationScreen,
};
const WORKFLOWS = new Set(["pick", "move", "pack", "dispatch", "returns", "receive", "putaway"]);
// Login refusals that mean this device must be enrolled (again): unknown, or its credential gone.
const DEVICE_REFUSED = new Set(["unknown_device", "bad_device_credential"]);

// The enrolled device: its id, credential and name (a station's screen keeps its own, scoped).
const device = load("wt.device", null);
const station = STATION ? createStation(STATION, { onScan: stationScan, onRejected: scannerRejected, onChange: renderHeader }) : null;
const state = {
  screen: "loading",
  deviceId: device?.device_id || "",
  deviceSecret: device?.device_secret || "",
  deviceName: device?.name || "",
  station: station?.station || null,
  session: session.get(),
  task: load("wt.task", null),
  enrol: { name: STATION ? `${STATION} screen` : "HH-", badge: "", code: "", error: "" },
  login: freshLogin(),
  net: { pending: 0, failures: 0, paused: true },
  answers: 0,
};

// The phone's camera: what it reads goes to onScan, exactly as a keyboard-wedge scan does.
const camera = createCamera({
  onCode: (code) => onScan(code),
  another: wantsAnotherUnit,
  refuse,
  read: () => sound("read"),
});

function freshLogin(error = "") {
  return { badge: "", pin: "", typing: false, error };
}

// ---- drawing -------------------------------------------------------------------------------

function render() {
  const draw = SCREENS[state.screen];
  const main = $("screen");
  main.dataset.screen = state.screen;
  returns.sync();
  // A returns desk's screen is wide: the parcel's lines beside the item being graded.
  document.body.dataset.layout = (state.station && state.screen === "returns") || state.screen === "board" ? "wide" : "";
  if (draw) {
    const { main: content, actions } = draw({ state, act });
    fill(main, content);
    fill($("actions"), actions);
  } else {
    fill(main, h("p", { class: "loading" }, t("loading")));
    fill($("actions"));
  }
  renderHeader();
  bench.sync();
  if (!takesScans()) camera.close(); // e.g. the badge was read: the PIN pad needs no camera
}

/** Whether the screen now waits for a scan (the camera is offered and kept open only there). */
function takesScans() {
  if (state.screen === "login") return !state.login.badge;
  if (state.screen === "enrol") return !state.enrol.badge; // a supervisor's badge vouches
  if (state.screen === "handover") return state.handover?.bag?.status === "open";
  return WORKFLOWS.has(state.screen) || state.screen === "count" || state.screen === "refill";
}

function renderHeader() {
  drawHeader(state);
  renderQueued();
}

function renderNet() {
  drawNet(state.net);
  renderQueued();
}

// Scans kept while the edge is out of reach: each one acknowledged (a beep, the count on the
// screen), so a picker knows the scan was read and waits on the handheld, not that it was lost.
let queuedSeen = 0;
function renderQueued() {
  const { pending = 0, failures = 0, paused = false } = state.net || {};
  const kept = pending > 0 && !paused && (failures > 0 || navigator.onLine === false) ? pending : 0;
  const box = $("queued");
  box.hidden = kept === 0;
  box.dataset.count = String(kept);
  box.textContent = kept ? t("scans_queued", { n: kept }) : "";
  if (kept > queuedSeen) sound("info");
  queuedSeen = kept;
}

// Screens that are no task but a place to look (the supervisor's): a reload comes back to the
// one that was open, through the action that opens it (and loads its data).
const REOPEN = {
  board: () => act.openBoard(),
  kpis: () => act.openKpis(),
  exceptions: () => act.openExceptions(),
  badges: () => act.openBadges(),
  counts: () => act.openCounts(),
  refills: () => act.openRefills(),
  closeout: () => act.openCloseout(),
};

function go(screen) {
  state.screen = screen;
  if (screen in REOPEN) save("wt.screen", { screen, who: state.session?.operator_id ?? null });
  else if (screen === "chooser" || WORKFLOWS.has(screen)) save("wt.screen", null);
  render();
}

function setTask(body) {
  state.task = body;
  save("wt.task", body);
  if (body && WORKFLOWS.has(body.workflow)) state.screen = body.workflow;
}

function refuse(text, next = "", code = "") {
  show(overlay, { tone: "bad", text, next, code });
}

// ---- scans ----------------------------------------------------------------------------------

const outbox = createOutbox({
  load: () => load("wt.outbox", []),
  save: (queue) => save("wt.outbox", queue),
  send: (entry) => api.scan(entry),
  onAnswer: applyAnswer,
  onLogin: (res) => needLogin(res),
  onChange: (status) => {
    state.net = status;
    renderNet();
  },
});

/** A scan (or a button's command) into the outbox; `extra` rides with it (a destroy's reason). */
function enqueue(raw, extra = {}) {
  const entry = { scan_id: scanId(), raw, operator_id: state.session?.operator_id ?? null, at: Date.now(), ...extra };
  // A typed quantity (quantity prompt) rides on the next scan that is not a command.
  if (state.quantity && !raw.startsWith("CMD:")) {
    entry.quantity = state.quantity;
    state.quantity = null;
    render();
  }
  outbox.add(entry);
}

/** A scan (from the wedge or typed) goes where the screen needs it. */
function route(code) {
  if (state.screen === "login") act.setBadge(code);
  else if (state.screen === "enrol") {
    state.enrol.badge = code; // a supervisor scans their badge to vouch for the device
    render();
  } else if (state.screen === "pick" && !state.task?.view) refuse(t("no_list"), t("no_list_hint"));
  else if (state.screen === "pack" && state.task?.view?.step === "package" && weightOfScan(code)) act.scannedWeight(weightOfScan(code));
  else if (state.screen === "count") act.countScan(code);
  else if (state.screen === "refill") act.refillScan(code);
  else if (state.screen === "handover") act.hoScan(code);
  else if (WORKFLOWS.has(state.screen)) enqueue(code);
  else refuse(t("choose_task_first"));
}

function countAnswer() {
  state.answers += 1;
  document.body.dataset.answers = String(state.answers);
}

function applyAnswer(_entry, res) {
  const body = res.body || {};
  countAnswer();
  if (res.status < 300 && body.ok !== false) {
    setTask(body);
    render();
    const next = body.tone === "info" ? "" : body.next_message;
    show(overlay, { tone: body.tone || "good", text: body.message, next });
    return;
  }
  if (body.code === "unexpected_scan" && body.params?.kind === "badge" && state.session) return offerSwitch(String(body.params.code || _entry?.raw || ""));
  const task = { ...(state.task || {}), tone: "bad", message: body.detail || t("unreachable") };
  for (const key of ["view", "state", "workflow", "next_message"]) if (body[key] !== undefined) task[key] = body[key];
  setTask(task);
  if (body.code === "no_work_session") state.screen = "chooser";
  render();
  refuse(task.message, body.next_message || "", body.code || "");
}

// ---- station mode: the fixed scanner's scans come back as events ---------------------------

/** A scan from the station's scanner with the edge's answer: shown as if scanned here. */
function stationScan(body) {
  if (isBlocking(overlay)) dismiss(overlay);
  const target = scanTarget();
  if (target && body.params?.kind === "badge") {
    countAnswer();
    return fillScanTarget(target, String(body.params.code)); // the fixed scanner read a supervisor's badge
  }
  if (modalOpen()) closeModal();
  const kind = scanEventKind(body, Boolean(state.session));
  if (kind === "answer") return applyAnswer(null, { status: body.ok === false ? body.status || 422 : 200, body });
  countAnswer();
  if (kind === "badge") {
    if (state.screen !== "login") needLogin(null);
    return act.setBadge(body.login_badge);
  }
  if (kind === "login") {
    if (state.session || state.screen !== "login") needLogin({ body });
    return refuse(body.detail, "", body.code);
  }
  const tone = body.ok === false ? "bad" : body.tone || "good";
  show(overlay, { tone, text: body.detail || body.message, code: body.code || "" });
}

function scannerRejected({ reason }) {
  refuse(t("scanner_rejected"), rejectedReason(reason), "scanner_rejected");
}

// ---- session and tasks ----------------------------------------------------------------------

let stopLive = () => {};

function connectLive() {
  stopLive();
  const token = state.session?.token;
  if (!token) return;
  const handle = {
    pick_list_assigned: listAssigned,
    pick_list_unassigned: listTaken,
    order_changed: orderChanged,
    putback_needed: putBackNeeded,
    exception_opened: () => act.excOpened(),
    board_changed: () => act.boardChanged(),
  };
  stopLive = liveEvents({ token, onEvent: (type, data) => handle[type]?.(data) });
}

async function listAssigned() {
  if (state.screen !== "pick") {
    if (state.session) show(overlay, { tone: "info", text: t("list_assigned") });
    return;
  }
  const res = await api.currentTask().catch(() => null);
  const step = res?.status === 200 ? res.body?.view?.step : null;
  if (res?.status === 200 && res.body.workflow === "pick" && step && step !== "done") {
    setTask(res.body);
    render();
    show(overlay, { tone: "info", text: t("list_assigned") });
  } else {
    await act.startTask("pick");
  }
}

/** A supervisor gave the list on this screen to another picker: it leaves this handheld at once
 * (the next list comes with Next list). */
function listTaken(data) {
  const text = t("list_taken", { list: data?.list_id || "", name: data?.assignee_name || "" });
  if (state.screen === "pick" && state.task?.view?.list_id === data?.list_id) {
    setTask({ workflow: "pick", view: null, message: text });
    render();
  }
  show(overlay, { tone: "info", text });
}

/** An order on this picker's list was cancelled: show what to put back where, at once. */
async function putBackNeeded(data) {
  const order = data?.channel_order_id || data?.order_id || "";
  if (state.screen === "pick") {
    const res = await api.currentTask().catch(() => null);
    if (res?.status === 200 && res.body.workflow === "pick") {
      setTask(res.body);
      render();
    }
  }
  refuse(t("put_back_told", { order }), "", "putback_needed");
}

/** Another device packed the order on this pack screen: show the order as it is now. */
async function orderChanged(data) {
  const view = state.task?.view;
  if (data?.device_id === state.deviceId || state.screen !== "pack" || !view?.order_id || view.order_id !== data?.order_id) return;
  const res = await api.currentTask().catch(() => null);
  if (res?.status !== 200) return;
  const order = view.channel_order_id || view.order_id;
  setTask({ ...res.body, tone: "info", message: t("order_packed_elsewhere", { order }) });
  render();
}

/** A badge scanned while someone is logged in: log in as its owner, once the screen asked. */
function offerSwitch(badge) {
  const name = state.session?.name || t("switch_user_someone");
  confirm(t("switch_user", { badge, name }), async () => {
    await api.logout().catch(() => null);
    save("wt.workflow", null);
    save("wt.screen", null);
    setTask(null);
    needLogin(null);
    act.setBadge(badge);
  });
}

function needLogin(res) {
  session.set(null);
  state.session = null;
  stopLive();
  outbox.pause();
  state.login = freshLogin(res?.body?.detail || "");
  go("login");
}

/** After login (or a reload): the open task, else the one in progress before, else the chooser. */
async function enterWork() {
  let res;
  try {
    res = await api.currentTask();
  } catch {
    go(state.task?.workflow && load("wt.workflow", null) ? state.task.workflow : "chooser");
    return;
  }
  if (res.status === 401) return needLogin(res);
  const last = load("wt.workflow", null);
  if (res.status === 200 && last) {
    setTask(res.body);
    return render();
  }
  if (last) return act.startTask(last);
  if (act.hoRestore()) return; // a carrier's bag open on this device before the reload
  const looking = load("wt.screen", null); // the same person's, not the one before them
  if (looking && looking.who === state.session?.operator_id && REOPEN[looking.screen]) return REOPEN[looking.screen]();
  go("chooser");
}

async function loggedIn(body) {
  const { token, operator_id, name, role, language, device_id } = body;
  state.session = { token, operator_id, name, role, language, device_id };
  session.set(state.session);
  if (language === "en" || language === "zh") changeLanguage(language, { quiet: true });
  const dropped = outbox.retain((entry) => entry.operator_id === operator_id);
  state.login = freshLogin();
  connectLive();
  await enterWork();
  outbox.resume();
  if (dropped) refuse(t("discarded_scans", { n: dropped }));
}

function unreachable() {
  refuse(t("unreachable"));
}

const act = {
  async enrol({ name, badge, pin, code }) {
    name = (name || "").trim();
    state.enrol = { ...state.enrol, name, badge: (badge || "").trim(), code: (code || "").trim() };
    if (!name) {
      state.enrol.error = t("enrol_name_needed");
      sound("bad");
      return render();
    }
    const body = { name, ...(STATION ? { station: STATION } : { kind: "handheld" }) };
    if (state.enrol.code) body.enrolment_code = state.enrol.code;
    else Object.assign(body, { supervisor_badge: state.enrol.badge, supervisor_pin: pin || "" });
    const res = await api.enrol(body).catch(() => null);
    if (!res) return unreachable();
    if (res.status === 404 && STATION && res.body?.code === "not_found") {
      state.station.known = false; // no such station in the edge's configuration
      return go("unknown-station");
    }
    if (res.status !== 201) {
      state.enrol.error = res.body?.detail || "";
      sound("bad");
      return render();
    }
    const { device_id, device_secret } = res.body;
    save("wt.device", { device_id, device_secret, name });
    Object.assign(state, { deviceId: device_id, deviceSecret: device_secret, deviceName: name });
    state.enrol = { ...state.enrol, badge: "", code: "", error: "" };
    await begin();
  },
  setBadge(code) {
    state.login = { ...freshLogin(), badge: code.trim() };
    sound("info");
    render();
  },
  clearBadge() {
    state.login = freshLogin();
    render();
  },
  typeBadge() {
    state.login = { ...freshLogin(), typing: true };
    render();
  },
  pinKey(key) {
    const login = state.login;
    if (key === "Backspace") login.pin = login.pin.slice(0, -1);
    else if (key === "Enter") return act.submitLogin();
    else if (/^\d$/.test(key) && login.pin.length < 12) login.pin += key;
    login.error = "";
    render();
  },
  async submitLogin() {
    const { badge, pin } = state.login;
    if (!badge || !pin) return;
    const device = { device_id: state.deviceId, device_secret: state.deviceSecret };
    const res = await api.login(badge, pin, device).catch(() => null);
    if (!res) return unreachable();
    if (res.status === 200) return loggedIn(res.body);
    if (DEVICE_REFUSED.has(res.body?.code)) {
      save("wt.device", null);
      Object.assign(state, { deviceId: "", deviceSecret: "" });
      state.enrol.error = res.body.detail;
      return go("enrol");
    }
    state.login = { ...state.login, pin: "", error: res.body?.detail || "" };
    render();
    refuse(state.login.error);
  },
  async startTask(workflow) {
    save("wt.workflow", workflow);
    const res = await api.startTask(workflow).catch(() => null);
    if (!res) return unreachable();
    if (res.status === 401) return needLogin(res);
    if (res.status === 200) {
      setTask(res.body);
      render();
      return sound("info");
    }
    if (res.body?.code === "no_pick_list") {
      setTask({ workflow: "pick", view: null, message: res.body.detail });
      go("pick");
      return sound("info");
    }
    refuse(res.body?.detail || t("unreachable"));
  },
  nextList: () => act.startTask("pick"),
  tasks() {
    save("wt.workflow", null);
    save("wt.handover", null);
    go("chooser");
  },
  command: (code) => enqueue(code),
  short: () => confirm(t("confirm_short"), () => enqueue("CMD:SHORT")),
  typeCode: () => typeCodeSheet(route),
  camera: () => camera.toggle(),
  pendingQuantity: () => state.quantity || null,
  quantity: () =>
    quantitySheet((n) => {
      state.quantity = n;
      render();
    }),
  logout() {
    const pending = outbox.status().pending;
    confirm(t("confirm_logout"), logout, pending ? t("confirm_logout_pending", { n: pending }) : "");
  },
};

// The pack bench: its box, weight and close (with a close_id of its own), beside the scans.
const bench = createPackBench({
  state,
  render,
  applyAnswer,
  refuse,
  needLogin,
  command: enqueue,
  notify: (tone, text) => show(overlay, { tone, text }),
});
Object.assign(act, bench.actions);

// The returns desk: the order search, the damage photo and the quarantine label, beside the scans.
const returns = createReturns({
  state,
  render,
  refuse,
  needLogin,
  command: enqueue,
  notify: (tone, text) => show(overlay, { tone, text }),
});
Object.assign(act, returns.actions);

// The supervisor's KPI screen: the edge's KPIs and charts, and the weekly report's download.
const kpis = createKpis({ state, render, go, needLogin, refuse });
Object.assign(act, kpis.actions);
// The supervisor's task board: cards by column; drag (or pick up and choose) to reassign.
Object.assign(act, createBoard({ state, render, go, needLogin, refuse }).actions);
// The supervisor's exceptions: the open ones, a sound for a new one; acknowledge, resolve.
Object.assign(act, createExceptions({ state, render, go, needLogin, refuse }).actions);
// Locked badges: the ones wrong PINs locked, each unlocked with a tap.
Object.assign(act, createBadges({ state, render, go, needLogin, refuse }).actions);
// Carrier handover (交接单) and close-out: parcels into a carrier's bag; what is still here.
Object.assign(act, createHandover({ state, render, go, needLogin, refuse, notify: (tone, text) => show(overlay, { tone, text }) }).actions);
// Cycle counts: the open ones (blind: no expected quantity), counting one; a supervisor's review.
Object.assign(act, createCounts({ state, render, go, needLogin, refuse, overlay }).actions);

async function logout() {
  await api.logout().catch(() => null);
  save("wt.workflow", null);
  save("wt.handover", null);
  save("wt.screen", null);
  setTask(null);
  needLogin(null);
}

// ---- chrome: language, keys, taps ----------------------------------------------------------

function changeLanguage(lang, { quiet = false } = {}) {
  setLang(lang);
  setApiLanguage(lang);
  translateStatic(document);
  render();
  // The edge's own messages on screen were in the old language: ask for the task again.
  if (!quiet && state.session && WORKFLOWS.has(state.screen) && state.task?.workflow) {
    api.currentTask().then((res) => {
      if (res.status === 200) {
        setTask(res.body);
        render();
      }
    }, () => {});
  }
}

function onScan(code) {
  if (isBlocking(overlay)) dismiss(overlay);
  const target = scanTarget();
  if (target) return fillScanTarget(target, code); // a supervisor's badge on the approval sheet
  if (modalOpen()) closeModal();
  route(code);
}

function fillScanTarget(target, code) {
  target.value = code;
  const fields = [...target.closest(".sheet").querySelectorAll("input")];
  fields[fields.indexOf(target) + 1]?.focus();
}

function onKey(key, ev) {
  if (isBlocking(overlay)) {
    ev?.preventDefault();
    return dismiss(overlay);
  }
  if (modalOpen()) {
    if (key === "Escape") closeModal();
    return;
  }
  if (state.screen === "login" && state.login.badge && /^(\d|Backspace|Enter)$/.test(key)) {
    ev?.preventDefault();
    act.pinKey(key);
  }
}

/** Whether the screen has answered the last scan and asks for another unit of the same code: a
 * pick line with units left. The camera then takes the barcode still in view again. */
function wantsAnotherUnit() {
  const view = state.task?.view;
  if (state.net.pending || state.task?.tone === "bad" || state.screen !== "pick") return false;
  return view?.step === "item" && Number(view.task?.remaining) > 0;
}

function wireChrome() {
  attachWedge(document, { onScan, onKey, ...wedgeProfile() });
  keepDecoderOffline();
  for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, unlockAudio, { capture: true, passive: true });
  overlay.addEventListener("click", () => dismiss(overlay));
  $("lang").addEventListener("click", () => changeLanguage(getLang() === "en" ? "zh" : "en"));
  window.addEventListener("online", () => state.session && outbox.resume());
  window.wt = { state, outbox, played, camera }; // for people and tests looking in from the console
}

async function boot() {
  changeLanguage(getLang(), { quiet: true });
  wireChrome();
  if (!state.deviceId) return go("enrol");
  await begin();
}

/** With an enrolled device: follow the station (on a station's screen), then the session. */
async function begin() {
  if (station) {
    setDeviceToken(state.deviceSecret);
    await station.start();
    if (state.station.known === false) return go("unknown-station");
  }
  if (!state.session?.token) return go("login");
  const res = await api.me().catch(() => null);
  if (res && res.status === 401) return needLogin(res);
  if (res && res.status === 200) state.session = { ...state.session, ...res.body, token: state.session.token };
  connectLive();
  await enterWork();
  outbox.resume();
}

boot();
