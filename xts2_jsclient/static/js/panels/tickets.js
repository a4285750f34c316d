// Tickets: what's on (left), the chosen performance and its ticket types (middle), now & next
// (header). Counts refresh by themselves: one getticketcounts for every performance on screen.

import { html, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { addItem, say } from "../sale.js";
import { availability, dayLabel, time, day } from "../format.js";
import { Message, moveFocus } from "../ui.js";
import { adminError, unlocked } from "../views/admin.js";

let api = null;

async function loadProgramme() {
  const body = await api.call("tickets/getprogramme", { days: 14, limit: 10 }, { retry: false });
  const performances = [];
  for (const show of body.programme || []) {
    for (const p of show.performance || []) performances.push({ ...p, showname: show.name, show: show.id });
  }
  performances.sort((a, b) => a.start.localeCompare(b.start) || a.showname.localeCompare(b.showname));
  store.set({ programme: performances });
}

async function refreshCounts() {
  const s = store.get();
  const ids = new Set((s.programme || []).map((p) => p.id));
  for (const p of s.nowandnext || []) ids.add(p.id);
  if (s.performance) ids.add(s.performance.id);
  if (!ids.size) return;
  const body = await api.call("tickets/getticketcounts", { performance: [...ids].slice(0, 100).join(",") }, { retry: false });
  const counts = { ...(store.get().counts || {}) };
  // getticketcounts has no "admitted" (getnowandnext's counts have): keep the last one known.
  for (const c of body.ticketcounts || []) counts[c.performance] = { admitted: counts[c.performance]?.admitted, ...c };
  store.set({ counts });
}

async function loadNowAndNext() {
  const body = await api.call("tickets/getnowandnext", { n: 4 }, { retry: false });
  const list = body.nowandnext || [];
  const counts = { ...(store.get().counts || {}) };
  for (const p of list) if (p.counts) counts[p.id] = { ...p.counts, performance: p.id };
  store.set({ nowandnext: list, counts });
}

export async function choosePerformance(id) {
  store.set({ performanceId: id, qty: 1 });
  try {
    const body = await api.call("tickets/getperformance", { performance: id }, { what: "the performance" });
    if (store.get().performanceId === id) store.set({ performance: body.performance });
    const counts = { ...(store.get().counts || {}) };
    counts[id] = { ...body.performance.counts, performance: id };
    store.set({ counts });
  } catch (err) {
    say(err.message, "tickets");
  }
}

function Availability({ id, status }) {
  const c = store.get().counts?.[id];
  const a = availability(c ? { ...c, status } : null);
  return html`<span class=${`avail avail-${a.level}`}>${a.word}</span>`;
}

/** "12 in": how many the door admitted, once anyone is in (getnowandnext's counts say). */
function Admitted({ id }) {
  const n = store.get().counts?.[id]?.admitted;
  return n ? html`<span class="nnin">${n} in</span>` : null;
}

function WhatsOn() {
  const s = store.useStore();
  const search = (s.search || "").trim().toLowerCase();
  const list = (s.programme || []).filter((p) => !search || p.showname.toLowerCase().includes(search));
  const groups = [];
  for (const p of list) {
    const label = dayLabel(p.start, new Date(api.now()));
    if (!groups.length || groups[groups.length - 1].label !== label) groups.push({ label, items: [] });
    groups[groups.length - 1].items.push(p);
  }
  const onSearchKey = (e) => {
    if (e.key === "Enter" && list.length) { e.preventDefault(); choose(list[0].id); }
    if (e.key === "ArrowDown") { e.preventDefault(); document.querySelector("#whatson .perf")?.focus(); }
    if (e.key === "Escape") { store.set({ search: "" }); }
  };
  const choose = async (id) => {
    await choosePerformance(id);
    document.querySelector("#tickettypes button.tt")?.focus();
  };
  return html`
    <section id="whatson" class="panel" aria-labelledby="whatson-h">
      <h2 id="whatson-h">What's on</h2>
      <label class="search">
        <span>Find a show <kbd>/</kbd></span>
        <input id="search" type="search" autocomplete="off" value=${s.search || ""}
          onInput=${(e) => store.set({ search: e.target.value })} onKeyDown=${onSearchKey} />
      </label>
      ${s.programme && !list.length ? html`<p class="empty">${search ? "No show matches." : "Nothing on in the next two weeks."}</p>` : null}
      <div class="perflist" onKeyDown=${(e) => moveFocus(e, "#whatson .perf")}>
        ${groups.map((g) => html`
          <h3 class="day">${g.label}</h3>
          <ul>
            ${g.items.map((p) => html`
              <li key=${p.id}>
                <button class=${`perf${s.performanceId === p.id ? " chosen" : ""}`} aria-pressed=${s.performanceId === p.id}
                  onClick=${() => choose(p.id)}>
                  <span class="name">${p.showname}</span>
                  <span class="when">${time(p.start)}</span>
                  <${Availability} id=${p.id} status=${p.status} />
                </button>
              </li>`)}
          </ul>`)}
      </div>
    </section>`;
}

function Quantity() {
  const s = store.useStore();
  const qty = s.qty || 1;
  return html`
    <div class="qty" role="group" aria-label="How many tickets (or type a digit)">
      <span class="label">How many</span>
      ${[1, 2, 3, 4, 5, 6].map((n) => html`
        <button class=${`qtybtn${qty === n ? " chosen" : ""}`} aria-pressed=${qty === n}
          onClick=${() => store.set({ qty: n })}>${n}</button>`)}
      ${qty > 6 ? html`<span class="qtybig" aria-live="polite">${qty}</span>` : null}
    </div>`;
}

function PerformancePanel() {
  const s = store.useStore();
  const perf = s.performance;
  if (!s.performanceId) {
    return html`<section class="panel" id="performance" aria-label="Tickets">
      <h2>Tickets</h2><p class="hint">Choose a performance from what's on (<kbd>/</kbd> to search).</p>
      <${Message} where="tickets" /></section>`;
  }
  if (!perf || perf.id !== s.performanceId) {
    return html`<section class="panel" id="performance" aria-label="Tickets" aria-busy="true"><h2>Tickets</h2><p>Loading…</p></section>`;
  }
  const c = s.counts?.[perf.id] || perf.counts;
  const a = availability({ ...c, status: perf.status });
  const qty = s.qty || 1;
  const add = async (tt) => {
    const body = await addItem("ticket", { performance: perf.id, tickettype: tt.id, quantity: qty },
      { busy: `tt-${tt.id}`, where: "tickets", what: `${qty} × ${tt.name}` });
    if (body) store.set({ qty: 1 }); // a refused quantity stays, to be changed
  };
  return html`
    <section class="panel" id="performance" aria-labelledby="perf-h">
      <h2 id="perf-h">${perf.showname} <span class="sub">${day(perf.start)} ${time(perf.start)}</span></h2>
      <p class="counts" aria-live="polite">
        <strong class=${`avail avail-${a.level}`}>${a.word}</strong>
        <span> · capacity ${c.capacity} · sold ${c.sold} · in baskets ${c.reserved}${c.heldback ? ` · held back ${c.heldback}` : ""}</span>
      </p>
      ${unlocked(s) && api.has("tickets/holdbacktickets") ? html`<${Holdback} key=${perf.id} perf=${perf} counts=${c} />` : null}
      <${Quantity} />
      <ul id="tickettypes" class="tiles" onKeyDown=${(e) => moveFocus(e, "#tickettypes button.tt")}>
        ${(perf.tickettypes || []).map((tt) => html`
          <li key=${tt.id}>
            <button class="tt tile go" onClick=${() => add(tt)} aria-busy=${s.busy === `tt-${tt.id}`}
              disabled=${s.busy === `tt-${tt.id}`}>
              <span class="name">${s.busy === `tt-${tt.id}` ? "Adding…" : `${qty} × ${tt.name}`}</span>
              <span class="price">${tt.price}</span>
            </button>
          </li>`)}
      </ul>
      <${Message} where="tickets" />
    </section>`;
}

/** Admin, while unlocked: "Held back: N [number] Set" — seats kept off sale (holdbacktickets takes
 * the new absolute number; 0 releases them). The counts refresh from the answer at once. */
function Holdback({ perf, counts }) {
  const [value, setValue] = useState(String(counts.heldback ?? 0));
  const [busy, setBusy] = useState(false);
  const set = async (e) => {
    e.preventDefault();
    const count = Number(value);
    if (value.trim() === "" || !Number.isInteger(count) || count < 0) {
      say("Type how many seats to hold back in all: a whole number, 0 or more.", "tickets");
      return;
    }
    setBusy(true);
    try {
      const body = await api.call("tickets/holdbacktickets", { performance: perf.id, count },
        { admin: true, what: "holding back seats" });
      const all = { ...(store.get().counts || {}) };
      all[perf.id] = { ...body.counts, performance: perf.id };
      store.set({ counts: all });
      setValue(String(body.counts.heldback));
      say(count ? `${count} seat${count === 1 ? "" : "s"} held back for ${perf.showname}, ${day(perf.start)} ${time(perf.start)}: ${body.counts.available} left on sale.`
        : `No seats held back for ${perf.showname} now: ${body.counts.available} left on sale.`, "tickets", "info");
      refreshCounts().catch(() => {});
    } catch (err) {
      say(adminError(err), "tickets");
    } finally {
      setBusy(false);
    }
  };
  return html`
    <form class="holdback" onSubmit=${set} novalidate>
      <label for="holdback-count">Held back: <strong id="heldback">${counts.heldback ?? 0}</strong></label>
      <input id="holdback-count" type="number" min="0" step="1" inputmode="numeric"
        aria-label="Seats to hold back in all" value=${value} onInput=${(e) => setValue(e.target.value)} />
      <button type="submit" class="secondary" disabled=${busy} aria-busy=${busy}>${busy ? "Setting…" : "Set"}</button>
      <span class="hint">admin: seats kept off sale</span>
    </form>`;
}

/** "" today, else "Tomorrow " or "Mon 7 Dec ": the next performances can be days apart. */
function nnDay(iso) {
  const label = dayLabel(iso, new Date(api.now()));
  return label === "Today" ? "" : `${label} `;
}

function NowAndNext() {
  const s = store.useStore();
  const list = s.nowandnext || [];
  return html`
    <section class="nowandnext" aria-label="Now and next">
      <span class="label">Now & next</span>
      ${list.length ? list.map((p) => html`
        <button class="nn" key=${p.id} onClick=${() => choosePerformance(p.id)}>
          <span class="nnname">${p.showname}</span>
          <span class="nnwhen">${nnDay(p.start)}${time(p.start)}</span>
          <${Availability} id=${p.id} status=${p.status} />
          <${Admitted} id=${p.id} />
        </button>`) : s.nowandnext ? html`<span class="empty">nothing soon</span>` : null}
    </section>`;
}

export default {
  servlet: "tickets",
  itemTypes: ["ticket"],
  Side: WhatsOn,
  Main: PerformancePanel,
  Header: NowAndNext,
  start(theApi) { api = theApi; },
  /** Called every few seconds and after every change. */
  async refresh() {
    if (!store.get().programme) await loadProgramme();
    await Promise.all([loadNowAndNext(), refreshCounts()]);
  },
  /** Called less often: the programme itself (new performances, started ones). */
  async reload() { await loadProgramme(); },
  keys(e) {
    if (e.key === "/" ) { e.preventDefault(); document.getElementById("search")?.focus(); return true; }
    if (/^[1-9]$/.test(e.key) && store.get().performanceId) { store.set({ qty: Number(e.key) }); return true; }
    return false;
  },
};
