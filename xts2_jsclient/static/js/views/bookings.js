// Bookings: baskets saved under a customer's name (savebasket), with contact details and notes
// kept as the basket's metadata (setmetadata/getmetadata). Find them by name and filters
// (getbaskets, paged), open one to see its items and details, take payment for it on the selling
// screen (the sale closes itself at 0.00), mark it collected, add a note, and move an item to
// another booking (moveitem). Nothing on screen changes until the server has answered; a refusal
// is shown in the server's words next to the control that asked.
//
// Metadata keys (1–64 of A-Za-z0-9_.-) behind the labels on screen: phone, email, collected, note,
// and note.2, note.3, … for the notes added later. Keys set by something else (a venue's website)
// are shown too, under the key itself.

import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { clearMessage, loadBasket, say } from "../sale.js";
import { Message, Section, show } from "../ui.js";
import { day, time } from "../format.js";

const PAGE = 20;

/** What the operator sees ⇄ the metadata key the server keeps it under. */
export const DETAILS = [
  { key: "phone", label: "Phone" },
  { key: "email", label: "Email" },
  { key: "collected", label: "Collected" },
  { key: "note", label: "Note" },
];

let api = null;

/** Whether this till can save bookings (the basket column asks before offering it). */
export function canSave() {
  return Boolean(api && api.has("baskets/savebasket") && api.has("baskets/setmetadata"));
}

/**
 * Save `basket` as a booking under `name`, then each filled detail ({phone, email, note}) as
 * metadata. Resolves to the saved basket; on a refusal rejects with the server's error, with
 * `saved` (the basket, when savebasket itself went through) and `label` (the detail refused).
 */
export async function saveBooking(basket, name, details) {
  const body = await api.call("baskets/savebasket", { basket: basket.id, name },
    { what: "saving the booking" });
  const saved = body.basket;
  for (const { key, label } of DETAILS) {
    const value = (details[key] || "").trim();
    if (!value) continue;
    try {
      await api.call("baskets/setmetadata", { basket: saved.id, key, value },
        { what: `the booking's ${label.toLowerCase()}` });
    } catch (err) {
      err.saved = saved;
      err.label = label;
      throw err;
    }
  }
  return saved;
}

/** The label a metadata key is shown under. */
export function detailLabel(key) {
  const known = DETAILS.find((d) => d.key === key);
  if (known) return known.label;
  const n = /^note\.(\d+)$/.exec(key);
  if (n) return `Note ${n[1]}`;
  const words = key.replace(/[_.-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function detailOrder(key) {
  const i = DETAILS.findIndex((d) => d.key === key);
  if (i >= 0) return [i, 0, key];
  const n = /^note\.(\d+)$/.exec(key);
  if (n) return [DETAILS.length - 1, Number(n[1]), key];
  return [DETAILS.length, 0, key];
}

function sortedDetails(metadata) {
  return Object.entries(metadata || {}).sort(([a], [b]) => {
    const [x, y] = [detailOrder(a), detailOrder(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2].localeCompare(y[2]);
  });
}

/** The key for a note added now: note, then note.2, note.3, … */
function nextNoteKey(metadata) {
  if (!metadata || !("note" in metadata)) return "note";
  let n = 2;
  while (`note.${n}` in metadata) n += 1;
  return `note.${n}`;
}

// -- state: one slice of the store, kept while the operator visits the other screens ------------

const FIRST = { form: { name: "", state: "", tickets: false }, query: null, offset: 0, result: null,
  open: null, busy: null, panel: null };

function bk() { return store.get().bookings || FIRST; }
function set(patch) { store.set({ bookings: { ...bk(), ...patch } }); }

/** Run a request for the control `busy`: refusals become messages at `where`; the focus comes
 * back to the control once it is enabled again. Resolves to the answer, or null. */
async function act(busy, where, work) {
  clearMessage();
  const focused = document.activeElement;
  set({ busy });
  try {
    return await work();
  } catch (err) {
    if (err.code === "unauthorized") say("This terminal's key is no longer accepted. Sign in again.", "global");
    else say(err.message, where);
    return null;
  } finally {
    set({ busy: null });
    setTimeout(() => {
      if (document.activeElement === document.body && focused?.isConnected) focused.focus();
    });
  }
}

function focusSoon(selector) {
  let tries = 0;
  const attempt = () => {
    const el = document.querySelector(selector);
    if (el) el.focus();
    else if ((tries += 1) < 20) setTimeout(attempt, 25);
  };
  setTimeout(attempt);
}

function searchParams(query, offset) {
  // An address with an @ is looked for among the bookings' emails (an online order's too).
  const text = query.name.trim();
  const byEmail = text.includes("@");
  return {
    name: byEmail ? undefined : text || undefined,
    email: byEmail ? text : undefined,
    state: query.state || undefined,
    persistent: true,
    contains: query.tickets ? "ticket" : undefined,
    limit: PAGE,
    offset,
  };
}

async function search(query, offset, busy = "search") {
  const body = await act(busy, "bk-search", () =>
    api.call("baskets/getbaskets", searchParams(query, offset), { retry: false, what: "the bookings" }));
  if (body) {
    set({ query, offset, result: { baskets: body.baskets || [], total: body.total } });
    summarise(body.baskets || []);
  }
  return body;
}

/** What each listed booking holds ("2 × Hamlet Sun 6 Dec 19:30"): getbaskets gives no items, so
 * each basket of the page is read, all at once; a row shows its summary when its answer came. */
function summarise(baskets) {
  for (const b of baskets) {
    api.call("baskets/getbasket", { basket: b.id }, { retry: false }).then((body) => {
      set({ summaries: { ...(bk().summaries || {}), [b.id]: summary(body.basket) } });
    }, () => {});
  }
}

function summary(basket) {
  const parts = new Map();
  let other = 0;
  for (const i of basket.item || []) {
    if (i.ticket && !i.ticket.refund) {
      const key = `${i.ticket.showname} ${day(i.ticket.start)} ${time(i.ticket.start)}`;
      parts.set(key, (parts.get(key) || 0) + i.quantity);
    } else if (i.type !== "payment") {
      other += i.quantity;
    }
  }
  const text = [...parts].map(([what, n]) => `${n} × ${what}`);
  if (other) text.push(`${other} other ${other === 1 ? "item" : "items"}`);
  return text.join("; ") || "nothing";
}

/** The list as it is now on the server (after a change, or on coming back to this screen). */
async function refreshList() {
  const { query, offset } = bk();
  if (!query) return;
  try {
    const body = await api.call("baskets/getbaskets", searchParams(query, offset), { retry: false });
    if (bk().query === query) {
      set({ result: { baskets: body.baskets || [], total: body.total } });
      summarise(body.baskets || []);
    }
  } catch { /* the list stays as it was; the next search says what is wrong */ }
}

async function readBooking(id) {
  const [b, m] = await Promise.all([
    api.call("baskets/getbasket", { basket: id }, { retry: false, what: `booking ${id}` }),
    api.call("baskets/getmetadata", { basket: id }, { retry: false, what: `booking ${id}'s details` }),
  ]);
  return { basket: b.basket, metadata: m.metadata || {} };
}

async function openBooking(id) {
  const open = await act(`open-${id}`, "bk-search", () => readBooking(id));
  if (open) {
    set({ open, panel: null });
    focusSoon("#booking-h");
  }
}

function closeBooking() {
  const id = bk().open?.basket.id;
  clearMessage();
  set({ open: null, panel: null });
  refreshList();
  focusSoon(id ? `#bk-open-${id}` : "#bk-name");
}

// -- item descriptions (as the basket column shows them) ------------------------------------------

function itemKind(item) {
  if (item.type === "payment" && item.payment) return `${item.payment.refund ? "Refund" : "Payment"} · ${item.payment.paymenttypename}`;
  return { ticket: "Ticket", cafe: "Cafe" }[item.type] || item.type.charAt(0).toUpperCase() + item.type.slice(1);
}

function itemWhat(item) {
  if (item.ticket) {
    const t = item.ticket;
    return `${t.showname}, ${day(t.start)} ${time(t.start)}, ${t.tickettypename}`;
  }
  return item.description || item.type;
}

function tickets(basket) {
  return (basket.item || []).filter((i) => i.type === "ticket")
    .reduce((n, i) => n + (i.ticket?.refund ? -i.quantity : i.quantity), 0);
}

function stateWord(basket) { return basket.state === "open" ? "Open" : "Closed"; }

// -- the search form and the list ---------------------------------------------------------------

function SearchForm() {
  const s = bk();
  const f = s.form;
  const setForm = (patch) => set({ form: { ...bk().form, ...patch } });
  const submit = (e) => { e.preventDefault(); search({ ...bk().form }, 0); };
  const busy = s.busy === "search";
  return html`
    <form class="bk-search" role="search" aria-label="Find bookings" onSubmit=${submit}>
      <label class="field bk-name">
        <span>Name contains</span>
        <input id="bk-name" type="search" autocomplete="off" maxlength="100" value=${f.name}
          onInput=${(e) => setForm({ name: e.target.value })} />
      </label>
      <label class="field">
        <span>State</span>
        <select id="bk-state" value=${f.state} onChange=${(e) => setForm({ state: e.target.value })}>
          <option value="">Any</option>
          <option value="open">Open (not yet paid)</option>
          <option value="closed">Closed (paid)</option>
        </select>
      </label>
      ${api.hasServlet("tickets") ? html`
        <label class="bk-check">
          <input type="checkbox" checked=${f.tickets} onChange=${(e) => setForm({ tickets: e.target.checked })} />
          <span>Holds tickets</span>
        </label>` : null}
      <button class="go" type="submit" aria-busy=${busy} disabled=${busy}>${busy ? "Finding…" : "Find"}</button>
    </form>
    <${Message} where="bk-search" />`;
}

function Results() {
  const s = bk();
  const r = s.result;
  if (!r) return s.busy === "search" ? html`<p aria-busy="true">Asking the server…</p>` : null;
  const from = r.total ? s.offset + 1 : 0;
  const to = s.offset + r.baskets.length;
  return html`
    <p class="bk-count" role="status">${r.total
      ? `${from}–${to} of ${r.total} ${r.total === 1 ? "booking" : "bookings"}`
      : "No booking matches."}</p>
    ${r.baskets.length ? html`
      <table class="grid bk-list">
        <caption class="bk-caption">Bookings found, newest first. Choose a name to open the booking.</caption>
        <thead><tr>
          <th scope="col">Booking</th><th scope="col">Name</th><th scope="col">Holds</th><th scope="col">Made</th>
          <th scope="col" class="value">To pay</th><th scope="col">State</th>
        </tr></thead>
        <tbody>
          ${r.baskets.map((b) => {
            const busy = s.busy === `open-${b.id}`;
            return html`
              <tr key=${b.id} class=${`bk-row bk-row-${b.state}`}
                onClick=${(e) => { if (!e.target.closest("button") && !s.busy) openBooking(b.id); }}>
                <td class="bk-id">${b.id}</td>
                <td><button class="bk-open" id=${`bk-open-${b.id}`} aria-busy=${busy} disabled=${busy}
                  onClick=${() => openBooking(b.id)}>${b.name || `Basket ${b.id}`}</button></td>
                <td class="bk-holds">${s.summaries?.[b.id] ?? "…"}</td>
                <td class="when">${day(b.created)} ${time(b.created)}</td>
                <td class="value">${b.value}</td>
                <td><span class=${`bk-state bk-state-${b.state}`}>${stateWord(b)}</span></td>
              </tr>`;
          })}
        </tbody>
      </table>` : null}
    ${r.total > PAGE ? html`
      <div class="actions bk-paging" role="group" aria-label="Pages of results">
        <button class="secondary" disabled=${s.offset === 0 || s.busy === "page"}
          onClick=${() => search(s.query, Math.max(0, s.offset - PAGE), "page")}>← Previous</button>
        <button class="secondary" disabled=${to >= r.total || s.busy === "page"}
          onClick=${() => search(s.query, s.offset + PAGE, "page")}>Next →</button>
      </div>` : null}`;
}

// -- one booking ----------------------------------------------------------------------------------

async function takePayment() {
  const { basket } = bk().open;
  const current = store.get().basket;
  if (current && current.id !== basket.id && current.state === "open" && !current.persistent &&
      (current.item || []).length) {
    say(`The till holds an unfinished sale (basket ${current.id}). Take its payment or save it as a ` +
        "booking first, then take payment for this booking.", "bk-actions");
    return;
  }
  const fresh = await act("pay", "bk-actions", () =>
    api.call("baskets/getbasket", { basket: basket.id }, { retry: false, what: `booking ${basket.id}` }));
  if (!fresh) return;
  set({ open: { ...bk().open, basket: fresh.basket } });
  if (fresh.basket.state !== "open") {
    say(`Booking ${basket.id} is closed already: there is nothing to pay.`, "bk-actions");
    return;
  }
  loadBasket(fresh.basket);
  show("sell");
  focusSoon("#amount");
}

async function setDetail(key, value, busy, where) {
  const id = bk().open.basket.id;
  const params = { basket: id, key };
  if (value !== null) params.value = value;
  const body = await act(busy, where, () =>
    api.call("baskets/setmetadata", params, { what: `booking ${id}'s ${detailLabel(key).toLowerCase()}` }));
  if (body && bk().open?.basket.id === id) set({ open: { ...bk().open, metadata: body.metadata || {} } });
  return body;
}

function NoteForm() {
  const [text, setText] = useState("");
  const busy = bk().busy === "note";
  const submit = async (e) => {
    e.preventDefault();
    const note = text.trim();
    if (!note) { say("Type the note first.", "bk-note"); document.getElementById("bk-note")?.focus(); return; }
    const id = bk().open.basket.id;
    // Read the details again, so that a note another till added meanwhile is not overwritten.
    const now = await act("note", "bk-note", () =>
      api.call("baskets/getmetadata", { basket: id }, { retry: false, what: `booking ${id}'s details` }));
    if (!now) return;
    const body = await setDetail(nextNoteKey(now.metadata), note, "note", "bk-note");
    if (body) {
      set({ panel: null });
      say("Note added.", "bk-actions", "info");
      focusSoon("#bk-addnote");
    }
  };
  return html`
    <form class="form bk-noteform" onSubmit=${submit} aria-label="Add a note">
      <label>
        <span>Note</span>
        <textarea id="bk-note" rows="3" maxlength="4096" value=${text}
          onInput=${(e) => setText(e.target.value)}></textarea>
      </label>
      <div class="actions">
        <button class="go" type="submit" aria-busy=${busy} disabled=${busy}>${busy ? "Saving…" : "Save note"}</button>
        <button class="secondary" type="button" onClick=${() => { clearMessage(); set({ panel: null }); focusSoon("#bk-addnote"); }}>Cancel</button>
      </div>
      <${Message} where="bk-note" />
    </form>`;
}

function MovePanel({ item, from }) {
  const [name, setName] = useState("");
  const [found, setFound] = useState(null);
  const s = bk();
  const where = `bk-move-${item.id}`;
  const find = async (e) => {
    e.preventDefault();
    const body = await act(`find-${item.id}`, where, () => api.call("baskets/getbaskets",
      { name: name.trim() || undefined, state: "open", persistent: true, limit: 10 },
      { retry: false, what: "the bookings" }));
    if (body) setFound({ name: name.trim(), baskets: (body.baskets || []).filter((b) => b.id !== from.id), total: body.total });
  };
  const move = async (to) => {
    const body = await act(`move-${to.id}`, where, () => api.call("baskets/moveitem",
      { item: item.id, to: to.id }, { what: `moving ${itemWhat(item)}` }));
    if (!body) return;
    // Both baskets as the server now has them; the till's own basket too, if it is one of them.
    const [source, target] = [body.from.basket, body.to.basket];
    const current = store.get().basket;
    if (current && !store.get().busy && (current.id === source.id || current.id === target.id)) {
      store.set({ basket: current.id === source.id ? source : target });
    }
    set({ open: { ...bk().open, basket: source }, panel: null });
    refreshList();
    say(`Moved ${item.quantity} × ${itemWhat(item)} to booking ${target.id} (${target.name || "no name"}), ` +
        `which now has ${tickets(target)} ${tickets(target) === 1 ? "ticket" : "tickets"} and owes ${target.value}.`,
    "bk-items", "info");
    focusSoon("#booking-h");
  };
  const busyFind = s.busy === `find-${item.id}`;
  return html`
    <div class="bk-move">
      <form class="bk-movefind" onSubmit=${find} aria-label=${`Move ${itemWhat(item)} to another booking`}>
        <label class="field">
          <span>Move to the booking of (name contains)</span>
          <input id=${`bk-move-name-${item.id}`} type="search" autocomplete="off" maxlength="100"
            value=${name} onInput=${(e) => setName(e.target.value)} />
        </label>
        <button class="secondary" type="submit" aria-busy=${busyFind} disabled=${busyFind}>${busyFind ? "Finding…" : "Find booking"}</button>
        <button class="secondary" type="button"
          onClick=${() => { clearMessage(); set({ panel: null }); focusSoon(`#bk-moveopen-${item.id}`); }}>Cancel</button>
      </form>
      ${found ? html`
        ${found.baskets.length ? html`
          <ul class="bk-targets" aria-label="Open bookings to move it to">
            ${found.baskets.map((b) => {
              const busy = s.busy === `move-${b.id}`;
              return html`<li key=${b.id}><button class="bk-target" aria-busy=${busy} disabled=${busy}
                onClick=${() => move(b)}>${busy ? "Moving…" : html`Move to booking ${b.id} · <strong>${b.name}</strong> <span class="hint">(to pay ${b.value})</span>`}</button></li>`;
            })}
          </ul>` : html`<p class="empty" role="status">No other open booking${found.name ? ` has “${found.name}” in its name` : ""}.</p>`}` : null}
      <${Message} where=${where} />
    </div>`;
}

function Booking() {
  const s = bk();
  const { basket: b, metadata } = s.open;
  const items = b.item || [];
  const details = sortedDetails(metadata);
  const open = b.state === "open";
  const collected = (metadata.collected || "").toLowerCase() === "yes";
  const mine = store.get().terminal?.id;
  const owes = b.value;
  return html`
    <div class="bk-booking">
      <button class="secondary bk-back" onClick=${closeBooking}>← All bookings <kbd>Esc</kbd></button>
      <h3 id="booking-h" tabindex="-1">Booking ${b.id} · ${b.name || "no name"}</h3>
      <p class="bk-meta">
        <span class=${`bk-state bk-state-${b.state}`}>${open ? "Open: not yet paid" : "Closed: paid"}</span>
        ${" "}Made ${day(b.created)} ${time(b.created)}${b.terminal === mine ? " at this till" : ` at till ${b.terminal ?? "—"}`}${
          b.closed ? `; closed ${day(b.closed)} ${time(b.closed)}` : ""}.
        ${" "}<span class="bk-owes">To pay <strong>${owes}</strong></span>
      </p>

      <h4>Contact and notes</h4>
      ${details.length ? html`
        <dl class="facts bk-details">
          ${details.map(([key, value]) => html`<dt key=${`t-${key}`}>${detailLabel(key)}</dt><dd key=${`d-${key}`} class="bk-detail">${key === "collected" && value === "yes" ? "Yes" : value}</dd>`)}
        </dl>` : html`<p class="empty">No phone, email or notes kept for this booking.</p>`}

      <div class="actions bk-actions" role="group" aria-label="What to do with this booking">
        ${open ? html`<button class="go big" id="bk-pay" aria-busy=${s.busy === "pay"} disabled=${s.busy === "pay"}
          onClick=${takePayment}>Take payment${owes !== "0.00" ? ` · ${owes}` : ""}</button>` : null}
        ${collected
          ? html`<button class="secondary" id="bk-collected" aria-busy=${s.busy === "collected"} disabled=${s.busy === "collected"}
              onClick=${() => setDetail("collected", null, "collected", "bk-actions")}>Not collected after all</button>`
          : html`<button class="secondary" id="bk-collected" aria-busy=${s.busy === "collected"} disabled=${s.busy === "collected"}
              onClick=${() => setDetail("collected", "yes", "collected", "bk-actions")}>Mark collected</button>`}
        <button class="secondary" id="bk-addnote" aria-expanded=${s.panel === "note"}
          onClick=${() => { clearMessage(); set({ panel: s.panel === "note" ? null : "note" }); focusSoon("#bk-note"); }}>Add a note</button>
      </div>
      <${Message} where="bk-actions" />
      ${s.panel === "note" ? html`<${NoteForm} />` : null}

      <h4>Items</h4>
      ${items.length ? html`
        <ul class="bk-items" aria-label=${`Items in booking ${b.id}`}>
          ${items.map((i) => html`
            <li key=${i.id} class=${`bk-item item-${i.type}`}>
              <span class="kind">${itemKind(i)}</span>
              <span class="what">${i.type !== "payment" ? `${i.quantity} × ` : ""}${itemWhat(i)}</span>
              <span class="value">${i.value}</span>
              ${open && i.type !== "payment" ? html`
                <button class="secondary bk-moveopen" id=${`bk-moveopen-${i.id}`} aria-expanded=${s.panel === `move-${i.id}`}
                  onClick=${() => { clearMessage(); set({ panel: s.panel === `move-${i.id}` ? null : `move-${i.id}` }); focusSoon(`#bk-move-name-${i.id}`); }}>
                  Move to another booking…</button>` : null}
              ${s.panel === `move-${i.id}` ? html`<${MovePanel} item=${i} from=${b} />` : null}
            </li>`)}
        </ul>` : html`<p class="empty">This booking has no items.</p>`}
      ${!open ? html`<p class="hint">A closed booking's items stay as they were sold; refunds are on the Refunds screen.</p>` : null}
      <${Message} where="bk-items" />
    </div>`;
}

// -- the view -----------------------------------------------------------------------------------

function Bookings() {
  const s = store.useStore().bookings || FIRST;
  useEffect(() => {
    // Coming (back) to this screen: what the server has now.
    const now = bk();
    if (now.open) {
      readBooking(now.open.basket.id).then((open) => { if (bk().open?.basket.id === open.basket.id) set({ open }); }, () => {});
    }
    if (now.query) refreshList();
    else search({ ...now.form }, 0);
    // Esc: close the open form (a note, a move), else go back from a booking to the list.
    const onKey = (e) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      const panel = bk().panel;
      if (panel) {
        e.preventDefault();
        clearMessage();
        set({ panel: null });
        focusSoon(panel === "note" ? "#bk-addnote" : `#bk-moveopen-${panel.slice(5)}`);
        return;
      }
      if (bk().open) { e.preventDefault(); closeBooking(); }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return html`
    <div class="bookings">
      <${Section} id="bookings" title="Bookings">
        ${s.open ? html`<${Booking} />` : html`<${SearchForm} /><${Results} />`}
      <//>
    </div>`;
}

export default {
  id: "bookings",
  title: "Bookings",
  requires: (theApi) => theApi.has("baskets/getbaskets"),
  start(theApi) { api = theApi; },
  View: Bookings,
};
