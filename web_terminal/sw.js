// The terminal's service worker: keeps the camera's barcode decoder (the vendored zxing-wasm,
// about 1 MB) so a handheld can scan with its camera where the Wi-Fi drops. Only those files:
// everything else goes to the edge as before. Their folder names the version, so a cached copy
// never goes stale; a new version is a new folder and a new cache, and the old cache is dropped.

const DIR = "vendor/zxing-wasm-3.1.6/";
const CACHE = "wt-zxing-wasm-3.1.6";
const FILES = ["es/reader/index.js", "es/share.js", "reader/zxing_reader.wasm"];
const base = () => new URL(DIR, self.registration.scope).href;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => base() + f))));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  const old = (names) => names.filter((name) => name.startsWith("wt-") && name !== CACHE);
  // Take the open page at once: the decoder is then kept for it, not only for the next load.
  const dropped = caches.keys().then((names) => Promise.all(old(names).map((name) => caches.delete(name))));
  event.waitUntil(dropped.then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || !request.url.startsWith(base())) return;
  event.respondWith(
    caches.match(request).then(
      (hit) =>
        hit ||
        fetch(request).then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        }),
    ),
  );
});
