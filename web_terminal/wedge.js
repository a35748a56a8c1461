// Keyboard-wedge capture. A scanner "types" its barcode fast and ends it with Enter (or Tab);
// a person types slowly. The core (createWedge) has no DOM: it is fed key events with their time
// and says what they were, so it can be unit-tested on its own. attachWedge binds it to a page.

export const DEFAULTS = Object.freeze({
  gapMs: 35, // a longer pause between two keys means a person, not a scanner
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
 * createWedge(options) → { feed(ev, t), tick(t), reset() }.
 * feed returns what the key was:
 *   {type: "scan", code}   a complete scan (the terminator of a fast burst)
 *   {type: "key", key}     a person's key (Enter, Backspace, a digit …) when it is plainly one
 *   {type: "held"}         kept in the buffer: it may be the start of a scan
 *   {type: "ignored"}      a modifier, or a key that means nothing here
 * tick(t) is called a little after the last key: a lone buffered key older than the gap is then
 * known to be a person's and comes back as [{type: "key", key}] (or [] when nothing is due).
 */
export function createWedge(options = {}) {
  const opts = { ...DEFAULTS, ...options };
  let buffer = ""; // characters of the current burst
  let keys = []; // the key names, to hand back as a person's keys if the burst was slow
  let last = -Infinity;

  function reset() {
    buffer = "";
    keys = [];
    last = -Infinity;
  }

  function stale(t) {
    return t - last > opts.gapMs;
  }

  function personKeys() {
    const out = keys.length === 1 ? [{ type: "key", key: keys[0] }] : [];
    reset();
    return out;
  }

  function terminate(ev) {
    const code = cleanScan(buffer);
    reset();
    if (code.length >= opts.minLength) return { type: "scan", code };
    return { type: "key", key: ev.key };
  }

  function feed(ev, t) {
    if (ev.isComposing || ev.key === "Process" || ev.key === "Dead") return { type: "ignored" };
    if (MODIFIERS.has(ev.key)) {
      if (buffer && !stale(t)) last = t; // a scanner's Shift between capitals is part of the burst
      return { type: "ignored" };
    }
    const wasStale = buffer !== "" && stale(t);
    if (wasStale) reset(); // a slow burst was a person; whatever they typed is dropped
    if (opts.terminators.includes(ev.key) && !ev.ctrlKey && !ev.altKey) {
      return buffer ? terminate(ev) : { type: "key", key: ev.key };
    }
    const ch = charOf(ev, opts.gsSubstitute);
    if (!ch) {
      reset();
      return { type: "key", key: ev.key };
    }
    buffer += ch;
    keys.push(ev.key);
    last = t;
    return { type: "held" };
  }

  function tick(t) {
    return buffer && stale(t) ? personKeys() : [];
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
 * keys outside text inputs go to onKey(key) (the PIN pad takes digits from a keyboard this way).
 * While a text input has focus the page behaves normally and the wedge stands aside.
 */
export function attachWedge(doc, { onScan, onKey = () => {}, ...options }) {
  const wedge = createWedge(options);
  const now = () => performance.now();
  let timer = 0;

  function deliver(result, ev) {
    if (result.type === "scan") {
      ev.preventDefault();
      onScan(result.code);
    } else if (result.type === "key") {
      onKey(result.key, ev);
    } else if (result.type === "held") {
      // A space must not click the button that has focus; but a lone Ctrl+key (a person's
      // shortcut, or a scanner's STX prefix) keeps its browser meaning.
      if (!(ev.ctrlKey && wedge.size() === 1)) ev.preventDefault();
      clearTimeout(timer);
      timer = setTimeout(() => wedge.tick(now()).forEach((r) => onKey(r.key, null)), wedge.options.gapMs + 15);
    }
  }

  doc.addEventListener(
    "keydown",
    (ev) => {
      if (typingIn(ev.target)) {
        wedge.reset();
        return;
      }
      deliver(wedge.feed(ev, ev.timeStamp || now()), ev);
    },
    true,
  );
  return wedge;
}
