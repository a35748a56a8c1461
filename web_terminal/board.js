// The supervisor's task board (GET /api/v1/board): every order and floor task as a card in its
// column — to do, picking, packing, shipped, after-sales, on hold — with its assignee, due time
// (red late, amber near), priority tag and why it is blocked. A card goes to a picker, or takes a
// new priority, by dragging it onto the picker or the priority (mouse), or by picking it up and
// choosing the target (tap on a tablet; Enter on a focused card, then Enter on a target, with the
// keyboard; Escape puts it back). Each move names the card's `rev`: one that changed meanwhile is
// refused and the board comes again. Moves are announced for screen readers. The board comes again
// when any supervisor moves a card (SSE `board_changed`), and every 15 s while it is open. A wave not
// yet released (with `[waves] enabled`) has a Release button: its orders go to the pickers.

import { call } from "./api.js";
import { KINDS as EXCEPTION_KINDS } from "./exceptions.js";
import { sound } from "./feedback.js";
import { getLang, t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { h } from "./util.js";

const POLL_MS = 15_000;
const COLUMNS = {
  todo: () => t("board_col_todo"),
  picking: () => t("board_col_picking"),
  packing: () => t("board_col_packing"),
  shipped: () => t("board_col_shipped"),
  after_sales: () => t("board_col_after_sales"),
  on_hold: () => t("board_col_on_hold"),
};
const KINDS = {
  order: () => t("board_kind_order"),
  list: () => t("board_kind_list"),
  putback: () => t("board_kind_putback"),
  return: () => t("board_kind_return"),
  count: () => t("board_kind_count"),
  replenish: () => t("board_kind_replenish"),
};
const TAGS = { urgent: () => t("board_tag_urgent"), high: () => t("board_tag_high"), normal: () => t("board_tag_normal"), low: () => t("board_tag_low") };
const LATENESS = { late: () => t("board_late"), near: () => t("board_near"), ok: () => t("board_on_time") };
const PRIORITY_TARGETS = ["urgent", "high", "normal", "low"];

/** A ship-by as people read it: 14:05 today, else 12-03 14:05 (local time). */
export function dueText(iso, now = new Date()) {
  if (!iso) return "";
  const due = new Date(iso);
  if (Number.isNaN(due.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  const time = `${pad(due.getHours())}:${pad(due.getMinutes())}`;
  return due.toDateString() === now.toDateString() ? time : `${pad(due.getMonth() + 1)}-${pad(due.getDate())} ${time}`;
}

/** The board's controller: what was loaded, the filters, the card picked up, and its actions. */
export function createBoard({ state, render, go, needLogin, refuse }) {
  const b = { data: null, error: "", filter: { person: "", channel: "", priority: "", lateness: "" }, held: null, announce: "", timer: 0, focus: null };
  state.board = b;

  async function load() {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(b.filter)) if (v) query.set(k, v);
    try {
      const res = await call("GET", `/api/v1/board${query.size ? `?${query}` : ""}`);
      if (res.status === 401) return needLogin(res);
      if (res.status >= 300) b.error = res.body?.detail || t("unreachable");
      else {
        b.data = res.body;
        b.error = "";
        if (b.held && !findCard(b.held)) b.held = null;
      }
    } catch {
      b.error = t("unreachable");
    }
    if (state.screen === "board") draw();
  }

  function draw() {
    const active = document.activeElement?.dataset?.card;
    render();
    const want = b.focus || active;
    b.focus = null;
    if (b.held) document.querySelector("[data-testid=board-target]")?.focus();
    else if (want) document.querySelector(`[data-testid=board-card][data-card="${CSS.escape(want)}"]`)?.focus();
  }

  function findCard(id) {
    return b.data?.cards.find((c) => c.id === id) || null;
  }

  function poll() {
    clearInterval(b.timer);
    b.timer = setInterval(() => (state.screen === "board" ? load() : clearInterval(b.timer)), POLL_MS);
  }

  async function move(cardId, target) {
    const card = findCard(cardId);
    b.held = null;
    if (!card) return load();
    const url = `/api/v1/board/cards/${encodeURIComponent(cardId)}/${target.kind === "picker" ? "assign" : "priority"}`;
    const body = target.kind === "picker" ? { operator_id: target.id, rev: card.rev } : { priority: priorityValue(target.tag), rev: card.rev };
    const done = target.kind === "picker" ? t("board_moved_to", { card: card.title, name: target.name }) : t("board_moved_priority", { card: card.title, tag: TAGS[target.tag]() });
    return post(url, body, done, cardId);
  }

  /** POST a supervisor's change; announce `done` (or the refusal) and load the board again. */
  async function post(url, body, done, focus = null) {
    const res = await call("POST", url, body).catch(() => null);
    if (!res) {
      b.announce = t("unreachable");
      draw();
      return refuse(t("unreachable"));
    }
    if (res.status === 401) return needLogin(res);
    if (res.status >= 300) {
      b.announce = res.body?.detail || t("unreachable");
      await load();
      return refuse(b.announce, "", res.body?.code || "");
    }
    b.announce = done;
    b.focus = focus;
    sound("good");
    await load();
  }

  function priorityValue(tag) {
    const th = b.data?.thresholds || { urgent_priority: 2, high_priority: 1 };
    return { urgent: th.urgent_priority, high: th.high_priority, normal: 0, low: -1 }[tag];
  }

  const actions = {
    openBoard() {
      b.held = null;
      b.announce = "";
      go("board");
      load();
      poll();
    },
    boardRefresh: load,
    boardChanged() {
      if (state.screen === "board") load();
    },
    boardFilter(name, value) {
      b.filter[name] = value;
      load();
    },
    /** Pick a card up (or put it back): the targets then take it. */
    boardHold(cardId) {
      const card = findCard(cardId);
      if (!card) return;
      if (b.held === cardId) {
        b.held = null;
        b.focus = cardId;
        b.announce = t("board_put_back", { card: card.title });
      } else {
        b.held = cardId;
        b.announce = t("board_held", { card: card.title });
      }
      draw();
    },
    boardCancel() {
      if (!b.held) return;
      const card = findCard(b.held);
      b.focus = b.held;
      b.held = null;
      b.announce = t("board_put_back", { card: card?.title || "" });
      draw();
    },
    boardDrop(target, cardId = b.held) {
      if (!cardId) return;
      return move(cardId, target);
    },
    boardDragStart(cardId) {
      b.held = cardId; // no redraw: that would end the drag
    },
    /** Release a wave to the pickers (POST /api/v1/waves/{id}/release); the board comes again. */
    boardReleaseWave(wave) {
      return post(`/api/v1/waves/${encodeURIComponent(wave.id)}/release`, undefined, t("board_wave_released", { carrier: wave.carrier, orders: wave.orders }));
    },
  };
  return { actions };
}

function cardKeys(ev, card, act) {
  if (ev.key === "Enter" || ev.key === " ") {
    ev.preventDefault();
    act.boardHold(card.id);
  } else if (ev.key === "Escape") act.boardCancel();
  else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
    ev.preventDefault();
    const all = [...document.querySelectorAll("[data-testid=board-card]")];
    const next = all[all.indexOf(ev.currentTarget) + (ev.key === "ArrowDown" ? 1 : -1)];
    next?.focus();
  }
}

/** A hold with no code (held before holds had codes) as the operator reads it: the edge's own holds (a short pick, stock short at
 * release: edge/domain/pick.py, edge/service/orders.py) are translated; others as written. */
function holdWhy(detail) {
  const short = /^short pick: (\S+) at (\S+)$/.exec(detail || "");
  if (short) return t("board_hold_short_pick", { sku: short[1], location: short[2] });
  const stock = /^insufficient stock \((.*)\)$/.exec(detail || "");
  const need = /^(\S+): need (\d+), (\d+) free(?: \((\d+) more expired or too short-dated\))?$/;
  const parts = stock ? stock[1].split("; ").map((part) => need.exec(part)) : [];
  if (stock && parts.every(Boolean)) {
    const each = parts.map(([, sku, needed, free, dated]) =>
      dated ? t("board_hold_need_dated", { sku, needed, free, dated }) : t("board_hold_need", { sku, needed, free }),
    );
    return t("board_hold_stock", { lines: each.join(t("board_hold_join")) });
  }
  return detail || "—";
}

function blockedText(blocked) {
  const kind = (k) => (EXCEPTION_KINDS[k] ? EXCEPTION_KINDS[k]() : k);
  return blocked
    .map((x) => (x.reason === "hold" ? t("board_blocked_hold", { why: x.text?.[getLang()] || holdWhy(x.detail) }) : x.reason === "approval" ? t("board_blocked_approval") : t("board_blocked_exception", { kind: kind(x.detail) })))
    .join(" · ");
}

function cardView(card, b, act) {
  const kind = (KINDS[card.kind] || (() => card.kind))();
  const who = card.assignee_name || (card.kind === "order" || card.kind === "list" ? t("board_unassigned") : "");
  const due = dueText(card.due);
  const late = LATENESS[card.lateness];
  const held = b.held === card.id;
  const label = [kind, card.title, card.channel, who, due && `${t("board_due")} ${due}`, late && late(), TAGS[card.priority_tag]?.(), card.blocked.length ? blockedText(card.blocked) : ""]
    .filter(Boolean)
    .join(", ");
  const progress = card.progress ? t("board_progress", { done: card.progress.tasks_done, total: card.progress.tasks, orders: card.progress.orders }) : "";
  const detail = card.detail ? [card.detail.order_id, card.detail.sku, card.detail.qty && `× ${card.detail.qty}`].filter(Boolean).join(" ") : "";
  return h(
    "li",
    {
      class: `board-card ${card.lateness} ${card.blocked.length ? "blocked" : ""} ${held ? "held" : ""}`,
      "data-testid": "board-card",
      "data-card": card.id,
      "data-kind": card.kind,
      "data-column": card.column,
      "data-lateness": card.lateness,
      "data-assignee": card.assignee ?? "",
      "data-priority": card.priority_tag,
      tabindex: "0",
      draggable: card.assignable || card.kind === "order" || card.kind === "list" ? "true" : "false",
      "aria-label": label,
      "aria-roledescription": t("board_card_role"),
      onclick: () => act.boardHold(card.id),
      onkeydown: (ev) => cardKeys(ev, card, act),
      ondragstart: (ev) => {
        ev.dataTransfer.setData("text/plain", card.id);
        ev.dataTransfer.effectAllowed = "move";
        act.boardDragStart(card.id);
      },
    },
    h("p", { class: "board-card-head" }, h("span", { class: "board-kind" }, kind), h("span", { class: `board-tag ${card.priority_tag}` }, TAGS[card.priority_tag]?.() || "")),
    h("p", { class: "board-title code" }, card.title),
    h("p", { class: "board-meta" }, [card.channel, who].filter(Boolean).join(" · ")),
    due ? h("p", { class: `board-due ${card.lateness}`, "data-testid": "board-due" }, `${t("board_due")} ${due}`, late ? ` · ${late()}` : "") : null,
    progress ? h("p", { class: "board-progress" }, progress) : null,
    detail ? h("p", { class: "board-detail code" }, detail) : null,
    card.blocked.length ? h("p", { class: "board-blocked", "data-testid": "board-blocked" }, blockedText(card.blocked)) : null,
  );
}

function target(kind, key, label, act, extra = {}) {
  const t_ = { kind, ...extra };
  return h(
    "button",
    {
      type: "button",
      class: `board-target ${kind}`,
      "data-testid": "board-target",
      "data-target": `${kind}:${key}`,
      onclick: () => act.boardDrop(t_),
      ondragover: (ev) => {
        ev.preventDefault();
        ev.dataTransfer.dropEffect = "move";
      },
      ondrop: (ev) => {
        ev.preventDefault();
        act.boardDrop(t_, ev.dataTransfer.getData("text/plain") || undefined);
      },
    },
    label,
  );
}

function select(name, label, value, options, act) {
  const id = `board-${name}`;
  return h(
    "label",
    { class: "board-filter", for: id },
    label,
    h(
      "select",
      { id, "data-testid": id, onchange: (e) => act.boardFilter(name, e.target.value) },
      options.map(([v, text]) => h("option", { value: v, selected: value === v }, text)),
    ),
  );
}

export function boardScreen({ state, act }) {
  const b = state.board;
  const data = b.data;
  const pickers = data?.pickers || [];
  const filters = h(
    "div",
    { class: "board-filters", role: "group", "aria-label": t("board_filters") },
    select("person", t("board_person"), b.filter.person, [["", t("board_all")], ["none", t("board_unassigned")], ...pickers.map((p) => [String(p.id), p.name])], act),
    select("channel", t("board_channel"), b.filter.channel, [["", t("board_all")], ...(data?.channels || []).map((c) => [c, c])], act),
    select("priority", t("board_priority"), b.filter.priority, [["", t("board_all")], ...PRIORITY_TARGETS.map((p) => [p, TAGS[p]()])], act),
    select("lateness", t("board_lateness"), b.filter.lateness, [["", t("board_all")], ["late", t("board_late")], ["near", t("board_near")], ["ok", t("board_on_time")]], act),
  );
  const heldCard = b.held ? data?.cards.find((c) => c.id === b.held) : null;
  const targets = h(
    "section",
    { class: `board-targets ${heldCard ? "armed" : ""}`, "data-testid": "board-targets", "aria-label": t("board_targets") },
    h("p", { class: "board-targets-hint" }, heldCard ? t("board_held", { card: heldCard.title }) : t("board_drag_hint")),
    h("div", { class: "board-target-row", role: "group", "aria-label": t("board_to_picker") }, pickers.map((p) => target("picker", p.id, p.name, act, { id: p.id, name: p.name }))),
    h("div", { class: "board-target-row", role: "group", "aria-label": t("board_to_priority") }, PRIORITY_TARGETS.map((tag) => target("priority", tag, TAGS[tag](), act, { tag }))),
    heldCard ? button("board-cancel", t("board_cancel"), act.boardCancel, { kind: "secondary" }) : null,
  );
  // With waves off (`waves_enabled` false) orders go to the pickers as they come: no wave waits.
  const wavesView = (waves, waiting = true) =>
    h(
      "ul",
      { class: "board-waves", "data-testid": "board-waves", "aria-label": t("board_waves") },
      waves.map((w) =>
        h(
          "li",
          { class: `board-wave ${w.lateness}`, "data-testid": "board-wave", "data-id": w.id, "data-lateness": w.lateness },
          t("board_wave", {
            carrier: w.carrier,
            cutoff: w.cutoff ? new Date(w.cutoff).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "—",
            left: w.left_to_pack,
            orders: w.orders,
          }),
          w.channel ? ` · ${w.channel}` : "",
          TAGS[w.priority_tag] ? ` · ${TAGS[w.priority_tag]()}` : "", // two waves of a channel differ by it
          w.released || !waiting ? "" : ` · ${t("board_wave_waiting")}`,
          w.lateness === "late" ? ` · ${t("board_wave_late")}` : w.lateness === "at_risk" ? ` · ${t("board_wave_at_risk")}` : "",
          w.released || !waiting || !w.by_status?.released ? null : button("board-wave-release", t("board_wave_release"), () => act.boardReleaseWave(w), { kind: "secondary" }),
        ),
      ),
    );
  const columns = data
    ? h(
        "div",
        { class: "board-columns", "data-testid": "board-columns" },
        data.columns.map((col) =>
          h(
            "section",
            { class: "board-col", "data-testid": "board-column", "data-column": col.name, "aria-labelledby": `board-h-${col.name}` },
            h("h2", { id: `board-h-${col.name}`, class: "board-col-title" }, COLUMNS[col.name](), " ", h("span", { class: "board-count" }, String(col.count))),
            h("ul", { class: "board-cards" }, data.cards.filter((c) => c.column === col.name).map((c) => cardView(c, b, act))),
          ),
        ),
      )
    : null;
  const body = b.error ? h("p", { class: "error", role: "alert" }, b.error) : !data ? h("p", { class: "loading" }, t("loading")) : columns;
  return {
    main: [
      h("h1", { class: "title" }, t("board_title")),
      h("p", { class: "sr-only", role: "status", "aria-live": "polite", "data-testid": "board-announce" }, b.announce),
      filters,
      targets,
      data?.truncated ? h("p", { class: "board-truncated" }, t("board_truncated", { n: data.cards.length })) : null,
      data?.waves?.length ? wavesView(data.waves, data.waves_enabled !== false) : null,
      body,
    ],
    actions: [row(button("board-refresh", t("board_refresh"), act.boardRefresh), button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }))],
  };
}

