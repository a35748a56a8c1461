// Cycle counts on the handheld. Anyone: the open counts (GET /api/v1/counts: bin, SKU, why —
// never the quantity the records hold), and a blind count of one: scan the bin, then each item
// (a scan adds one; the lot and quantity can be typed), and submit. A supervisor also sees the
// counts waiting for a second person's approval, with what was expected and counted, and
// approves or rejects them (never their own count: the edge refuses that).

import { call } from "./api.js";
import { cameraButton } from "./camera.js";
import { show } from "./feedback.js";
import { t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { h } from "./util.js";

const MANAGERS = new Set(["supervisor", "admin"]);
const REASONS = { short_pick: () => t("count_reason_short_pick"), manual: () => t("count_reason_manual"), schedule: () => t("count_reason_schedule") };

/** The counts screens' controller: the lists, the count being taken, and its actions. */
export function createCounts({ state, render, go, needLogin, refuse, overlay }) {
  const c = { tasks: null, review: null, error: "", task: null, step: "bin", lines: [], typed: "", refills: null, refill: null, source: "" };
  state.counts = c;

  async function get(path) {
    const res = await call("GET", path);
    if (res.status === 401) {
      needLogin(res);
      return null;
    }
    if (res.status >= 300) {
      c.error = res.body?.detail || t("unreachable");
      return null;
    }
    return res.body;
  }

  async function load() {
    c.error = "";
    try {
      c.tasks = await get("/api/v1/counts");
      c.review = MANAGERS.has(state.session?.role) ? await get("/api/v1/counts/review") : null;
    } catch {
      c.error = t("unreachable");
    }
    if (state.screen === "counts") render();
  }

  function add(item) {
    const code = item.trim();
    if (!code) return;
    const same = c.lines.find((x) => x.item === code && !x.lot);
    if (same) same.qty += 1;
    else c.lines.push({ item: code, lot: "", qty: 1 });
    render();
  }

  async function answer(res, after) {
    if (res.status === 401) return needLogin(res);
    if (res.status >= 300 || res.body?.ok === false) return refuse(res.body?.detail || t("unreachable"));
    show(overlay, { tone: "good", text: res.body.message });
    await after();
  }

  const actions = {
    openCounts() {
      c.task = null;
      go("counts");
      load();
    },
    countsRefresh: load,
    startCount(task) {
      Object.assign(c, { task, step: "bin", lines: [], typed: "" });
      go("count");
    },
    /** A scan on the count screen: the bin first (it must be the task's), then items. */
    countScan(code) {
      if (c.step === "bin") {
        if (code.trim() !== c.task.location) return refuse(t("count_wrong_bin", { bin: c.task.location, code }));
        c.step = "items";
        return render();
      }
      add(code);
    },
    countTyped(text) {
      c.typed = text;
    },
    countAddTyped() {
      add(c.typed);
      c.typed = "";
      render();
    },
    countLine(i, key, value) {
      if (key === "qty") c.lines[i].qty = Math.max(0, Number.parseInt(value, 10) || 0);
      else c.lines[i][key] = value.trim();
    },
    countRemove(i) {
      c.lines.splice(i, 1);
      render();
    },
    async countSubmit() {
      const lines = c.lines.map(({ item, lot, qty }) => ({ item, lot, qty }));
      const res = await call("POST", `/api/v1/counts/${c.task.id}/submit`, { lines });
      return answer(res, async () => actions.openCounts());
    },
    countCancel: () => actions.openCounts(),
    async openRefills() {
      c.refill = null;
      go("refills");
      c.error = "";
      c.refills = await get("/api/v1/replenishments").catch(() => null);
      if (state.screen === "refills") render();
    },
    startRefill(task) {
      Object.assign(c, { refill: task, source: "" });
      go("refill");
    },
    /** A scan on the replenishment screen: the bin taken from, then the pick face. */
    async refillScan(code) {
      if (!c.source) {
        c.source = code.trim();
        return render();
      }
      const body = { source: c.source, target: code.trim() };
      const res = await call("POST", `/api/v1/replenishments/${c.refill.id}/done`, body);
      return answer(res, async () => actions.openRefills());
    },
    async countDecide(id, verdict) {
      const res = await call("POST", `/api/v1/counts/${id}/${verdict}`, {});
      return answer(res, load);
    },
  };
  return { actions };
}

function taskLabel(task) {
  return [task.location, task.sku || t("count_whole_bin")].join(" · ");
}

function taskItem(task, act) {
  return h(
    "li",
    { class: "count-task" },
    button(`count-task-${task.id}`, taskLabel(task), () => act.startCount(task), { kind: "secondary" }),
    h("p", { class: "count-why" }, (REASONS[task.reason] || (() => task.reason))()),
  );
}

function reviewItem(r, act) {
  return h(
    "li",
    { class: "count-review", "data-testid": "count-review", "data-id": r.id },
    h("h2", {}, taskLabel(r)),
    h("p", {}, t("count_review_meta", { who: r.counted_by_name || "?", units: r.units ?? "" })),
    h(
      "table",
      { class: "count-lines" },
      h("thead", {}, h("tr", {}, [t("count_sku"), t("count_lot"), t("count_expected"), t("count_counted"), t("count_variance")].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, r.lines.map((x) => h("tr", {}, [x.sku, x.lot || "—", x.expected, x.counted, x.variance > 0 ? `+${x.variance}` : String(x.variance)].map((v) => h("td", {}, String(v)))))),
    ),
    row(button(`count-approve-${r.id}`, t("count_approve"), () => act.countDecide(r.id, "approve")), button(`count-reject-${r.id}`, t("count_reject"), () => act.countDecide(r.id, "reject"), { kind: "secondary" })),
  );
}

export function countsScreen({ state, act }) {
  const c = state.counts;
  const tasks = c.error
    ? h("p", { class: "error", role: "alert" }, c.error)
    : !c.tasks
      ? h("p", { class: "loading" }, t("loading"))
      : !c.tasks.length
        ? h("p", { "data-testid": "count-none" }, t("count_none"))
        : h("ul", { class: "count-list", "data-testid": "count-list" }, c.tasks.map((x) => taskItem(x, act)));
  const review = c.review?.length
    ? [h("h2", { class: "title" }, t("count_review_title")), h("ul", { class: "count-list", "data-testid": "count-review-list" }, c.review.map((r) => reviewItem(r, act)))]
    : [];
  return {
    main: [h("h1", { class: "title" }, t("count_title")), tasks, ...review],
    actions: [row(button("count-refresh", t("exc_refresh"), act.countsRefresh), button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }))],
  };
}

function lineItem(x, i, act) {
  const lot = `count-lot-${i}`;
  const qty = `count-qty-${i}`;
  return h(
    "li",
    { class: "count-line", "data-testid": "count-line", "data-item": x.item },
    h("p", { class: "code" }, x.item),
    h("label", { class: "field-label", for: lot }, t("count_lot")),
    h("input", { id: lot, class: "text-in", "data-testid": lot, type: "text", maxlength: "20", autocomplete: "off", value: x.lot, oninput: (ev) => act.countLine(i, "lot", ev.target.value) }),
    h("label", { class: "field-label", for: qty }, t("count_qty")),
    h("input", { id: qty, class: "text-in", "data-testid": qty, type: "number", min: "0", inputmode: "numeric", value: String(x.qty), oninput: (ev) => act.countLine(i, "qty", ev.target.value) }),
    button(`count-remove-${i}`, t("count_remove"), () => act.countRemove(i), { kind: "secondary" }),
  );
}

export function countScreen({ state, act }) {
  const c = state.counts;
  const task = c.task;
  const head = [h("h1", { class: "title" }, t("count_title")), h("p", { class: "code", "data-testid": "count-task" }, taskLabel(task))];
  if (c.step === "bin") {
    return {
      main: [...head, h("p", { class: "step", "data-testid": "count-step", "data-step": "bin" }, t("count_scan_bin", { bin: task.location }))],
      actions: [row(cameraButton(act), button("count-cancel", t("count_cancel"), act.countCancel, { kind: "secondary" }))],
    };
  }
  return {
    main: [
      ...head,
      h("p", { class: "step", "data-testid": "count-step", "data-step": "items" }, t("count_scan_items")),
      h("ul", { class: "count-lines", "data-testid": "count-lines" }, c.lines.map((x, i) => lineItem(x, i, act))),
      h("label", { class: "field-label", for: "count-item" }, t("count_type_item")),
      h("input", { id: "count-item", class: "text-in", "data-testid": "count-item", type: "text", maxlength: "64", autocomplete: "off", value: c.typed, oninput: (ev) => act.countTyped(ev.target.value) }),
      row(button("count-add", t("count_add"), act.countAddTyped, { kind: "secondary" })),
    ],
    actions: [row(cameraButton(act), button("count-submit", t("count_submit"), act.countSubmit), button("count-cancel", t("count_cancel"), act.countCancel, { kind: "secondary" }))],
  };
}

function refillLabel(r) {
  return t("refill_take", { qty: r.qty, sku: r.sku, lot: r.lot ? ` (${r.lot})` : "", source: r.source, location: r.location });
}

export function refillsScreen({ state, act }) {
  const c = state.counts;
  const list = c.error
    ? h("p", { class: "error", role: "alert" }, c.error)
    : !c.refills
      ? h("p", { class: "loading" }, t("loading"))
      : !c.refills.length
        ? h("p", { "data-testid": "refill-none" }, t("refill_none"))
        : h("ul", { class: "count-list" }, c.refills.map((r) => h("li", {}, button(`refill-task-${r.id}`, refillLabel(r), () => act.startRefill(r), { kind: "secondary" }))));
  return {
    main: [h("h1", { class: "title" }, t("refill_title")), list],
    actions: [row(button("refill-refresh", t("exc_refresh"), act.openRefills), button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }))],
  };
}

export function refillScreen({ state, act }) {
  const c = state.counts;
  const r = c.refill;
  const step = c.source ? "face" : "source";
  const prompt = c.source ? t("refill_scan_face", { location: r.location, source: c.source }) : t("refill_scan_source", { source: r.source });
  return {
    main: [h("h1", { class: "title" }, t("refill_title")), h("p", { class: "code", "data-testid": "refill-task" }, refillLabel(r)), h("p", { class: "step", "data-testid": "refill-step", "data-step": step }, prompt)],
    actions: [row(cameraButton(act), button("refill-cancel", t("count_cancel"), act.openRefills, { kind: "secondary" }))],
  };
}
