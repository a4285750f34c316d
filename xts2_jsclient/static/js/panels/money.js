// Money: one button per payment type this terminal accepts (F1, F2, …), the amount starting at
// what is owed, split tender, and change for cash tendered above what is owed. When a payment
// brings the basket to 0.00 the sale closes by itself (sale.pay).

import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { owed, pay, say } from "../sale.js";
import { money, pence } from "../format.js";
import { Message } from "../ui.js";

/** Payment types that take notes and coins: tendering more than owed gives change. */
const CASH = new Set(["cash"]);

function types() { return store.get().terminal?.paymenttypes || []; }

export function payWith(pt) {
  const s = store.get();
  const due = owed();
  if (!s.basket || due <= 0) { say("Nothing is owed: add something to the basket first.", "payment"); return; }
  const field = document.getElementById("amount");
  const entered = field && field.value.trim() !== "" ? pence(field.value) : due;
  if (entered === null || entered <= 0) {
    say("Type the amount as pounds and pence, for example 20 or 12.50.", "payment");
    field?.focus();
    return;
  }
  const cash = CASH.has(pt.code);
  if (!cash && entered > due) {
    say(`Only cash can be more than what is owed (${money(due)}): type ${money(due)} or less ` +
        `for ${pt.name}.`, "payment");
    field?.focus();
    return;
  }
  const amount = cash ? Math.min(entered, due) : entered;
  const change = cash ? entered - amount : 0;
  return pay(pt.code, amount, change);
}

function Payment() {
  const s = store.useStore();
  const due = owed();
  const [amount, setAmount] = useState("");
  const [edited, setEdited] = useState(false);
  // The field follows what is owed until the operator types in it.
  useEffect(() => { if (!edited) setAmount(due > 0 ? money(due) : ""); }, [due, edited]);
  useEffect(() => { setEdited(false); }, [s.basket?.value]);
  const list = types();
  if (!s.basket || due <= 0) return null;
  const entered = pence(amount);
  const cashChange = entered !== null && entered > due ? entered - due : 0;
  return html`
    <section class="payment" aria-labelledby="pay-h">
      <h3 id="pay-h">Payment</h3>
      <label class="amount">
        <span>Amount tendered</span>
        <input id="amount" inputmode="decimal" autocomplete="off" value=${amount}
          onInput=${(e) => { setAmount(e.target.value); setEdited(true); }}
          onKeyDown=${(e) => { if (e.key === "Enter" && list.length) { e.preventDefault(); payWith(list[0]); } }} />
      </label>
      ${cashChange > 0 ? html`<p class="change-preview">More than is owed: in cash, change ${money(cashChange)}</p>` : null}
      <div class="paybuttons">
        ${list.map((pt, i) => {
          const busy = s.busy === `pay-${pt.code}`;
          return html`<button class="pay go" key=${pt.code} aria-busy=${busy} disabled=${busy}
            onClick=${() => payWith(pt)}>${busy ? "Paying…" : pt.name}${i < 4 ? html` <kbd>F${i + 1}</kbd>` : null}</button>`;
        })}
        ${!list.length ? html`<p class="empty">This terminal accepts no payment types.</p>` : null}
      </div>
      <${Message} where="payment" />
    </section>`;
}

export default {
  servlet: "money",
  itemTypes: ["payment"],
  BasketFooter: Payment,
  start() {},
  keys(e) {
    const m = /^F([1-4])$/.exec(e.key);
    if (!m) return false;
    const pt = types()[Number(m[1]) - 1];
    if (!pt) return false;
    e.preventDefault();
    payWith(pt);
    return true;
  },
};
