// Small helpers shared by the screens: ids, storage, a DOM builder.

/** A scan id: 16 random bytes as hex. crypto.getRandomValues works over plain HTTP on a LAN
 * name; crypto.randomUUID does not (secure contexts only). */
export function scanId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The station this screen belongs to (`/ui/?station=BENCH-1`), or "" on a handheld. */
export const STATION = (new URLSearchParams(globalThis.location?.search || "").get("station") || "").trim();

/** A station's screen keeps its own session, task and outbox apart from a handheld's, even in
 * the same browser: its "wt.x" keys are stored as "wt.station.NAME.x". */
function scoped(key) {
  return STATION && key.startsWith("wt.") ? `wt.station.${STATION}.${key.slice(3)}` : key;
}

/** JSON in localStorage; a missing, unreadable or blocked value gives `fallback`. */
export function load(key, fallback) {
  try {
    const text = localStorage.getItem(scoped(key));
    return text === null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}

export function save(key, value) {
  try {
    if (value === undefined || value === null) localStorage.removeItem(scoped(key));
    else localStorage.setItem(scoped(key), JSON.stringify(value));
  } catch {
    // Private mode or a full quota: the terminal still works, it just forgets on reload.
  }
}

/** h("div", {class: "x", "data-testid": "y", onclick: fn}, child, "text", [more]) */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside `node` with `children`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

// A code in a sentence: letters and digits joined by hyphens (A-01-02, SKU-1, T-0040, CAR-0011).
const CODE = /([A-Za-z0-9]+(?:-[A-Za-z0-9]+)+)/;

/** A message's text with each code in a span that never breaks at its hyphens. */
export function withCodes(text) {
  return String(text ?? "")
    .split(CODE)
    .map((part, i) => (i % 2 ? h("span", { class: "code" }, part) : part))
    .filter((part) => part !== "");
}
