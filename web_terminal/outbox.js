// The scan outbox: every scan is kept (localStorage) until the edge has answered it. Scans are
// sent one at a time, oldest first, so their answers are applied in the order they were scanned.
// A network error, a timeout or a 5xx retries the same scan (same scan_id: the edge answers a
// repeat with its first answer and does nothing twice). 401 pauses until the next login.
// No DOM here: storage, sending and timers are passed in.

const RETRY = new Set([408, 425, 429]);

/** What an HTTP status means for a scan: "answer", "retry" or "login". */
export function outcome(status) {
  if (status === 401) return "login";
  if (status >= 500 || RETRY.has(status)) return "retry";
  return "answer";
}

/** Back-off after `failures` failed tries in a row: 0.5 s, 1 s, 2 s, 4 s, then 5 s. */
export function delayAfter(failures, { minMs = 500, maxMs = 5000 } = {}) {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, failures - 1));
}

export function createOutbox({
  load,
  save,
  send,
  onAnswer,
  onLogin = () => {},
  onChange = () => {},
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  let queue = load() || [];
  let busy = false;
  let paused = true; // nothing is sent before someone is logged in
  let failures = 0;
  let timer = null;

  const status = () => ({ pending: queue.length, failures, paused, busy });
  const changed = () => {
    save(queue);
    onChange(status());
  };

  function add(entry) {
    queue.push(entry);
    changed();
    pump();
    return entry;
  }

  async function pump() {
    if (busy || paused || queue.length === 0) return;
    busy = true;
    const entry = queue[0];
    let result;
    try {
      const res = await send(entry);
      result = { kind: outcome(res.status), res };
    } catch (error) {
      result = { kind: "retry", res: { status: 0, error } };
    }
    busy = false;
    settle(entry, result);
  }

  function settle(entry, { kind, res }) {
    if (kind === "answer") {
      failures = 0;
      if (queue[0] === entry) queue.shift();
      changed();
      onAnswer(entry, res);
      pump();
    } else if (kind === "login") {
      paused = true;
      changed();
      onLogin(res);
    } else {
      failures += 1;
      changed();
      retryLater();
    }
  }

  function retryLater() {
    clearTimer(timer);
    timer = setTimer(() => {
      timer = null;
      pump();
    }, delayAfter(failures));
  }

  /** Send now (after a login, or when the network comes back). */
  function resume() {
    paused = false;
    clearTimer(timer);
    timer = null;
    onChange(status());
    pump();
  }

  function pause() {
    paused = true;
    onChange(status());
  }

  /** Keep only the entries `keep` accepts (another operator's unsent scans are not sent as yours). */
  function retain(keep) {
    const before = queue.length;
    queue = queue.filter(keep);
    if (queue.length !== before) changed();
    return before - queue.length;
  }

  return { add, resume, pause, retain, status, entries: () => queue.slice() };
}
