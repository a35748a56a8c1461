// The strip under the header while central cannot be reached: "Central offline since …, N events
// queued, oldest …" (GET /api/v1/sync/status every 10 s, docs/sync.md). Hidden while central
// answers, on a standalone edge and before a login. Its words live here, in both languages.

import { call, session } from "./api.js";
import { getLang } from "./i18n.js";

const POLL_MS = 10_000;

const WORDS = {
  en: {
    offline: "Central offline since {since}, {n} events queued, oldest {age}",
    offline_empty: "Central offline since {since}, nothing queued",
    attention: "The sync with central needs a supervisor ({n} events queued)",
    alert: "⚠ ",
    s: "{n} s",
    min: "{n} min",
    h: "{h} h {m} min",
    d: "{d} d {h} h",
  },
  zh: {
    offline: "中心系统自 {since} 起离线，{n} 条事件待发送，最早的已等待 {age}",
    offline_empty: "中心系统自 {since} 起离线，无待发送事件",
    attention: "与中心系统的同步需要主管处理（{n} 条事件待发送）",
    alert: "⚠ ",
    s: "{n} 秒",
    min: "{n} 分钟",
    h: "{h} 小时 {m} 分钟",
    d: "{d} 天 {h} 小时",
  },
};

function say(key, params = {}) {
  const text = (WORDS[getLang()] || WORDS.en)[key];
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

/** 42 s, 7 min, 2 h 5 min, 3 d 4 h: the size a person needs. */
export function age(seconds) {
  const s = Math.floor(seconds);
  if (s < 60) return say("s", { n: s });
  if (s < 3600) return say("min", { n: Math.floor(s / 60) });
  if (s < 86400) return say("h", { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return say("d", { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

/** What the strip says for a status, and its state: online | offline | attention. */
export function describe(status) {
  if (!status || status.mode !== "synced") return { state: "online", text: "" };
  const n = status.queued;
  if (status.online === false) {
    // "2026-11-25 17:12:03 CST" in the edge's time zone → "11-25 17:12"
    const since = (status.offline_since_local || "").slice(5, 16);
    const key = n ? "offline" : "offline_empty";
    const text = say(key, { since, n, age: age(status.oldest_queued_age_s) });
    return { state: "offline", text: (status.alert ? say("alert") : "") + text };
  }
  if (status.attention) return { state: "attention", text: say("attention", { n }) };
  return { state: "online", text: "" };
}

let last = null;

function draw() {
  const bar = document.getElementById("sync");
  if (!bar) return;
  const { state, text } = describe(last);
  bar.dataset.state = state;
  bar.dataset.alert = String(Boolean(last?.alert));
  bar.textContent = text;
  bar.hidden = state === "online";
}

async function poll() {
  if (!session.get()?.token) {
    last = null; // nobody is signed in: nothing to ask (the answer would only be a 401)
    return draw();
  }
  try {
    const res = await call("GET", "/api/v1/sync/status");
    last = res.status === 200 ? res.body : null;
  } catch {
    last = null; // the edge itself is out of reach: the scan queue's own state says so
  }
  draw();
}

const STYLE = `
.sync-bar { padding: 6px 12px; font-size: 14px; font-weight: 700; line-height: 1.25;
  background: var(--warn, #b7791f); color: #fff; }
.sync-bar[data-alert="true"], .sync-bar[data-state="attention"] { background: var(--bad, #c53030); }
`;

function start() {
  const style = document.createElement("style");
  style.textContent = STYLE;
  document.head.append(style);
  // After the app's own handler has switched the language.
  document.getElementById("lang")?.addEventListener("click", () => setTimeout(draw, 0));
  poll();
  setInterval(poll, POLL_MS);
}

start();
