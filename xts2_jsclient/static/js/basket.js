// The basket column: always on screen. Its items as the server describes them (an item of a type
// this client has no panel for is shown the same way), what is still owed (the biggest number on
// the screen), the expiry counting down, and the receipt once the sale has closed.

import { html } from "../vendor/preact-htm.js";
import * as store from "./store.js";
import { nextCustomer, owed, removeItem, secondsLeft } from "./sale.js";
import { countdown, day, money, pence, time } from "./format.js";
import { Message } from "./ui.js";

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
      <p class="receipt-meta">Basket ${b.id} · ${terminal?.name || ""} · ${day(b.closed)} ${time(b.closed)}</p>
      <ul class="lines">
        ${goods.map((i) => html`<li key=${i.id}><span>${i.quantity} × ${what(i)}</span><span class="value">${i.value}</span></li>`)}
        <li class="total"><span>Total</span><span class="value">${money(total)}</span></li>
        ${payments.map((i) => html`<li key=${i.id}><span>${kind(i)}</span><span class="value">${money(-pence(i.value))}</span></li>`)}
      </ul>
      ${receipt.change > 0 ? html`<p class="change" role="status">Change due <strong>${money(receipt.change)}</strong></p>` : null}
      <div class="receipt-actions">
        <button class="go big" id="next" autofocus onClick=${nextCustomer}>Next customer <kbd>Enter</kbd></button>
        <button class="secondary" onClick=${() => window.print()}>Print receipt</button>
      </div>
    </section>`;
}

export function BasketColumn({ footers }) {
  const s = store.useStore();
  if (s.receipt) return html`<aside class="basketcol" aria-label="Basket"><${Receipt} receipt=${s.receipt} terminal=${s.terminal} /></aside>`;
  const b = s.basket;
  const items = b?.item || [];
  return html`
    <aside class="basketcol" aria-label="Basket">
      <section class="basket" aria-labelledby="basket-h">
        <header class="baskethead">
          <h2 id="basket-h">${items.length ? `Basket ${b.id}` : "New sale"}</h2>
          ${items.length ? html`<${Expiry} basket=${b} />` : null}
        </header>
        ${items.length ? html`<ul class="items" aria-label="Items in the basket">${items.map((i) => html`<${Item} item=${i} busy=${s.busy} />`)}</ul>`
          : html`<p class="empty">The basket is empty. Choose tickets or cafe items: the basket starts with the first one.</p>`}
        <p class="owed" aria-live="polite"><span>To pay</span> <strong id="owed">${money(owed())}</strong></p>
        <${Message} where="basket" />
      </section>
      ${footers.map((F) => html`<${F} />`)}
    </aside>`;
}
