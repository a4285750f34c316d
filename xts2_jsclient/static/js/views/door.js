// The door: scan a ticket's code (a handheld scanner types it and Enter; or the camera), and the
// answer reads from across a lobby — green admitted, red refused with its reason, amber for
// another performance — with a sound for yes and one for no. The counts and the door list (find
// a booking by name, admit its tickets one by one) are beside it.
//
// The wifi: when the server does not answer, the screen says so at once and admits nobody. The
// last door list it could read is kept in this browser with a SHA-256 of every code (never the
// codes themselves); with the staff's consent ("Admit from the saved list") the door admits from
// it, marks those admissions "offline", queues them (time and opid) in this browser and uploads
// them when the server answers again. An offline admission of a ticket another door had admitted
// meanwhile is shown afterwards as a conflict.

import { html, useEffect, useRef, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { newOpid } from "../api.js";
import { dayLabel, time } from "../format.js";

let api = null;
const SAVED = "xts2.door.saved."; // + performance: the last door list, with the codes' hashes
const QUEUE = "xts2.door.queue"; // offline admissions not yet uploaded
const CONFLICTS = "xts2.door.conflicts"; // uploaded offline admissions the server refused
const TIMEOUT_MS = 4000; // a door cannot wait 10 s to know that the server is gone
const REFRESH_MS = 10000;
const PING_MS = 3000;
const SCAN_EVERY_MS = 200;
const SAME_CODE_MS = 3000; // the camera sees one ticket many times: once is a scan

const door = () => store.get().door || {};
const put = (patch) => store.set((s) => ({ door: { ...(s.door || {}), ...patch } }));

const read = (key, empty) => { try { return JSON.parse(localStorage.getItem(key)) ?? empty; } catch { return empty; } };
const write = (key, value) => { try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* full: kept in memory */ } };
const queue = () => read(QUEUE, []);

/** A code as the server stores it: spaces and dashes dropped, ASCII in upper case. */
export function normalise(text) {
  const t = String(text).replace(/[\s-]/g, "");
  return /^[\x20-\x7e]*$/.test(t) ? t.toUpperCase() : t;
}

async function sha256(text) {
  if (!globalThis.crypto?.subtle) return null; // only in a secure context (https, localhost)
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const isNetwork = (err) => err && (err.status === 0 || err.code === "network");
const label = (iso) => `${dayLabel(iso, new Date(api.now())) === "Today" ? "" : `${dayLabel(iso, new Date(api.now()))} `}${time(iso)}`;

// -- sounds: a rising double beep for yes, a low buzz for no (WebAudio, no files) -------------

let audio = null;
function beep(yes) {
  try {
    audio ||= new AudioContext();
    const t0 = audio.currentTime;
    const tones = yes ? [[880, 0, 0.11], [1320, 0.12, 0.16]] : [[196, 0, 0.5]];
    for (const [freq, at, length] of tones) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = yes ? "sine" : "square";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(yes ? 0.3 : 0.15, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.001, t0 + at + length);
      osc.connect(gain).connect(audio.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + length);
    }
  } catch { /* no sound here: the screen still says it */ }
}

// -- the answer shown --------------------------------------------------------------------------

const HEADS = {
  admitted: ["yes", "✓", "Admitted"],
  alreadyadmitted: ["no", "✗", "Already admitted"],
  wrongperformance: ["wrong", "⚠", "Wrong performance"],
  givenback: ["no", "✗", "Given back"],
  notpaid: ["no", "✗", "Not paid"],
  unknown: ["no", "✗", "Unknown code"],
};

function show(answer) {
  put({ answer: { ...answer, at: Date.now() } });
  if (answer.kind !== "checking") beep(answer.kind === "yes" || answer.kind === "offline");
}

function fromCheckin(c) {
  const [kind, icon, head] = HEADS[c.result] || ["no", "✗", c.result];
  const who = [c.tickettypename, c.name].filter(Boolean).join(" · ");
  const line = c.result === "admitted" ? who
    : c.result === "alreadyadmitted" ? c.message.replace(/^Already admitted /, "Came in ")
      : c.message.replace(/^[^:]*: /, "");
  const more = c.result === "admitted" ? "" : who;
  return { kind, icon, head, line: line && line[0].toUpperCase() + line.slice(1), more,
    undo: c.result === "admitted" ? c.code : null, result: c.result, ending: c.code.slice(-4) };
}

// -- the door list and its saved copy ------------------------------------------------------------

function savedList(performance) { return read(SAVED + performance, null); }

/** Read the door list; keep it (and the hashes of its codes) for a door without a server. */
async function loadList() {
  const perf = door().performance;
  if (!perf) return;
  let body;
  try {
    body = await api.call("tickets/getdoorlist", { performance: perf }, { retry: false, timeout: TIMEOUT_MS });
  } catch (err) {
    if (perf !== door().performance) return;
    if (isNetwork(err)) put({ down: true }); else put({ error: err.message });
    return;
  }
  if (perf !== door().performance) return;
  const list = body.doorlist;
  const wasDown = door().down;
  put({ list, down: false, error: "" });
  const saved = savedList(perf) || { hashes: {}, hashed: {} };
  Object.assign(saved, { performance: perf, showname: list.showname, start: list.start,
    tickets: list.tickets, saved: new Date(api.now()).toISOString() });
  write(SAVED + perf, saved);
  put({ saved: summary(saved) });
  if (wasDown || queue().length) await upload();
  await hashCodes(perf, list, saved);
}

/** The door list carries code endings only; a booking's codes come from getbasket. Each booking
 * is read once (again when its number of tickets changed), and only hashes are kept. */
let hashing = false;
async function hashCodes(perf, list, saved) {
  if (!globalThis.crypto?.subtle || hashing) return;
  hashing = true;
  try { await hashBookings(perf, list, saved); } finally { hashing = false; }
}

async function hashBookings(perf, list, saved) {
  const per = {};
  for (const t of list.tickets) per[t.basket] = (per[t.basket] || 0) + 1;
  for (const [basket, n] of Object.entries(per)) {
    if (saved.hashed[basket] === n) continue;
    let body;
    try { body = await api.call("baskets/getbasket", { basket }, { retry: false, timeout: TIMEOUT_MS }); } catch { return; }
    const found = {};
    for (const item of body.basket.item || []) {
      const ticket = item.ticket || item;
      if (ticket.performance !== perf) continue;
      for (const code of ticket.code || []) found[await sha256(code)] = { basket: Number(basket), ending: code.slice(-4) };
    }
    // Into the copy saved now (a newer door list may have been saved meanwhile).
    const current = savedList(perf) || saved;
    Object.assign(current.hashes, found);
    current.hashed[basket] = n;
    write(SAVED + perf, current);
    if (perf === door().performance) put({ saved: summary(current) });
  }
}

/** What the server just said about a ticket goes into the saved list at once: a ticket admitted
 * here a moment before the server went away is not admitted again from the list (the list read
 * after the scan may never arrive). An undone admission is undone in the list too. */
function remember(answer) {
  const saved = savedList(answer.performance);
  const ticket = saved?.tickets.find((t) => t.basket === answer.basket && t.ending === answer.code.slice(-4));
  if (!ticket) return;
  if (answer.undone) Object.assign(ticket, { admitted: null, terminalname: null });
  else if (answer.admitted) Object.assign(ticket, { admitted: answer.admitted, terminalname: answer.terminalname ?? null });
  else return;
  write(SAVED + answer.performance, saved);
  if (answer.performance === door().performance) put({ list: listFromSaved(saved) });
}

function summary(saved) {
  return { when: saved.saved, tickets: saved.tickets.length, hashed: Object.keys(saved.hashes).length };
}

// -- scanning ------------------------------------------------------------------------------------

let pending = null; // {code, opid}: the last scan nobody answered (scanned again: the same opid)

async function scan(raw) {
  const code = normalise(raw);
  if (!code) return;
  const d = door();
  if (!d.performance) {
    show({ kind: "no", icon: "✗", head: "Not checked", line: d.performances?.length === 0 ? "No performance is on now or next." : "Choose the performance first.", ending: code.slice(-4) });
    return;
  }
  if (d.offline) { await admitOffline(code); return; }
  const opid = pending?.code === code ? pending.opid : newOpid();
  // The last answer goes at once: a green left from the ticket before is never read as this one's.
  show({ kind: "checking", icon: "…", head: "Checking", line: "", ending: code.slice(-4) });
  put({ busy: true });
  try {
    const body = await api.call("tickets/checkin", { code, performance: d.performance, opid },
      { retry: false, timeout: TIMEOUT_MS });
    pending = null;
    put({ down: false });
    remember(body.checkin);
    show(fromCheckin(body.checkin));
    loadList();
  } catch (err) {
    if (isNetwork(err)) {
      pending = { code, opid };
      put({ down: true });
      show({ kind: "down", icon: "✗", head: "No answer from the server", line: "This ticket is not checked.",
        more: "Scan it again, or admit from the saved list.", ending: code.slice(-4) });
    } else {
      show({ kind: "no", icon: "✗", head: "Not checked", line: err.message, ending: code.slice(-4) });
    }
  } finally {
    put({ busy: false });
  }
}

/** Undo a mistaken admission (this door, within the server's undo window). */
async function undo(code) {
  try {
    const body = await api.call("tickets/uncheckin", { code }, { retry: false, timeout: TIMEOUT_MS });
    const u = body.uncheckin;
    remember(u);
    put({ answer: { kind: "ready", icon: "↺", head: "Admission undone", line: [u.tickettypename, u.name].filter(Boolean).join(" · "),
      more: "Scan the next ticket.", ending: u.code.slice(-4), at: Date.now() } });
    loadList();
  } catch (err) {
    show({ kind: "no", icon: "✗", head: "Not undone", line: isNetwork(err) ? "No answer from the server." : err.message });
  }
  focusScan();
}

/** Admit by name: the door list gives the booking and the code's ending; the booking gives the
 * code (online), and checkin admits it as if scanned. */
async function admitTicket(ticket) {
  if (door().offline) { await admitOffline(null, ticket); return; }
  let body;
  try {
    body = await api.call("baskets/getbasket", { basket: ticket.basket }, { retry: false, timeout: TIMEOUT_MS });
  } catch (err) {
    if (isNetwork(err)) {
      put({ down: true });
      show({ kind: "down", icon: "✗", head: "No answer from the server", line: "Nobody was admitted.", more: "Try again, or admit from the saved list." });
    } else show({ kind: "no", icon: "✗", head: "Not checked", line: err.message });
    return;
  }
  const codes = (body.basket.item || []).flatMap((i) => (i.ticket || i).code || []);
  const code = codes.find((c) => c.endsWith(ticket.ending));
  if (!code) { show({ kind: "no", icon: "✗", head: "Not found", line: "This ticket is no longer in its booking; look again." }); loadList(); return; }
  await scan(code);
}

async function admitOffline(code, byName = null) {
  const d = door();
  const saved = savedList(d.performance);
  if (!saved) return;
  let ticket = byName;
  let hash = null;
  if (code) {
    hash = await sha256(code);
    const hit = hash && saved.hashes[hash];
    ticket = hit && saved.tickets.find((t) => t.basket === hit.basket && t.ending === hit.ending);
    if (!ticket) {
      show({ kind: "no", icon: "✗", head: "Not on the saved list", line: "Not a ticket for this performance as of the saved list.", more: "Send them to the box office.", ending: code.slice(-4) });
      return;
    }
  }
  const who = [ticket.tickettypename, ticket.name].filter(Boolean).join(" · ");
  const q = queue();
  const mine = q.find((e) => e.performance === d.performance && e.basket === ticket.basket && e.ending === ticket.ending);
  if (ticket.admitted || mine) {
    const when = ticket.admitted ? `${label(ticket.admitted)}${ticket.terminalname ? ` at ${ticket.terminalname}` : ""}` : `${time(mine.at)} (offline, here)`;
    show({ kind: "no", result: "alreadyadmitted", icon: "✗", head: "Already admitted", line: `Came in ${when}`, more: who, ending: ticket.ending });
    return;
  }
  q.push({ code, basket: ticket.basket, ending: ticket.ending, name: ticket.name, tickettypename: ticket.tickettypename,
    performance: d.performance, at: new Date(api.now()).toISOString(), opid: newOpid() });
  write(QUEUE, q);
  put({ queued: q.length });
  show({ kind: "offline", icon: "✓", head: "Admitted offline", line: who, more: "From the saved list: it is uploaded when the server answers.", ending: ticket.ending });
}

let uploading = false;
/** Send the offline admissions, oldest first, each with its own opid (a retry is replayed, never
 * done twice); a ticket the server had admitted already is a conflict for the staff to see. */
async function upload() {
  if (uploading) return;
  uploading = true;
  let sent = 0;
  try {
    for (const entry of queue()) {
      let code = entry.code;
      if (!code) { // admitted by name offline: its code comes from its booking now
        const body = await api.call("baskets/getbasket", { basket: entry.basket }, { retry: false, timeout: TIMEOUT_MS });
        code = (body.basket.item || []).flatMap((i) => (i.ticket || i).code || []).find((c) => c.endsWith(entry.ending));
      }
      const answer = code ? (await api.call("tickets/checkin", { code, performance: entry.performance, opid: entry.opid },
        { retry: false, timeout: TIMEOUT_MS })).checkin : { result: "unknown", message: "No longer in its booking" };
      if (answer.result !== "admitted") {
        write(CONFLICTS, [...read(CONFLICTS, []), { ...entry, code: undefined, result: answer.result, message: answer.message }]);
      }
      write(QUEUE, queue().filter((e) => e.opid !== entry.opid));
      sent += 1;
    }
  } catch (err) {
    if (isNetwork(err)) put({ down: true });
  } finally {
    uploading = false;
    const left = queue().length;
    put({ queued: left, conflicts: read(CONFLICTS, []) });
    if (sent && !left) {
      put({ offline: false, answer: null, notice: `Back online: ${sent} offline admission${sent === 1 ? "" : "s"} uploaded.` });
      if (door().performance) loadList();
    }
  }
}

// -- the camera: BarcodeDetector where there is one, else qr-scanner with a served worker --------

async function qrEngine() {
  if ("BarcodeDetector" in globalThis) {
    try {
      if ((await BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        return { name: "BarcodeDetector", detect: async (video) => (await detector.detect(video))[0]?.rawValue || null, close() {} };
      }
    } catch { /* fall through to qr-scanner */ }
  }
  const { default: QrScanner } = await import("../../vendor/qr-scanner.min.js");
  const worker = new Worker("vendor/qr-scanner-worker.js");
  return {
    name: "qr-scanner",
    detect: async (video) => {
      try { return (await QrScanner.scanImage(video, { qrEngine: worker, returnDetailedScanResult: true })).data || null; } catch { return null; }
    },
    close() { worker.terminate(); },
  };
}

function Camera({ onCode }) {
  const video = useRef(null);
  const [state, setState] = useState("starting");
  const [engineName, setEngineName] = useState("");
  useEffect(() => {
    let stream = null;
    let engine = null;
    let stopped = false;
    let last = { code: "", at: 0 };
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
        if (stopped) return;
        video.current.srcObject = stream;
        await video.current.play();
        engine = await qrEngine();
        if (stopped) { engine.close(); return; }
        setEngineName(engine.name);
        setState("on");
        while (!stopped) {
          const code = video.current.readyState >= 2 ? await engine.detect(video.current) : null;
          if (code && !stopped && (code !== last.code || Date.now() - last.at > SAME_CODE_MS)) {
            await onCode(code);
            last = { code, at: Date.now() };
          } else if (code) last.at = Date.now();
          await new Promise((r) => setTimeout(r, SCAN_EVERY_MS));
        }
      } catch (err) {
        if (!stopped) setState(`The camera is not available here: ${err.message}`);
      }
    })();
    return () => {
      stopped = true;
      stream?.getTracks().forEach((t) => t.stop());
      engine?.close();
    };
  }, []);
  return html`<div class="door-camera" data-engine=${engineName}>
    <video ref=${video} muted playsinline aria-label="Camera"></video>
    <p class="hint" role="status">${state === "on" ? "Hold the ticket's QR code up to the camera." : state === "starting" ? "Starting the camera…" : state}</p>
  </div>`;
}

// -- the screen ----------------------------------------------------------------------------------

function focusScan() { document.getElementById("door-code")?.focus(); }

async function loadPerformances() {
  try {
    const body = await api.call("tickets/getnowandnext", { n: 8 }, { retry: false, timeout: TIMEOUT_MS });
    const list = body.nowandnext || [];
    put({ performances: list });
    if (!door().performance && list.length) choose(list[0].id);
  } catch (err) {
    put({ down: isNetwork(err), error: isNetwork(err) ? "" : err.message });
  }
}

/** The saved copy as a door list (until the server answers, or while it does not). */
function listFromSaved(saved) {
  const admitted = saved.tickets.filter((t) => t.admitted).length;
  return { performance: saved.performance, showname: saved.showname, start: saved.start, tickets: saved.tickets,
    sold: saved.tickets.length, admitted, tocome: saved.tickets.length - admitted };
}

/** Saved lists of performances that started more than a day ago go (their queue is uploaded). */
function forgetOldLists() {
  for (const key of Object.keys(localStorage)) {
    if (!key.startsWith(SAVED)) continue;
    const saved = read(key, null);
    const pending = queue().some((e) => SAVED + e.performance === key);
    if (!pending && (!saved?.start || Date.parse(saved.start) < api.now() - 86400000)) localStorage.removeItem(key);
  }
}

function choose(id) {
  const saved = savedList(id);
  put({ performance: id, list: saved ? listFromSaved(saved) : null, answer: null, saved: saved ? summary(saved) : null });
  loadList();
  setTimeout(focusScan, 0);
}

function Answer({ a }) {
  if (!a) return html`<div id="door-answer" class="door-answer door-a-ready" role="status" aria-live="polite">
    <p class="door-head">Ready</p><p class="door-line">Scan a ticket</p></div>`;
  return html`<div id="door-answer" class=${`door-answer door-a-${a.kind}`} data-result=${a.result || a.kind}
      data-sound=${a.kind === "yes" || a.kind === "offline" ? "yes" : "no"} role=${["no", "wrong", "down"].includes(a.kind) ? "alert" : "status"} aria-live="assertive">
    <p class="door-head"><span aria-hidden="true">${a.icon} </span>${a.head}</p>
    ${a.line ? html`<p class="door-line">${a.line}</p>` : null}
    ${a.more ? html`<p class="door-more">${a.more}</p>` : null}
    ${a.undo ? html`<button class="door-undo" onClick=${() => undo(a.undo)}>Undo this admission</button>` : null}
    ${a.kind !== "checking" ? html`<p class="door-ending">${a.ending ? `code …${a.ending} · ` : ""}${new Date(a.at).toLocaleTimeString("en-GB")}</p>` : null}
  </div>`;
}

function Counts({ list }) {
  if (!list) return null;
  let { admitted, sold, tocome } = list;
  const queued = queue().filter((e) => e.performance === list.performance).length;
  admitted += queued; tocome -= queued;
  return html`<dl class="door-counts" aria-label="Counts">
    <div><dt>Admitted</dt><dd id="door-admitted">${admitted}</dd></div>
    <div><dt>Sold</dt><dd id="door-sold">${sold}</dd></div>
    <div><dt>To come</dt><dd id="door-tocome">${tocome}</dd></div>
  </dl>`;
}

function DoorList({ list, offline }) {
  const [search, setSearch] = useState("");
  if (!list) return null;
  const q = search.trim().toLowerCase();
  const queued = queue();
  const groups = [];
  for (const t of list.tickets) {
    if (q && !(t.name || "").toLowerCase().includes(q)) continue;
    const g = groups[groups.length - 1];
    if (g && g.basket === t.basket) g.tickets.push(t); else groups.push({ basket: t.basket, name: t.name, tickets: [t] });
  }
  const onKey = (e) => {
    // A scanner typing into the search field: a whole code and Enter is a scan.
    if (e.key === "Enter" && /^[BCDEFGHJKNPRSTUVX]{20}$/.test(normalise(e.target.value))) {
      e.preventDefault(); const code = e.target.value; setSearch(""); e.target.value = ""; scan(code).then(focusScan);
    }
    if (e.key === "Escape") { setSearch(""); focusScan(); }
  };
  const shown = groups.slice(0, 60);
  return html`<section class="door-list" aria-labelledby="door-list-h">
    <h2 id="door-list-h">Door list${list.showname ? ` · ${list.showname} ${label(list.start)}` : ""}</h2>
    <label for="door-search">Find a booking by name</label>
    <input id="door-search" type="search" autocomplete="off" value=${search} onInput=${(e) => setSearch(e.target.value)} onKeyDown=${onKey} />
    <ul class="door-bookings" aria-label="Bookings">
      ${shown.map((g) => html`<li key=${g.basket}>
        <p class="door-who"><strong>${g.name || "(no name)"}</strong> <span class="hint">booking ${g.basket}, ${g.tickets.length} ticket${g.tickets.length === 1 ? "" : "s"}</span></p>
        <ul class="door-tickets">${g.tickets.map((t) => {
          const off = queued.find((e) => e.performance === list.performance && e.basket === t.basket && e.ending === t.ending);
          const inside = t.admitted || off;
          return html`<li key=${t.ending}>
            ${inside ? html`<span class="door-in">✓ ${t.tickettypename} …${t.ending} <span class="hint">in ${off ? `${time(off.at)} (offline)` : time(t.admitted)}</span></span>`
              : html`<button class=${offline ? "door-admit offline" : "door-admit"} onClick=${async () => { await admitTicket(t); focusScan(); }}
                  aria-label=${`Admit ${t.tickettypename} …${t.ending}, ${g.name || `booking ${g.basket}`}`}>Admit ${t.tickettypename} …${t.ending}</button>`}
          </li>`;
        })}</ul>
      </li>`)}
    </ul>
    ${groups.length > shown.length ? html`<p class="hint">${groups.length - shown.length} more bookings: type part of a name.</p>` : null}
    ${!groups.length ? html`<p class="hint">${q ? "No booking by that name." : "No tickets sold yet."}</p>` : null}
  </section>`;
}

function Conflicts({ conflicts }) {
  if (!conflicts?.length) return null;
  const clear = () => { write(CONFLICTS, []); put({ conflicts: [] }); focusScan(); };
  return html`<section class="door-conflicts" aria-labelledby="door-conflicts-h" role="alert">
    <h2 id="door-conflicts-h">Offline admissions the server disagreed with</h2>
    <ul>${conflicts.map((c) => html`<li key=${c.opid}>${c.tickettypename} …${c.ending}${c.name ? `, ${c.name}` : ""}: admitted offline here at ${time(c.at)}, but the server says: ${c.message}</li>`)}</ul>
    <button class="secondary" onClick=${clear}>Seen: clear this list</button>
  </section>`;
}

function Door() {
  const d = store.useStore().door || {};
  const [camera, setCamera] = useState(false);
  const input = useRef(null);
  useEffect(() => {
    forgetOldLists();
    loadPerformances();
    if (door().performance) loadList();
    put({ queued: queue().length, conflicts: read(CONFLICTS, []) });
    const refresh = setInterval(() => { if (!door().down) loadList(); }, REFRESH_MS);
    const ping = setInterval(() => { if (door().down) { if (door().performance) loadList(); else loadPerformances(); } }, PING_MS);
    // Keys typed while nothing takes them (a scanner after a tap on the page) go to the scan field.
    const onKey = (e) => {
      if (/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) || e.ctrlKey || e.altKey || e.metaKey || e.key.length !== 1) return;
      focusScan();
    };
    document.addEventListener("keydown", onKey, true);
    setTimeout(focusScan, 0);
    return () => { clearInterval(refresh); clearInterval(ping); document.removeEventListener("keydown", onKey, true); };
  }, []);
  // Each answer leaves the scan field ready for the next ticket; an answer cleared (the server
  // back, another performance) moves nothing: the staff may be typing a name in the search.
  useEffect(() => { if (d.answer) focusScan(); }, [d.answer?.at]);
  const submit = (e) => {
    e.preventDefault();
    const code = input.current.value;
    input.current.value = ""; // ready for the next scan at once
    scan(code).then(focusScan);
  };
  const perfs = d.performances || [];
  return html`<div class=${`door${d.offline ? " door-is-offline" : ""}`}>
    <div class="door-main">
      <div class="door-bar">
        <label for="door-perf">Performance</label>
        <select id="door-perf" value=${d.performance || ""} onChange=${(e) => choose(Number(e.target.value))}>
          ${perfs.map((p) => html`<option key=${p.id} value=${p.id}>${p.showname} · ${label(p.start)}</option>`)}
        </select>
        <${Counts} list=${d.list} />
      </div>
      ${d.down ? html`<div class="door-down" role="alert">
        <p><strong>The server is not answering.</strong> ${d.offline ? "Admitting from the saved list: these admissions are uploaded when it answers." : "Scans are not checked until it answers."}</p>
        ${!d.offline && d.saved ? html`<button class="door-go-offline" onClick=${() => { put({ offline: true, notice: "" }); focusScan(); }}>Admit from the saved list</button>
          <span class="hint">saved ${label(d.saved.when)}: ${d.saved.tickets} tickets${d.saved.hashed < d.saved.tickets ? `, ${d.saved.hashed} codes known (the others: admit by name)` : ""}</span>` : null}
        ${!d.offline && !d.saved ? html`<span class="hint">No saved list for this performance in this browser.</span>` : null}
      </div>` : null}
      ${d.offline && !d.down ? html`<p class="door-notice" role="status">Admitting from the saved list; uploading…</p>` : null}
      ${d.queued ? html`<p class="door-queued" role="status">${d.queued} offline admission${d.queued === 1 ? "" : "s"} waiting to be uploaded.</p>` : null}
      ${d.notice ? html`<p class="door-notice" role="status">${d.notice}</p>` : null}
      ${d.error ? html`<p class="message message-error" role="alert">${d.error}</p>` : null}
      <form class="door-scan" onSubmit=${submit} aria-label="Scan">
        <label for="door-code">Scan or type a ticket code</label>
        <div class="door-scanrow">
          <input id="door-code" ref=${input} autocomplete="off" autocapitalize="characters" spellcheck="false" enterkeyhint="go" />
          <button type="submit" class="go">Check</button>
          <button type="button" class="secondary" aria-pressed=${camera ? "true" : "false"} onClick=${() => { setCamera(!camera); focusScan(); }}>${camera ? "Stop camera" : "Camera"}</button>
        </div>
      </form>
      <${Answer} a=${d.answer} />
      ${camera ? html`<${Camera} onCode=${(code) => scan(code)} />` : null}
      <${Conflicts} conflicts=${d.conflicts} />
    </div>
    <${DoorList} list=${d.list} offline=${d.offline} />
  </div>`;
}

export default {
  id: "door",
  title: "Door",
  wide: true,
  requires: (theApi) => theApi.has("tickets/checkin") && theApi.has("tickets/getdoorlist"),
  start(theApi) { api = theApi; },
  View: Door,
};
