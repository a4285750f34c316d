// Print tickets: after a sale, the receipt offers the sale's tickets, one a page, each with its QR
// code and its code beneath, the show, the performance, the ticket type, the price and the venue.
// The paper is A4 or an 80 mm receipt roll (chosen beside the button, remembered by this
// terminal's browser); tickets.css sizes the pages with CSS named pages.
//
// The server gives the tickets (tickets/gettickets with qr=true: each code's QR code as SVG path
// data), so the client draws them with no QR library of its own.

import { html, useState } from "../vendor/preact-htm.js";
import * as store from "./store.js";
import { day, money, pence, time } from "./format.js";

const PAPER_STORE = "xts2.ticketpaper";
export const PAPERS = { a4: "A4", roll: "80 mm roll" };

export function paper() {
  const p = localStorage.getItem(PAPER_STORE);
  return p in PAPERS ? p : "a4";
}

/** The sale's tickets have codes: there is something to print. */
export function hasTickets(basket) {
  return (basket.item || []).some((i) => i.type === "ticket" && (i.ticket?.code || []).length > 0);
}

function grouped(code) { return code.match(/.{1,4}/g).join("-"); }

/** Fetch the basket's tickets, draw them for print, print, and take them away after. */
export async function printTickets(api, basketId, size) {
  const body = await api.call("tickets/gettickets", { basket: basketId, qr: true }, { what: "the tickets" });
  const t = body.tickets;
  store.set({ ticketprint: { size, basket: t.basket, venue: t.venue, tickets: t.ticket || [] } });
  // Two frames: the tickets are drawn before the print dialog copies the page.
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const done = () => { window.removeEventListener("afterprint", done); store.set({ ticketprint: null }); };
  window.addEventListener("afterprint", done);
  window.print();
}

function Ticket({ t, basket, venue }) {
  return html`
    <article class="ticket" aria-label=${`Ticket ${grouped(t.code)}`}>
      ${venue ? html`<p class="t-venue">${venue}</p>` : null}
      <h3 class="t-show">${t.showname}</h3>
      <p class="t-when">${day(t.start)} ${time(t.start)}</p>
      <p class="t-type">${t.tickettypename} · ${money(pence(t.price))}</p>
      <svg class="t-qr" viewBox=${`0 0 ${t.qrsize} ${t.qrsize}`} role="img" aria-label=${`QR code ${grouped(t.code)}`}
        shape-rendering="crispEdges"><rect width=${t.qrsize} height=${t.qrsize} fill="#fff" /><path d=${t.qrpath} fill="#000" /></svg>
      <p class="t-code">${grouped(t.code)}</p>
      <p class="t-note">${t.of > 1 ? `Ticket ${t.number} of ${t.of} · ` : ""}Basket ${basket}</p>
    </article>`;
}

/** The tickets drawn for print (hidden on screen). */
export function TicketPrint({ p }) {
  return html`
    <section class=${`ticketprint size-${p.size}`} aria-hidden="true">
      ${p.tickets.map((t) => html`<${Ticket} key=${t.code} t=${t} basket=${p.basket} venue=${p.venue} />`)}
    </section>`;
}

/** "Print tickets" and its paper, beside "Print receipt". */
export function PrintTicketsButton({ api, basket, onError }) {
  const [size, setSize] = useState(paper());
  const [busy, setBusy] = useState(false);
  const choose = (e) => { setSize(e.target.value); localStorage.setItem(PAPER_STORE, e.target.value); };
  const print = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await printTickets(api, basket.id, size);
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <button class="secondary" id="print-tickets" aria-busy=${busy} disabled=${busy} onClick=${print}>Print tickets</button>
    <label class="paper"><span>Paper</span>
      <select id="ticket-paper" value=${size} onChange=${choose}>
        ${Object.entries(PAPERS).map(([k, label]) => html`<option value=${k} selected=${k === size}>${label}</option>`)}
      </select></label>`;
}
