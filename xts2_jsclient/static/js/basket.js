// The basket column: always on screen. Its items as the server describes them (an item of a type
// this client has no panel for is shown the same way), what is still owed (the biggest number on
// the screen), the expiry counting down, and the receipt once the sale has closed.

import { html, useState } from "../vendor/preact-htm.js";
import * as store from "./store.js";
import { clearMessage, loadBasket, nextCustomer, owed, removeItem, say, secondsLeft, theApi } from "./sale.js";
import { countdown, day, money, pence, time } from "./format.js";
import { Message } from "./ui.js";
import { canSave, saveBooking } from "./views/bookings.js";
import { PrintTicketsButton, TicketPrint, hasTickets } from "./tickets.js";

const KINDS = { ticket: "Ticket", cafe: "Cafe", payment: "Payment" };

function kind(item) {
  if (item.type === "payment" && item.payment) return `${item.payment.refund ? "Refund" : "Payment"} · ${item.payment.paymenttypename}`;
  return KINDS[item.type] || item.type.charAt(0).toUpperCase() + item.type.slice(1);
}

function what(item) {
  if (item.ticket) {
    const t = item.ticket;
    return `${t.showname}, ${day(t.start)} ${time(t.start)}, ${t.tickettypename}`;
  }
  return item.description || item.type;
}

function Item({ item, busy }) {
  const isBusy = busy === `remove-${item.id}`;
  return html`
    <li class=${`item item-${item.type}`} key=${item.id}>
      <span class="kind">${kind(item)}</span>
      <span class="what">${item.type !== "payment" ? `${item.quantity} × ` : ""}${what(item)}</span>
      <span class="value">${item.value}</span>
      <button class="remove" aria-label=${`Remove ${what(item)}`} title="Remove" aria-busy=${isBusy}
        disabled=${isBusy} onClick=${() => removeItem(item)}>×</button>
    </li>`;
}

function Expiry({ basket }) {
  store.useStore(); // redrawn by the one-second tick
  if (!basket.expires) return html`<span class="expiry">kept until closed</span>`;
  const left = secondsLeft(basket);
  const soon = left < 120;
  return html`<span class=${`expiry${soon ? " soon" : ""}`}>${soon ? "expires soon: " : "expires in "}${countdown(left)}</span>`;
}

function Receipt({ receipt, terminal }) {
  const b = receipt.basket;
  const items = b.item || [];
  const goods = items.filter((i) => i.type !== "payment");
  const payments = items.filter((i) => i.type === "payment");
  const total = goods.reduce((sum, i) => sum + pence(i.value), 0);
  return html`
    <section id="receipt" class="receipt" aria-labelledby="receipt-h">
      <h2 id="receipt-h">Sale complete</h2>
      <p class="receipt-meta">Basket ${b.id} · ${b.name ? `${b.name} · ` : ""}${terminal?.name || ""} · ${day(b.closed)} ${time(b.closed)}</p>
      <ul class="lines">
        ${goods.map((i) => html`<li key=${i.id}><span>${i.quantity} × ${what(i)}</span><span class="value">${i.value}</span></li>`)}
        <li class="total"><span>Total</span><span class="value">${money(total)}</span></li>
        ${payments.map((i) => html`<li key=${i.id}><span>${kind(i)}</span><span class="value">${money(-pence(i.value))}</span></li>`)}
      </ul>
      ${receipt.change > 0 ? html`<p class="change" role="status">Change due <strong>${money(receipt.change)}</strong></p>` : null}
      <div class="receipt-actions">
        <button class="go big" id="next" autofocus onClick=${nextCustomer}>Next customer <kbd>Enter</kbd></button>
        <button class="secondary" onClick=${() => window.print()}>Print receipt</button>
        ${hasTickets(b) && theApi()?.has("tickets/gettickets") ? html`<${PrintTicketsButton} api=${theApi()} basket=${b}
          onError=${(err) => say(`The tickets could not be printed: ${err.message}`, "receipt")} />` : null}
      </div>
      <${Message} where="receipt" />
    </section>`;
}

const EMPTY_BOOKING = { name: "", phone: "", email: "", note: "" };

/** "Save as booking…": a name (required) and, if the customer gives them, a phone number, an
 * email address and a note. savebasket, then setmetadata for each filled field; then a fresh sale
 * starts and the booking waits on the Bookings screen. */
function SaveBooking({ basket, onClose }) {
  const s = store.useStore();
  const [f, setF] = useState(EMPTY_BOOKING);
  const busy = s.busy === "savebooking";
  const field = (key) => (e) => setF({ ...f, [key]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    if (store.get().busy) return;
    const name = f.name.trim();
    if (!name) {
      say("Type the customer's name: the booking is found by it.", "savebooking");
      document.getElementById("booking-name")?.focus();
      return;
    }
    clearMessage();
    store.set({ busy: "savebooking" }); // also holds the basket's own re-reading off meanwhile
    try {
      const saved = await saveBooking(basket, name, f);
      onClose();
      nextCustomer();
      say(`Saved as booking ${saved.id} for ${saved.name}`, "basket", "info");
    } catch (err) {
      if (err.saved) {
        loadBasket(err.saved); // it is a booking now: the header shows its name
        say(`Saved as booking ${err.saved.id} for ${err.saved.name}, but the ${err.label.toLowerCase()} ` +
            `was not kept: ${err.message}`, "savebooking");
      } else if (err.code === "unauthorized") {
        say("This terminal's key is no longer accepted. Sign in again.", "global");
      } else {
        say(err.message, "savebooking");
      }
    } finally {
      store.set({ busy: null });
    }
  };
  const cancel = () => { clearMessage(); onClose(); setTimeout(() => document.getElementById("save-booking")?.focus()); };
  return html`
    <form class="form savebooking" aria-labelledby="savebooking-h" noValidate onSubmit=${submit}
      onKeyDown=${(e) => { if (e.key === "Escape") { e.stopPropagation(); cancel(); } }}>
      <h3 id="savebooking-h">Save as a booking</h3>
      <label><span>Name (required)</span>
        <input id="booking-name" autocomplete="off" maxlength="100" required aria-required="true"
          value=${f.name} onInput=${field("name")} /></label>
      <label><span>Phone</span>
        <input id="booking-phone" type="tel" autocomplete="off" maxlength="100" value=${f.phone} onInput=${field("phone")} /></label>
      <label><span>Email</span>
        <input id="booking-email" type="email" autocomplete="off" maxlength="254" value=${f.email} onInput=${field("email")} /></label>
      <label><span>Note</span>
        <textarea id="booking-note" rows="2" maxlength="4096" value=${f.note} onInput=${field("note")}></textarea></label>
      <div class="actions">
        <button class="go" type="submit" aria-busy=${busy} disabled=${busy}>${busy ? "Saving…" : "Save booking"}</button>
        <button class="secondary" type="button" onClick=${cancel}>Cancel</button>
      </div>
      <${Message} where="savebooking" />
    </form>`;
}

export function BasketColumn({ footers }) {
  const s = store.useStore();
  const [saving, setSaving] = useState(null); // the basket whose "Save as booking" form is open
  if (s.receipt) {
    return html`<aside class="basketcol" aria-label="Basket"><${Receipt} receipt=${s.receipt} terminal=${s.terminal} />
      ${s.ticketprint ? html`<${TicketPrint} p=${s.ticketprint} />` : null}</aside>`;
  }
  const b = s.basket;
  const items = b?.item || [];
  const savable = items.length > 0 && b.state === "open" && !b.persistent && canSave();
  // The form stays while its basket is on screen (a detail refused after the name was saved).
  const formOpen = saving !== null && saving === b?.id && items.length > 0 && b.state === "open";
  return html`
    <aside class="basketcol" aria-label="Basket">
      <section class="basket" aria-labelledby="basket-h">
        <header class="baskethead">
          <h2 id="basket-h">${items.length ? `Basket ${b.id}` : "New sale"}</h2>
          ${items.length ? html`<${Expiry} basket=${b} />` : null}
          ${b?.name ? html`<p class="bookingname">Booking for <strong>${b.name}</strong></p>` : null}
          ${items.length && b.persistent && b.state === "open" ? html`<button class="secondary aside" id="put-aside"
            onClick=${() => { nextCustomer(); say(`Booking ${b.id} for ${b.name || "no name"} is kept on the Bookings screen; a new sale starts.`, "basket", "info"); }}>Put booking aside</button>` : null}
        </header>
        ${items.length ? html`<ul class="items" aria-label="Items in the basket">${items.map((i) => html`<${Item} item=${i} busy=${s.busy} />`)}</ul>`
          : html`<p class="empty">The basket is empty. Choose tickets or cafe items: the basket starts with the first one.</p>`}
        <p class="owed" aria-live="polite"><span>To pay</span> <strong id="owed">${money(owed())}</strong></p>
        ${savable && !formOpen ? html`<button class="secondary savebtn" id="save-booking"
          onClick=${() => { clearMessage(); setSaving(b.id); setTimeout(() => document.getElementById("booking-name")?.focus()); }}>Save as booking…</button>` : null}
        ${formOpen ? html`<${SaveBooking} basket=${b} onClose=${() => setSaving(null)} />` : null}
        <${Message} where="basket" />
      </section>
      ${footers.map((F) => html`<${F} />`)}
    </aside>`;
}
