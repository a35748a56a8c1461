// Feedback a picker cannot miss: a full-screen colour, a sound and a vibration per answer.
// good = green flash + short high two-tone; bad = red screen that stays until the next scan or
// a tap + long low buzz + [200,100,200] vibration; info = a blue frame round the (still readable)
// screen + one soft beep; read = the camera's click on reading a barcode, before the answer.

import { t } from "./i18n.js";
import { fill, h, withCodes } from "./util.js";

let audio = null;

/** Browsers start audio only after a user gesture (unless autoplay is allowed): make the
 * context on the first touch or key and resume it then. */
export function unlockAudio() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    audio = audio || new Ctx();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
}

function beep(ctx, { freq, start, length, type = "square", gain = 0.25 }) {
  const osc = ctx.createOscillator();
  const amp = ctx.createGain();
  osc.type = type;
  osc.frequency.value = freq;
  const t0 = ctx.currentTime + start;
  amp.gain.setValueAtTime(0, t0);
  amp.gain.linearRampToValueAtTime(gain, t0 + 0.01);
  amp.gain.setValueAtTime(gain, t0 + length - 0.02);
  amp.gain.linearRampToValueAtTime(0, t0 + length);
  osc.connect(amp).connect(ctx.destination);
  osc.start(t0);
  osc.stop(t0 + length + 0.02);
}

const SOUNDS = {
  good: [
    { freq: 1320, start: 0, length: 0.09 },
    { freq: 1760, start: 0.1, length: 0.12 },
  ],
  bad: [{ freq: 150, start: 0, length: 0.75, type: "sawtooth", gain: 0.35 }],
  info: [{ freq: 880, start: 0, length: 0.08, type: "sine", gain: 0.2 }],
  // the camera read a barcode (a scanner's own beep); the edge's answer follows as good or bad
  read: [{ freq: 2400, start: 0, length: 0.05, type: "sine", gain: 0.2 }],
};
const VIBRATION = { good: [60], bad: [200, 100, 200], info: [], read: [30] };

export const played = []; // the tones played, newest last: a test can read what was heard

export function sound(tone) {
  played.push(tone);
  if (played.length > 50) played.shift();
  unlockAudio();
  if (audio) {
    for (const note of SOUNDS[tone] || []) beep(audio, note);
  }
  const pattern = VIBRATION[tone];
  if (pattern?.length && typeof navigator.vibrate === "function") {
    try {
      navigator.vibrate(pattern);
    } catch {
      // not allowed before a user gesture on some browsers: the screen and sound still tell
    }
  }
}

const FLASH_MS = { good: 550, info: 400 };
let hideTimer = 0;

/** Show an answer on the overlay: {tone, text, next, code (a refusal's)}. A bad one stays until
 * dismissed. */
export function show(overlay, { tone, text, next = "", code = "" }) {
  clearTimeout(hideTimer);
  overlay.dataset.tone = tone;
  overlay.dataset.code = code;
  const mark = { good: "✓", bad: "✗", info: "•" }[tone] || "";
  fill(
    overlay,
    h("div", { class: "fb-mark", "aria-hidden": "true" }, mark),
    h("div", { class: "fb-text", "data-testid": "feedback-detail" }, withCodes(text)),
    next && next !== text && h("div", { class: "fb-next", "data-testid": "feedback-next" }, withCodes(next)), // a stop's question is said once
    tone === "bad" && h("div", { class: "fb-hint" }, t("tap_to_continue")),
  );
  overlay.hidden = false;
  overlay.dataset.shown = "true";
  if (tone !== "bad") hideTimer = setTimeout(() => dismiss(overlay), FLASH_MS[tone] || 400);
  sound(tone);
}

export function dismiss(overlay) {
  clearTimeout(hideTimer);
  overlay.hidden = true;
  overlay.dataset.shown = "false";
}

export function isBlocking(overlay) {
  return !overlay.hidden && overlay.dataset.tone === "bad";
}
