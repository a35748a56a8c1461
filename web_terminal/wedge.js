// Keyboard-wedge capture. A scanner "types" its barcode fast and ends it with Enter (or Tab);
// a person types slowly. The core (createWedge) has no DOM: it is fed key events with their time
// and says what they were, so it can be unit-tested on its own. attachWedge binds it to a page.

import { load, save } from "./util.js";

export const DEFAULTS = Object.freeze({
  gapMs: 35, // a scan's keys come on average at most this far apart; a person types slower
  maxGapMs: 105, // one longer pause ends a burst (a scanner may hiccup once, not stop)
  terminators: ["Enter", "Tab"],
  gsSubstitute: "", // e.g. "~" for scanners set to send a printable stand-in for GS
  minLength: 3, // shorter bursts are noise (two keys hit at once), not barcodes
});

export const GS = "\x1d";
const MODIFIERS = new Set(["Shift", "Control", "Alt", "AltGraph", "Meta", "CapsLock", "NumLock"]);
// Ctrl + key as the ASCII control character a terminal would send (Ctrl+B = STX, Ctrl+] = GS).
const CTRL_SYMBOLS = { "@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, _: 31 };
// Control characters other than GS at either end of a scan are framing (STX, ETX, CR, EOT …).
const EDGE_CONTROLS = /^[\x00-\x1c\x1e\x1f\x7f]+|[\x00-\x1c\x1e\x1f\x7f]+$/g;

/** The character a key event stands for in a barcode, "" for none. */
export function charOf(ev, gsSubstitute = "") {
  const { key = "", ctrlKey = false, altKey = false, metaKey = false, keyCode = 0 } = ev;
  if (key === "GroupSeparator" || keyCode === 29) return GS;
  if (ctrlKey && !altKey) {
    if (key.length === 1 && /[a-z]/i.test(key)) return String.fromCharCode(key.toUpperCase().charCodeAt(0) - 64);
    if (key in CTRL_SYMBOLS) return String.fromCharCode(CTRL_SYMBOLS[key]);
    return "";
  }
  if (metaKey || key.length !== 1) return "";
  if (gsSubstitute && key === gsSubstitute) return GS;
  return key;
}

/** A finished burst as the scan to send: framing control characters stripped, GS kept.
 * A leading "]" is an AIM symbology identifier and stays: the edge reads it. */
export function cleanScan(text) {
  return text.replace(EDGE_CONTROLS, "");
}

/**
 * createWedge(options) → { feed(ev, t), tick(t), reset(), size() }.
 * feed(ev, t) → {held, out}: `held` when the key was kept as (possibly) part of a scan or ended
 * one; `out` what is now known, in order: {type: "scan", code} for a finished scan, {type: "key",
 * key} for a person's keys (a burst that turned out slow comes back key by key).
 * tick(t), called a little after the last key, hands back a burst that stopped without a
 * terminator: scanners are set to end with one, so those keys were typed.
 */
export function createWedge(options = {}) {
  const opts = { ...DEFAULTS, ...options };
  if (options.gapMs && !options.maxGapMs) opts.maxGapMs = 3 * options.gapMs;
  let buffer = ""; // characters of the current burst
  let keys = []; // their key names, to hand back if the burst was a person's
  let gaps = []; // the pauses between them
  let last = -Infinity;

  function reset() {
    buffer = "";
    keys = [];
    gaps = [];
    last = -Infinity;
  }

  function release() {
    const out = keys.map((key) => ({ type: "key", key }));
    reset();
    return out;
  }

  function isScan(t) {
    const all = [...gaps, t - last];
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    return cleanScan(buffer).length >= opts.minLength && mean <= opts.gapMs;
  }

  function terminate(ev, t, out) {
    if (!buffer) return { held: false, out: [...out, { type: "key", key: ev.key }] };
    if (isScan(t)) {
      const code = cleanScan(buffer);
      reset();
      return { held: true, out: [...out, { type: "scan", code }] };
    }
    return { held: false, out: [...out, ...release(), { type: "key", key: ev.key }] };
  }

  function feed(ev, t) {
    if (ev.isComposing || ev.key === "Process" || ev.key === "Dead") return { held: false, out: [] };
    if (MODIFIERS.has(ev.key)) {
      if (buffer && t - last <= opts.maxGapMs) last = t; // a scanner's Shift before a capital
      return { held: false, out: [] };
    }
    const out = buffer && t - last > opts.maxGapMs ? release() : [];
    if (opts.terminators.includes(ev.key) && !ev.ctrlKey && !ev.altKey) return terminate(ev, t, out);
    const ch = charOf(ev, opts.gsSubstitute);
    if (!ch) return { held: false, out: [...out, ...release(), { type: "key", key: ev.key }] };
    if (buffer) gaps.push(t - last);
    buffer += ch;
    keys.push(ev.key);
    last = t;
    return { held: true, out };
  }

  function tick(t) {
    return buffer && t - last > opts.maxGapMs ? release() : [];
  }

  return { feed, tick, reset, size: () => buffer.length, options: opts };
}

function typingIn(target) {
  if (!target || !target.tagName) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  return target.tagName === "INPUT" && !["button", "checkbox", "radio", "submit"].includes(target.type);
}

/**
 * Bind a wedge to `doc`: no input needs focus. Scans go to onScan(code), in order; a person's
 * keys outside text inputs go to onKey(key, event-or-null) (the PIN pad takes digits this way).
 * In a text input a person types as usual, but a scanner's burst still goes to onScan: the
 * characters it typed into the field are taken out again (the field gets back its value from
 * before the burst), so scanning the next tote with the weight field focused never becomes a
 * weight.
 */
export function attachWedge(doc, { onScan, onKey = () => {}, ...options }) {
  const wedge = createWedge(options);
  const now = () => performance.now();
  let timer = 0;
  let field = null; // {node, value}: the text input the current burst is typed into, as it was

  function deliver(out, ev) {
    for (const item of out) {
      if (item.type === "scan") onScan(item.code);
      else if (!field) onKey(item.key, item === out.at(-1) && item.key === ev?.key ? ev : null);
    }
  }

  function restoreField() {
    if (!field || field.node.value === field.value) return;
    field.node.value = field.value;
    field.node.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function tick() {
    deliver(wedge.tick(now()), null);
    if (!wedge.size()) field = null;
  }

  doc.addEventListener(
    "keydown",
    (ev) => {
      const inField = typingIn(ev.target);
      if (wedge.size() && (inField ? field?.node !== ev.target : field)) wedge.reset(); // focus moved mid-burst
      if (!wedge.size()) field = inField ? { node: ev.target, value: ev.target.value } : null;
      const t = ev.timeStamp || now();
      const { held, out } = wedge.feed(ev, t);
      // A burst that starts again with this key (the keys before were a person's): the field as
      // it is now, before the key lands in it (keydown comes first).
      if (inField && held && wedge.size() === 1) field = { node: ev.target, value: ev.target.value };
      const scanned = out.some((item) => item.type === "scan");
      if (field) {
        // The field takes a person's keys itself; a scan's terminator must not reach it.
        if (scanned) {
          ev.preventDefault();
          ev.stopPropagation();
          restoreField();
        }
      } else if (held && !(ev.ctrlKey && wedge.size() === 1)) {
        // A held space or Enter must not click the button that has focus; but a lone Ctrl+key
        // (a person's shortcut, or a scanner's STX prefix) keeps its browser meaning.
        ev.preventDefault();
      }
      deliver(out, ev);
      if (!wedge.size()) field = null;
      clearTimeout(timer);
      if (wedge.size()) timer = setTimeout(tick, wedge.options.maxGapMs + 15);
    },
    true,
  );
  return wedge;
}

/** The scanner profile of this device: `?gap=50&term=Enter,Tab&gs=~&min=3` on the URL sets it
 * and it is kept (localStorage) for the next visits. */
export function wedgeProfile() {
  const stored = load("wt.wedge", {});
  const q = new URLSearchParams(location.search);
  const given = {};
  if (q.has("gap")) given.gapMs = Number(q.get("gap")) || 35;
  if (q.has("term")) given.terminators = q.get("term").split(",").filter(Boolean);
  if (q.has("gs")) given.gsSubstitute = q.get("gs");
  if (q.has("min")) given.minLength = Number(q.get("min")) || 3;
  if (Object.keys(given).length) save("wt.wedge", { ...stored, ...given });
  return { ...stored, ...given };
}
