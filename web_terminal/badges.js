// The supervisor's locked badges: the badges wrong PINs have locked (GET /api/v1/operators/locked),
// each with whose it is and when its lock ends by itself; one tap unlocks it
// (POST /api/v1/operators/{badge}/unlock), so the operator can log in again at once.

import { call } from "./api.js";
import { sound } from "./feedback.js";
import { ROLES } from "./header.js";
import { t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { h } from "./util.js";

/** The locked badges screen's controller: the list and its actions. */
export function createBadges({ state, render, go, needLogin, refuse }) {
  const b = { items: null, error: "", done: "" };
  state.badges = b;

  async function load() {
    try {
      const res = await call("GET", "/api/v1/operators/locked");
      if (res.status === 401) return needLogin(res);
      if (res.status >= 300) b.error = res.body?.detail || t("unreachable");
      else Object.assign(b, { items: res.body, error: "" });
    } catch {
      b.error = t("unreachable");
    }
    if (state.screen === "badges") render();
  }

  async function unlock(badge) {
    let res;
    try {
      res = await call("POST", `/api/v1/operators/${encodeURIComponent(badge.badge)}/unlock`, {});
    } catch {
      return refuse(t("unreachable"));
    }
    if (res.status === 401) return needLogin(res);
    if (res.status >= 300) return refuse(res.body?.detail || t("unreachable"));
    sound("good");
    b.done = t("badges_unlocked", { name: badge.name, badge: badge.badge });
    await load();
  }

  const actions = {
    openBadges() {
      b.done = "";
      go("badges");
      load();
    },
    badgesRefresh: load,
    badgeUnlock: unlock,
  };
  return { actions };
}

function until(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function item(badge, act) {
  return h(
    "li",
    { class: "exc-item", "data-testid": "badge-item", "data-badge": badge.badge },
    h("h2", { class: "exc-kind" }, badge.name),
    h("p", { class: "exc-meta" }, t("badges_meta", { badge: badge.badge, role: ROLES[badge.role] ? ROLES[badge.role]() : badge.role, until: until(badge.locked_until) })),
    row(button(`badge-unlock-${badge.badge}`, t("badges_unlock"), () => act.badgeUnlock(badge))),
  );
}

export function badgesScreen({ state, act }) {
  const b = state.badges;
  const body = b.error
    ? h("p", { class: "error", role: "alert" }, b.error)
    : !b.items
      ? h("p", { class: "loading" }, t("loading"))
      : !b.items.length
        ? h("p", { class: "exc-none", "data-testid": "badges-none" }, t("badges_none"))
        : h("ul", { class: "exc-list", "data-testid": "badges-list" }, b.items.map((x) => item(x, act)));
  return {
    main: [
      h("h1", { class: "title" }, t("badges_title")),
      h("p", { class: "exc-hint" }, t("badges_hint")),
      b.done ? h("p", { class: "ok", role: "status", "data-testid": "badges-done" }, b.done) : null,
      body,
    ],
    actions: [row(button("badges-refresh", t("exc_refresh"), act.badgesRefresh), button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }))],
  };
}
