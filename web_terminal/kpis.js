// The supervisor's KPI screen: every order-health KPI by day or by week, for all channels or
// one, each against its threshold. The charts are the edge's own SVG (GET /api/v1/kpis?svg=true,
// the same drawing as the weekly report's): the threshold a dashed orange line, a point past it
// red. The weekly report's PDF is downloaded from here too (GET /api/v1/reports/weekly).

import { call, session } from "./api.js";
import { t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { CHOICES, KINDS } from "./screens_dock.js";
import { h } from "./util.js";

const TITLES = {
  on_time: () => t("kpi_on_time"),
  inventory_accuracy: () => t("kpi_inventory_accuracy"),
  return_rate: () => t("kpi_return_rate"),
  pick_rate: () => t("kpi_pick_rate"),
  scans_per_order: () => t("kpi_scans_per_order"),
  scan_error_rate: () => t("kpi_scan_error_rate"),
  short_pick_rate: () => t("kpi_short_pick_rate"),
  time_in_released: () => t("kpi_time_in_released"),
  time_in_picking: () => t("kpi_time_in_picking"),
  time_in_picked: () => t("kpi_time_in_picked"),
  time_in_packed: () => t("kpi_time_in_packed"),
  time_in_on_hold: () => t("kpi_time_in_on_hold"),
  dock_to_stock: () => t("kpi_dock_to_stock"),
};

/** A KPI value as people read it: 96.0 % for a ratio, 12.5 otherwise; "" for no data. */
export function shown(value, unit) {
  if (value === null || value === undefined) return "";
  return unit === "ratio" ? `${(value * 100).toFixed(1)} %` : value.toFixed(1);
}

function limit(kpi) {
  if (kpi.threshold === null || kpi.direction === "none") return "";
  const sign = kpi.direction === "min" ? "≥" : "≤";
  return t("kpi_threshold", { limit: `${sign} ${shown(kpi.threshold, kpi.unit)}` });
}

/** The KPI screen's controller: what is asked (grain, channel), what came back, and its actions. */
export function createKpis({ state, render, go, needLogin, refuse }) {
  const k = { grain: "day", channel: "", data: null, loading: false, error: "", dock: null };
  state.kpis = k;

  async function load() {
    k.loading = true;
    render();
    const query = new URLSearchParams({ grain: k.grain, svg: "true" });
    if (k.grain === "week") query.set("from", weeksAgo(12));
    if (k.channel) query.set("channel", k.channel);
    try {
      const res = await call("GET", `/api/v1/kpis?${query}`);
      if (res.status === 401) return needLogin(res);
      if (res.status >= 300) {
        k.error = res.body?.detail || t("unreachable");
      } else {
        k.data = res.body;
        k.error = "";
      }
    } catch {
      k.error = t("unreachable");
    } finally {
      k.loading = false;
      render();
    }
  }

  // The dock beside the numbers: open ASNs and the latest discrepancies (issue 21).
  async function loadDock() {
    try {
      const [asns, found] = await Promise.all([call("GET", "/api/v1/asns"), call("GET", "/api/v1/receiving/discrepancies")]);
      k.dock = asns.status < 300 && found.status < 300 ? { asns: asns.body, found: found.body.slice(0, 10) } : null;
    } catch {
      k.dock = null;
    }
    render();
  }

  async function download() {
    try {
      const res = await fetch("/api/v1/reports/weekly", {
        headers: { Authorization: `Bearer ${session.get()?.token || ""}` },
        cache: "no-store",
      });
      if (!res.ok) return refuse((await res.json().catch(() => ({}))).detail || t("unreachable"));
      const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") || "")?.[1] || "weekly-report.pdf";
      const link = h("a", { href: URL.createObjectURL(await res.blob()), download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch {
      refuse(t("unreachable"));
    }
  }

  const actions = {
    openKpis() {
      go("kpis");
      load();
      loadDock();
    },
    kpiGrain(grain) {
      k.grain = grain;
      load();
    },
    kpiChannel(channel) {
      k.channel = channel;
      load();
    },
    kpiReport: download,
  };
  return { actions };
}

function weeksAgo(n) {
  const day = new Date(Date.now() - n * 7 * 86_400_000);
  return day.toISOString().slice(0, 10);
}

function svgOf(markup) {
  // The edge's own drawing (labels/weekly.py), numbers and dates only: trusted markup.
  const box = h("div", { class: "kpi-chart", "data-testid": "kpi-chart" });
  box.innerHTML = markup || "";
  return box;
}

const PER_OPERATOR = new Set(["scan_error_rate", "pick_rate"]);

/** The window's total per operator (scan errors, pick rate) or per channel, past it in red. */
function breakdown(kpi) {
  const rows = Object.entries(kpi.breakdown || {});
  if (!rows.length) return null;
  const label = PER_OPERATOR.has(kpi.name) ? t("kpi_per_operator") : t("kpi_per_channel");
  return h(
    "details",
    { class: "kpi-breakdown", "data-testid": "kpi-breakdown" },
    h("summary", {}, label),
    h(
      "ul",
      {},
      rows.map(([name, p]) =>
        h("li", { class: p.breached ? "breached" : "", "data-name": name }, h("span", { class: "code" }, name), " ", shown(p.value, kpi.unit) || t("kpi_no_data")),
      ),
    ),
  );
}

function card(kpi) {
  const status = kpi.total.value === null ? "none" : kpi.total.breached ? "breached" : "ok";
  const label = { none: t("kpi_no_data"), breached: t("kpi_breached"), ok: t("kpi_ok") }[status];
  const red = kpi.points.filter((p) => p.breached).length;
  const title = (TITLES[kpi.name] || (() => kpi.name))();
  return h(
    "section",
    { class: `kpi-card ${status}`, "data-testid": "kpi-card", "data-kpi": kpi.name, "data-status": status, "data-red-points": red, "aria-label": title },
    h("h2", { class: "kpi-name" }, title),
    h(
      "p",
      { class: "kpi-figures" },
      h("span", { class: "kpi-value", "data-testid": "kpi-value" }, shown(kpi.total.value, kpi.unit) || "—"),
      h("span", { class: "kpi-limit" }, limit(kpi)),
      h("span", { class: `kpi-status ${status}` }, label),
    ),
    svgOf(kpi.svg),
    breakdown(kpi),
  );
}

function dockSection(dock) {
  if (!dock) return null;
  const asn = (a) =>
    h(
      "li",
      { "data-testid": "dock-asn", "data-asn": a.asn_id, "data-status": a.status, "data-discrepancies": a.discrepancies },
      h("span", { class: "code" }, a.asn_id),
      ` ${a.supplier} · ${a.received} / ${a.expected}`,
      // Only a discrepancy earns the warning sign: "· 0 ⚠" read as something wrong.
      a.discrepancies > 0 ? h("span", { class: "dock-warn" }, ` · ⚠ ${t("dock_asn_discrepancies", { n: a.discrepancies })}`) : null,
    );
  const found = (d) =>
    h("li", { "data-testid": "dock-discrepancy", "data-kind": d.kind, "data-decision": d.decision }, h("span", { class: "code" }, d.asn_id), ` ${(KINDS[d.kind] || (() => d.kind))()}: ${d.qty} × ${d.sku}${d.lot ? ` (${d.lot})` : ""} → ${(CHOICES[d.decision] || (() => d.decision))()} · ${d.operator}`);
  return h(
    "section",
    { class: "dock-section", "data-testid": "dock-section", "aria-label": t("dock_title") },
    h("h2", {}, t("dock_title")),
    h("h3", {}, t("dock_open_asns")),
    dock.asns.length ? h("ul", {}, dock.asns.map(asn)) : h("p", {}, t("dock_none")),
    h("h3", {}, t("dock_discrepancies")),
    dock.found.length ? h("ul", {}, dock.found.map(found)) : h("p", {}, t("dock_none")),
  );
}

export function kpiScreen({ state, act }) {
  const k = state.kpis;
  const grain = (name, label) =>
    h("button", { type: "button", class: "kpi-grain", "aria-pressed": String(k.grain === name), "data-testid": `kpi-${name}`, onclick: () => act.kpiGrain(name) }, label);
  const channels = k.data?.channels || [];
  const select = h(
    "select",
    { id: "kpi-channel", "data-testid": "kpi-channel", onchange: (e) => act.kpiChannel(e.target.value) },
    h("option", { value: "", selected: !k.channel }, t("kpi_all_channels")),
    channels.map((c) => h("option", { value: c, selected: k.channel === c }, c)),
  );
  const controls = h(
    "div",
    { class: "kpi-controls" },
    h("div", { class: "kpi-grains", role: "group", "aria-label": t("kpi_grain") }, grain("day", t("kpi_by_day")), grain("week", t("kpi_by_week"))),
    h("label", { class: "kpi-channel", for: "kpi-channel" }, t("kpi_channel"), select),
  );
  const window = k.data ? h("p", { class: "kpi-window", "data-testid": "kpi-window" }, t("kpi_window", { from: k.data.from, to: k.data.to })) : null;
  const body = k.error
    ? h("p", { class: "error", role: "alert" }, k.error)
    : !k.data
      ? h("p", { class: "loading" }, t("loading"))
      : h("div", { class: "kpi-list", "data-testid": "kpi-list", "aria-busy": String(k.loading) }, k.data.kpis.map(card));
  return {
    main: [h("h1", { class: "title" }, t("kpi_title")), controls, window, body, dockSection(k.dock)],
    actions: [row(button("btn-kpi-report", t("kpi_report"), act.kpiReport), button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }))],
  };
}
