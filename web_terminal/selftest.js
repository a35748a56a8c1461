// Unit checks of the terminal's DOM-free cores (keyboard wedge, scan outbox, ids), run in the
// browser by opening /ui/selftest.html: body[data-result] becomes "pass" or "fail", and each
// check is listed with its outcome (a Playwright test can read both).

import { cameraProblem, chooseDecoder, createScanGate, FORMATS, HOLD_MS, PAUSE_MS, zxingText } from "./camera.js";
import { createOutbox, delayAfter, outcome } from "./outbox.js";
import { weightOfScan } from "./pack_bench.js";
import { scanId } from "./util.js";
import { cleanScan, createWedge, GS } from "./wedge.js";

const checks = [];
const check = (name, fn) => checks.push({ name, fn });

function equal(actual, expected) {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

/** Feed [event, time] pairs to a wedge; what came out, as ["scan", code] / ["key", key]. */
function run(events, options = {}) {
  const wedge = createWedge(options);
  const out = [];
  const note = (r) => out.push([r.type, r.code ?? r.key]);
  for (const [ev, t] of events) {
    wedge.tick(t).forEach(note);
    wedge.feed(ev, t).out.forEach(note);
  }
  wedge.tick(1e12).forEach(note);
  return out;
}

const typed = (text, t0 = 0, gap = 5) => [...text].map((c, i) => [{ key: c === "\n" ? "Enter" : c }, t0 + i * gap]);

check("a fast burst ending in Enter is a scan", () => equal(run(typed("A-01-01\n")), [["scan", "A-01-01"]]));
check("slow typing is a person's keys, not a scan", () =>
  equal(run(typed("P001\n", 0, 120)), [["key", "P"], ["key", "0"], ["key", "0"], ["key", "1"], ["key", "Enter"]]));
check("several scans from one trigger pull come out in order", () =>
  equal(run(typed("B-04-02\nD-03-02\nCMD:DONE\n")), [["scan", "B-04-02"], ["scan", "D-03-02"], ["scan", "CMD:DONE"]]));
check("Ctrl+] is the GS separator", () =>
  equal(run([...typed("]C10109"), [{ key: "]", ctrlKey: true }, 40], ...typed("10ABC\n", 45)]), [["scan", `]C10109${GS}10ABC`]]));
check("the GroupSeparator key and key code 29 are GS", () =>
  equal(
    [
      run([...typed("0104"), [{ key: "GroupSeparator" }, 20], ...typed("10X\n", 25)]),
      run([...typed("0104"), [{ key: "Unidentified", keyCode: 29 }, 20], ...typed("10X\n", 25)]),
    ],
    [[["scan", `0104${GS}10X`]], [["scan", `0104${GS}10X`]]],
  ));
check("a configured substitute character becomes GS, and only when configured", () =>
  equal([run(typed("01~10X\n"), { gsSubstitute: "~" }), run(typed("01~10X\n"))], [[["scan", `01${GS}10X`]], [["scan", "01~10X"]]]));
check("STX/ETX framing is stripped, an AIM identifier is kept", () =>
  equal(
    run([[{ key: "b", ctrlKey: true }, 0], ...typed("]E04006381333931", 5), [{ key: "c", ctrlKey: true }, 90], [{ key: "Enter" }, 95]]),
    [["scan", "]E04006381333931"]],
  ));
check("Tab ends a scan; Shift inside a burst is part of it", () =>
  equal(run([[{ key: "Shift" }, 0], [{ key: "T" }, 3], [{ key: "Shift" }, 6], [{ key: "-" }, 9], [{ key: "1" }, 12], [{ key: "Tab" }, 15]]), [["scan", "T-1"]]));
check("a slow key then a fast burst: the key, then the scan", () =>
  equal(run([[{ key: "x" }, 0], ...typed("ABC\n", 500)]), [["key", "x"], ["scan", "ABC"]]));
check("a burst shorter than the minimum is not a scan", () =>
  equal(run(typed("ab\n")), [["key", "a"], ["key", "b"], ["key", "Enter"]]));
check("one slow key inside a scanner's burst does not break the scan", () =>
  equal(run([...typed("40063"), ...typed("81333931\n", 90)]), [["scan", "4006381333931"]]));
check("a quick typist is still a person", () =>
  equal(run(typed("P001\n", 0, 60)), [["key", "P"], ["key", "0"], ["key", "0"], ["key", "1"], ["key", "Enter"]]));
check("a slower scanner profile: gapMs 60 also widens the longest pause", () =>
  equal(run(typed("A-01-01\n", 0, 50), { gapMs: 60 }), [["scan", "A-01-01"]]));
check("a quick burst with no terminator comes back as typed keys", () =>
  equal(run(typed("1111")), [["key", "1"], ["key", "1"], ["key", "1"], ["key", "1"]]));
check("cleanScan strips framing controls at both ends only", () => equal(cleanScan("\x02]C1010\x1d10\r"), "]C1010\x1d10"));
check("a GS1 net weight (310n) is grams, with a GTIN or an AIM identifier before it", () =>
  equal(
    ["3103000360", "]C13102000125", "01095060001343523103000124\x1d10LOT", "3100000002", "T-0040", "3103000000", "3106000001"].map(weightOfScan),
    [360, 1250, 124, 2000, null, null, null],
  ));
check("scan ids are 32 hex characters and differ", () => {
  const [a, b] = [scanId(), scanId()];
  equal([/^[0-9a-f]{32}$/.test(a), a !== b], [true, true]);
});
check("HTTP statuses: 401 → login, 5xx/408/429 → retry, else an answer", () =>
  equal([200, 404, 409, 422, 401, 408, 429, 500, 503].map(outcome), ["answer", "answer", "answer", "answer", "login", "retry", "retry", "retry", "retry"]));
check("back-off: 0.5 s doubling to 5 s", () => equal([1, 2, 3, 4, 5, 9].map((n) => delayAfter(n)), [500, 1000, 2000, 4000, 5000, 5000]));

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
check("the outbox retries the same scan until answered, then sends the next", async () => {
  const replies = [new Error("offline"), { status: 503 }, { status: 200 }, { status: 422 }];
  const sent = [];
  const answers = [];
  const timers = [];
  let stored = null;
  const box = createOutbox({
    load: () => [],
    save: (queue) => (stored = queue.map((e) => e.scan_id)),
    send: async (entry) => {
      sent.push(entry.scan_id);
      const reply = replies.shift();
      if (reply instanceof Error) throw reply;
      return reply;
    },
    onAnswer: (entry, res) => answers.push([entry.scan_id, res.status]),
    setTimer: (fn, ms) => timers.push([fn, ms]),
    clearTimer: () => {},
  });
  box.add({ scan_id: "first" });
  box.add({ scan_id: "second" });
  await tick();
  const beforeLogin = sent.length;
  box.resume();
  await tick();
  timers.at(-1)[0]();
  await tick();
  timers.at(-1)[0]();
  await tick();
  await tick();
  equal(
    { beforeLogin, sent, answers, delays: timers.map((t) => t[1]), stored },
    {
      beforeLogin: 0,
      sent: ["first", "first", "first", "second"],
      answers: [["first", 200], ["second", 422]],
      delays: [500, 1000],
      stored: [],
    },
  );
});
check("a 401 pauses the outbox and keeps the scan", async () => {
  const logins = [];
  const box = createOutbox({
    load: () => [{ scan_id: "kept" }],
    save: () => {},
    send: async () => ({ status: 401 }),
    onAnswer: () => {},
    onLogin: (res) => logins.push(res.status),
  });
  box.resume();
  await tick();
  equal([logins, box.status().paused, box.entries().map((e) => e.scan_id)], [[401], true, ["kept"]]);
});

// ---- the camera: which decoder, and one barcode = one scan ----------------------------------

/** A stand-in for the browser's BarcodeDetector that supports `formats` and reads `codes`. */
function fakeDetector(formats, codes = []) {
  return class {
    static made = [];
    static async getSupportedFormats() {
      if (!formats) throw new Error("not available");
      return formats;
    }
    constructor(options) {
      this.constructor.made.push(options);
    }
    async detect() {
      return codes.map((rawValue) => ({ rawValue, format: "code_128" }));
    }
  };
}

const zxingStub = { readBarcodes: async () => [{ text: "0109506000134352\x1d10ABC", symbologyIdentifier: "]C1", contentType: "GS1" }] };

check("a BarcodeDetector that reads Code 128, EAN-13, QR and Data Matrix is used, the vendored decoder never loaded", async () => {
  const Detector = fakeDetector([...FORMATS, "ean_8", "aztec"], ["T-0001"]);
  let loads = 0;
  const decoder = await chooseDecoder({ Detector, load: async () => (loads += 1, zxingStub) });
  equal([decoder.kind, await decoder.detect(null), loads, Detector.made], ["native", ["T-0001"], 0, [{ formats: [...FORMATS, "ean_8"] }]]);
});
check("a BarcodeDetector without Data Matrix (GS1 DataMatrix) gives way to the vendored decoder", async () => {
  const decoder = await chooseDecoder({ Detector: fakeDetector(["code_128", "ean_13", "qr_code"]), load: async () => zxingStub });
  equal([decoder.kind, await decoder.detect(null)], ["zxing", ["]C10109506000134352\x1d10ABC"]]);
});
check("no BarcodeDetector, or one that fails, means the vendored decoder", async () => {
  const none = await chooseDecoder({ Detector: undefined, load: async () => zxingStub });
  const broken = await chooseDecoder({ Detector: fakeDetector(null), load: async () => zxingStub });
  equal([none.kind, broken.kind], ["zxing", "zxing"]);
});
check("a decoder that cannot load is an error for the camera to show", async () => {
  const failed = await chooseDecoder({ Detector: undefined, load: async () => Promise.reject(new Error("404")) }).then(() => "", (e) => e.message);
  equal(failed, "404");
});
check("a GS1 read keeps its AIM identifier and GS; other symbols are their text", () =>
  equal(
    [zxingText({ text: `01095060001343521${GS}0AB`, symbologyIdentifier: "]d2", contentType: "GS1" }), zxingText({ text: "A-01-02", symbologyIdentifier: "]C0", contentType: "Text" })],
    [`]d201095060001343521${GS}0AB`, "A-01-02"],
  ));
check("a barcode held in view is one scan; it counts again only after HOLD_MS out of sight", () => {
  const gate = createScanGate();
  const code = "4006381333931";
  const seen = [];
  for (let t = 0; t <= 3000; t += 100) seen.push((gate.frame([code], t), gate.offer(code, t)));
  for (let t = 3100; t < 3100 + HOLD_MS - 100; t += 100) gate.frame([], t); // away, not long enough
  const back = gate.offer(code, 3100 + HOLD_MS);
  for (let t = 3200 + HOLD_MS; t <= 3200 + 2 * HOLD_MS; t += 100) gate.frame(["A-01-01"], t); // away long enough
  const gone = gate.offer(code, 3300 + 2 * HOLD_MS);
  equal([seen.filter(Boolean).length, back, gone], [1, false, true]);
});
check("a slow decoder (a frame every 2 s), or one frame it could not read, does not read a barcode held in view again", () => {
  const gate = createScanGate();
  const code = "4006381333931";
  const reads = [0, 2000, 4000, 6000].map((t) => (gate.frame([code], t), gate.offer(code, t)));
  gate.frame([], 6100); // one unreadable frame
  const afterOneMiss = gate.offer(code, 6100 + 2 * HOLD_MS);
  equal([...reads, afterOneMiss], [true, false, false, false, false]);
});
check("after a read the camera pauses; another code then is taken", () => {
  const gate = createScanGate();
  equal([gate.offer("A-01-01", 0), gate.offer("T-0001", PAUSE_MS - 1), gate.offer("T-0001", PAUSE_MS)], [true, false, true]);
});
check("when the screen asks for the next unit, the same code in view is read again after the pause", () => {
  const gate = createScanGate();
  const another = { another: true };
  equal([gate.offer("X", 0, another), gate.offer("X", PAUSE_MS - 1, another), gate.offer("X", PAUSE_MS, another)], [true, false, true]);
});
check("a refused camera is 'denied', anything else 'no camera'", () =>
  equal(["NotAllowedError", "SecurityError", "NotFoundError", "NotReadableError", "OverconstrainedError"].map((name) => cameraProblem({ name })), ["camera_denied", "camera_denied", "camera_none", "camera_none", "camera_none"]));

async function main() {
  const list = document.getElementById("results");
  let failed = 0;
  for (const { name, fn } of checks) {
    let error = null;
    try {
      await fn();
    } catch (e) {
      error = e;
      failed += 1;
    }
    const item = document.createElement("li");
    item.dataset.ok = String(!error);
    item.textContent = error ? `✗ ${name}: ${error.message}` : `✓ ${name}`;
    list.append(item);
  }
  document.body.dataset.failed = String(failed);
  document.body.dataset.result = failed ? "fail" : "pass";
}

main();
