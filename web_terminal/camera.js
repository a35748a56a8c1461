// The phone's camera as a scanner. The rear camera's frames are decoded by the browser's own
// BarcodeDetector where it reads every format the floor uses, else by ZXing-C++ (zxing-wasm)
// vendored under vendor/ and served by the edge, never a CDN. What is read goes to the same
// function as a keyboard-wedge scan (app.js onScan): same routing, answers, feedback and GS1
// handling. One barcode is one scan: after a read the camera pauses, and the same code is not
// taken again while it stays in view (nor within HOLD_MS of leaving it) unless the screen asks
// for another unit of it.

import { t } from "./i18n.js";
import { fill, h } from "./util.js";

/** What the browser's detector must read for us to use it: Code 128 (GS1-128 too), EAN-13, QR
 * and Data Matrix (GS1 DataMatrix). Others are asked for when it has them. */
export const FORMATS = ["code_128", "ean_13", "qr_code", "data_matrix"];
const EXTRA_FORMATS = ["ean_8", "upc_a", "upc_e", "code_39", "itf"];
const ZXING_FORMATS = ["Code128", "EAN13", "EAN8", "UPCA", "UPCE", "Code39", "ITF", "QRCode", "DataMatrix"];
// Versioned path: the service worker (sw.js) may keep these files for good.
export const ZXING_DIR = "vendor/zxing-wasm-3.1.6/";
export const HOLD_MS = 1500;
export const PAUSE_MS = 700;
const FRAME_MS = 120; // decode ~8 frames a second: quick enough, and leaves a phone's CPU cool
const MAX_SIDE = 960; // frames are scaled down to this before decoding

/** The Camera button every screen that takes scans shows beside Type code (act.camera opens
 * and closes the camera). */
export function cameraButton(act) {
  return h("button", { type: "button", class: "btn secondary", "data-testid": "btn-camera", onclick: act.camera }, t("btn_camera"));
}

/** The gate between the decoder and the scan path: offer(code, now, {another}) → true when the
 * code is a new scan. Any read pauses the camera PAUSE_MS; the same code as the last read is
 * refused until it has been out of sight HOLD_MS, unless `another` (the screen answered it and
 * asks for the next unit of it). Out of sight is what the decoded frames show (frame(codes, now)
 * for every frame): from the first frame without the code to the last one without it. A phone
 * that decodes a frame only every two seconds, or one frame it could not read, does not make a
 * barcode held in view a second scan: a second read would move the stock twice. */
export function createScanGate({ holdMs = HOLD_MS, pauseMs = PAUSE_MS } = {}) {
  let last = null; // {code, missing: [first, last] frame without it, or null}
  let pausedUntil = -Infinity;
  return {
    frame(codes, now) {
      if (!last || codes.includes(last.code)) return;
      last.missing = last.missing ? [last.missing[0], now] : [now, now];
    },
    offer(code, now, { another = false } = {}) {
      const same = last?.code === code;
      const gone = !same ? Infinity : last.missing ? last.missing[1] - last.missing[0] : 0;
      if (same) last.missing = null;
      if (now < pausedUntil) return false;
      if (same && gone < holdMs && !another) return false;
      last = { code, missing: null };
      pausedUntil = now + pauseMs;
      return true;
    },
    reset() {
      last = null;
      pausedUntil = -Infinity;
    },
  };
}

/** The text a scanner would send for a ZXing result: a GS1 symbol keeps its AIM identifier
 * (]C1, ]d2, ]Q3 …) and its FNC1 separators as GS, so the edge reads it as GS1; others plain. */
export function zxingText(result) {
  return result.contentType === "GS1" ? `${result.symbologyIdentifier}${result.text}` : result.text;
}

async function loadZxing() {
  const base = new URL(ZXING_DIR, import.meta.url);
  const zxing = await import(new URL("es/reader/index.js", base).href);
  // The wasm from the edge, not the library's default CDN; loaded now so a failure shows here.
  await zxing.prepareZXingModule({
    overrides: { locateFile: (path) => new URL(`reader/${path}`, base).href },
    fireImmediately: true,
  });
  return zxing;
}

/** The decoder to use: {kind: "native" | "zxing", detect(source) → [text]}. The browser's
 * BarcodeDetector when it reads all of FORMATS, else the vendored ZXing (loadZxing). */
export async function chooseDecoder({ Detector = globalThis.BarcodeDetector, load = loadZxing } = {}) {
  if (typeof Detector === "function") {
    let supported = [];
    try {
      supported = await Detector.getSupportedFormats();
    } catch {
      supported = [];
    }
    if (FORMATS.every((f) => supported.includes(f))) {
      const formats = [...FORMATS, ...EXTRA_FORMATS.filter((f) => supported.includes(f))];
      const detector = new Detector({ formats });
      return { kind: "native", detect: async (source) => (await detector.detect(source)).map((b) => b.rawValue) };
    }
  }
  const zxing = await load();
  const options = { formats: ZXING_FORMATS, textMode: "Plain", tryHarder: true, maxNumberOfSymbols: 1 };
  return {
    kind: "zxing",
    detect: async (image) => (await zxing.readBarcodes(image, options)).filter((r) => r.isValid !== false).map(zxingText),
  };
}

/** Why the camera cannot open, as a refusal code: getUserMedia's error names. */
export function cameraProblem(error) {
  const name = error?.name || "";
  if (name === "NotAllowedError" || name === "SecurityError") return "camera_denied";
  return "camera_none";
}

// Each refusal's message and what to do next, in the operator's language.
const PROBLEMS = {
  camera_not_https: () => [t("camera_not_https"), t("camera_not_https_next", { url: secureUrl() })],
  camera_none: () => [t("camera_none"), t("camera_none_next")],
  camera_denied: () => [t("camera_denied"), t("camera_denied_next")],
  camera_decoder_failed: () => [t("camera_decoder_failed"), t("camera_decoder_failed_next")],
};

/** The camera beside the scan path. onCode(text) is the wedge's scan function; another(code)
 * says whether the screen has answered `code` and asks for its next unit; refuse(text, next,
 * code) shows a red screen; read() gives the scanner's beep and buzz. */
export function createCamera({ onCode, another = () => false, refuse, read = () => {} }) {
  const panel = document.getElementById("camera");
  const gate = createScanGate();
  let stream = null;
  let decoder = null;
  let timer = 0;
  let busy = false;
  let canvas = null;

  function problem(code) {
    const [text, next] = PROBLEMS[code]();
    refuse(text, next, code);
  }

  function mark(status) {
    panel.dataset.state = status;
  }

  function draw() {
    const video = h("video", { class: "camera-video", "data-testid": "camera-video", muted: true, playsinline: true, autoplay: true });
    video.muted = true; // muted and inline: mobile browsers then play it without a tap
    fill(
      panel,
      video,
      h("div", { class: "camera-aim", "aria-hidden": "true" }),
      h("p", { class: "camera-hint", "data-testid": "camera-hint" }, t("camera_hint")),
      h("button", { type: "button", class: "btn small camera-close", "data-testid": "btn-camera-close", onclick: close }, t("camera_close")),
    );
    return video;
  }

  function frameOf(video) {
    if (decoder.kind === "native") return video;
    const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    canvas = canvas || document.createElement("canvas");
    if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height);
  }

  async function tick(video) {
    if (!stream || busy) return;
    busy = true;
    try {
      if (video.readyState >= 2 && video.videoWidth) {
        const codes = await decoder.detect(frameOf(video));
        gate.frame(codes, performance.now());
        for (const code of codes) {
          if (code && stream && gate.offer(code, performance.now(), { another: another(code) })) {
            panel.dataset.reads = String(Number(panel.dataset.reads || 0) + 1);
            read();
            onCode(code);
          }
        }
      }
    } catch {
      // A frame the decoder could not take (the video resizing): the next one will do.
    } finally {
      busy = false;
    }
  }

  let opening = 0; // each open and close counts: an open that was closed meanwhile stops

  async function open() {
    if (stream || panel.dataset.state === "starting") return;
    if (!window.isSecureContext) return problem("camera_not_https");
    if (!navigator.mediaDevices?.getUserMedia) return problem("camera_none");
    const mine = ++opening;
    panel.hidden = false;
    document.body.dataset.camera = "on";
    mark("starting");
    panel.dataset.reads = "0"; // codes taken since the camera opened
    const video = draw();
    let got;
    try {
      got = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch (error) {
      if (mine !== opening) return;
      close();
      return problem(cameraProblem(error));
    }
    if (mine !== opening) return stop(got); // closed while the camera started
    stream = got;
    try {
      decoder = decoder || (await chooseDecoder());
    } catch (error) {
      // why, for whoever looks in (the console, the panel's data-decoder-error): the screen says
      // what to do next
      console.warn("camera decoder did not load", error);
      panel.dataset.decoderError = String(error?.message || error).slice(0, 300);
      if (mine !== opening) return;
      close();
      return problem("camera_decoder_failed");
    }
    if (mine !== opening) return; // closed while the decoder loaded (close stopped the stream)
    panel.dataset.decoder = decoder.kind;
    video.srcObject = stream;
    await video.play().catch(() => {});
    gate.reset();
    mark("scanning");
    timer = setInterval(() => tick(video), FRAME_MS);
  }

  function stop(media) {
    for (const track of media?.getTracks() || []) track.stop();
  }

  function close() {
    if (panel.hidden && !stream) return;
    opening += 1;
    clearInterval(timer);
    stop(stream);
    stream = null;
    panel.hidden = true;
    mark("off");
    delete document.body.dataset.camera;
    fill(panel);
  }

  // A hidden page lets the camera go: the light goes out and the battery is spared.
  document.addEventListener("visibilitychange", () => document.hidden && close());
  return { open, close, toggle: () => (panel.hidden ? open() : close()), isOpen: () => Boolean(stream) };
}

/** This page's address over HTTPS (the edge's port serves one or the other, see docs/https.md). */
function secureUrl() {
  return `https://${location.host}${location.pathname}`;
}

/** Keep the decoder's files for offline use (sw.js); service workers need a secure context, as
 * the camera does, so over plain HTTP there is nothing to keep. */
export function keepDecoderOffline() {
  if (!window.isSecureContext || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("sw.js").catch(() => {});
}
