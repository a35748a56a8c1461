// Carrier handover (交接单) and close-out, for the dock or packing clerk and the supervisor.
// Handover: choose (or scan) the carrier and the container, scan each parcel's waybill into it
// (POST /api/v1/handovers/{id}/scans: another carrier's parcel is a red stop), undo the last,
// close it (the list prints on the station's PDF printer; it can also be downloaded).
// Close-out (GET /api/v1/closeout): parcels packed and not handed over, by carrier, with the
// carrier's next cut-off; a parcel whose cut-off passed is marked missed.

import { call, session } from "./api.js";
import { cameraButton } from "./camera.js";
import { t } from "./i18n.js";
import { button, row } from "./screens_auth.js";
import { h, load, save, scanId } from "./util.js";

const CONTAINERS = { bag: () => t("ho_bag"), cage: () => t("ho_cage"), truck: () => t("ho_truck") };

export function createHandover({ state, render, go, needLogin, refuse, notify }) {
  const ho = { choices: [], open: [], bag: null, container: "bag", label: "", closeout: null, error: "" };
  state.handover = ho;

  function answered(res) {
    if (res?.status === 401) {
      needLogin(res);
      return false;
    }
    if (!res || res.status >= 300) {
      refuse(res?.body?.detail || t("unreachable"), "", res?.body?.code || "");
      return false;
    }
    return true;
  }

  async function loadCloseout() {
    let res;
    try {
      res = await call("GET", "/api/v1/closeout");
    } catch {
      res = null;
    }
    if (res?.status === 401) return needLogin(res);
    if (!res || res.status >= 300) ho.error = res?.body?.detail || t("unreachable");
    else {
      ho.closeout = res.body;
      ho.choices = res.body.choices;
      ho.open = res.body.open_handovers;
      ho.error = "";
    }
    render();
  }

  async function send(method, path, body) {
    try {
      return await call(method, path, body);
    } catch {
      return null;
    }
  }

  async function open(carrier) {
    const res = await send("POST", "/api/v1/handovers", { carrier, container: ho.container, label: ho.label });
    if (!answered(res)) return;
    ho.bag = res.body;
    ho.label = "";
    save("wt.handover", ho.bag.id); // a reload comes back to this bag
    render();
  }

  async function scan(code) {
    if (!ho.bag) {
      if (ho.choices.includes(code)) return open(code); // the carrier's card scanned
      ho.label = code; // a printed bag or cage label: kept with the handover about to open
      return render();
    }
    const res = await send("POST", `/api/v1/handovers/${ho.bag.id}/scans`, { scan_id: scanId(), raw: code });
    if (!answered(res)) return;
    ho.bag = res.body.handover;
    render();
    notify("good", res.body.message);
  }

  async function download(id) {
    const res = await fetch(`/api/v1/handovers/${id}.pdf`, {
      headers: { Authorization: `Bearer ${session.get()?.token || ""}` },
      cache: "no-store",
    }).catch(() => null);
    if (!res?.ok) return refuse(t("unreachable"));
    const link = h("a", { href: URL.createObjectURL(await res.blob()), download: `${id}.pdf` });
    document.body.append(link);
    link.click();
    link.remove();
  }

  const actions = {
    openHandover() {
      ho.bag = null;
      go("handover");
      loadCloseout();
    },
    openCloseout() {
      ho.closeout = null; // never the list of an earlier visit
      go("closeout");
      loadCloseout();
    },
    hoScan: scan,
    hoOpen: open,
    hoContainer(c) {
      ho.container = c;
      render();
    },
    async hoResume(id) {
      const res = await send("GET", `/api/v1/handovers/${id}`);
      if (!answered(res)) return;
      ho.bag = res.body;
      save("wt.handover", ho.bag.status === "open" ? ho.bag.id : null);
      render();
    },
    /** After a reload: back to the bag that was open on this device, if any (true). */
    hoRestore() {
      const id = load("wt.handover", null);
      if (!id) return false;
      go("handover");
      loadCloseout();
      actions.hoResume(id);
      return true;
    },
    async hoUndo() {
      const res = await send("POST", `/api/v1/handovers/${ho.bag.id}/undo`);
      if (!answered(res)) return;
      ho.bag = res.body;
      render();
    },
    async hoClose() {
      const res = await send("POST", `/api/v1/handovers/${ho.bag.id}/close`, {});
      if (!answered(res)) return;
      ho.bag = res.body;
      save("wt.handover", null);
      render();
      notify("good", t("ho_closed", { id: res.body.id, n: res.body.count }));
    },
    hoNew() {
      ho.bag = null;
      save("wt.handover", null);
      loadCloseout();
    },
    hoPdf: () => download(ho.bag.id),
    hoRefresh: loadCloseout,
  };
  return { actions };
}

const kg = (g) => (g / 1000).toFixed(3);

function chooser(ho, act) {
  const containers = h(
    "div",
    { class: "ho-containers", role: "radiogroup" },
    Object.entries(CONTAINERS).map(([c, name]) =>
      h("button", { type: "button", class: `chip${ho.container === c ? " on" : ""}`, "data-testid": `ho-container-${c}`, "aria-pressed": String(ho.container === c), onclick: () => act.hoContainer(c) }, name()),
    ),
  );
  const carriers = ho.choices.map((c) => button(`ho-carrier-${c.replace(/\W+/g, "-")}`, c, () => act.hoOpen(c)));
  const open = ho.open.map((o) =>
    button(`ho-resume-${o.id}`, `${o.id} · ${o.carrier} · ${o.count}`, () => act.hoResume(o.id), { kind: "secondary" }),
  );
  return [
    h("p", { class: "prompt" }, t("ho_choose")),
    containers,
    ho.label ? h("p", { class: "code", "data-testid": "ho-label" }, t("ho_label", { label: ho.label })) : null,
    h("div", { class: "ho-carriers" }, carriers),
    open.length ? h("h2", {}, t("ho_open_ones")) : null,
    ...open,
  ];
}

function bagView(bag) {
  return [
    h("p", { class: "ho-head", "data-testid": "ho-head", "data-id": bag.id, "data-status": bag.status }, `${bag.id} · ${bag.carrier} · ${(CONTAINERS[bag.container] || (() => bag.container))()}`),
    h("p", { class: "big", "data-testid": "ho-count", "data-count": bag.count }, t("ho_count", { n: bag.count, kg: kg(bag.total_weight_g) })),
    h(
      "ol",
      { class: "ho-parcels", "data-testid": "ho-parcels" },
      bag.parcels.map((p) => h("li", { class: "code", "data-tracking": p.tracking_no }, `${p.tracking_no} · ${kg(p.weight_g || 0)} kg`)),
    ),
    bag.status === "open" ? h("p", { class: "prompt" }, t("ho_scan")) : h("p", { class: "good", "data-testid": "ho-closed" }, t("ho_closed", { id: bag.id, n: bag.count })),
  ];
}

export function handoverScreen({ state, act }) {
  const ho = state.handover;
  const bag = ho.bag;
  const main = [h("h1", { class: "title" }, t("ho_title")), ho.error ? h("p", { class: "error", role: "alert" }, ho.error) : null];
  main.push(...(bag ? bagView(bag) : chooser(ho, act)));
  const buttons = bag
    ? bag.status === "open"
      ? [button("ho-undo", t("ho_undo"), act.hoUndo, { kind: "secondary" }), button("ho-close", t("ho_close"), act.hoClose)]
      : [button("ho-pdf", t("ho_pdf"), act.hoPdf, { kind: "secondary" }), button("ho-new", t("ho_new"), act.hoNew)]
    : [];
  const scanning = bag?.status === "open" ? [cameraButton(act)] : []; // a phone scans parcels with its camera
  return { main, actions: [row(...buttons), row(...scanning, button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }))] };
}

function carrierGroup(g) {
  const when = g.next_cutoff ? new Date(g.next_cutoff).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "—";
  return h(
    "section",
    { class: "co-carrier", "data-testid": "co-carrier", "data-carrier": g.carrier, "data-count": g.count, "data-missed": g.missed },
    h("h2", {}, `${g.carrier} · ${g.count}`),
    h("p", { class: "co-cutoff" }, t("co_next_cutoff", { at: when })),
    h(
      "ul",
      {},
      g.parcels.map((p) =>
        h(
          "li",
          { class: `code${p.missed ? " bad co-missed" : ""}`, "data-testid": p.missed ? "co-missed" : "co-parcel", "data-tracking": p.tracking_no },
          `${p.tracking_no}${p.handover_id ? ` · ${p.handover_id}` : ""}${p.missed ? ` · ${t("co_missed")}` : ""}`,
        ),
      ),
    ),
  );
}

export function closeoutScreen({ state, act }) {
  const ho = state.handover;
  const co = ho.closeout;
  const body = ho.error
    ? h("p", { class: "error", role: "alert" }, ho.error)
    : !co
      ? h("p", { class: "loading" }, t("loading"))
      : !co.carriers.length
        ? h("p", { class: "good", "data-testid": "co-none" }, t("co_none"))
        : h("div", { "data-testid": "co-list" }, co.carriers.map(carrierGroup));
  return {
    main: [h("h1", { class: "title" }, t("co_title")), body],
    actions: [row(button("co-refresh", t("exc_refresh"), act.hoRefresh), button("btn-handover", t("task_handover"), act.openHandover)), row(button("btn-tasks", t("btn_tasks"), act.tasks, { kind: "secondary" }))],
  };
}
