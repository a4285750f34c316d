// Refunds: find a closed sale (by the basket number on its receipt, or by the name it was saved
// under), pick what to give back, and build the refund the API defines: a new basket holding
// anti-tickets / returned cafe items that name what they reverse (item.refundof), and a refund
// payment of a type this terminal accepts, or back to the card of an online order; it closes at
// 0.00 and a refund receipt is shown. The
// original sale stays as it was. What can no longer be refunded is shown from the server's counts
// (refunded, refunding) and, when it refuses, in its own words.

import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { Section } from "../ui.js";
import { day, money, pence, time } from "../format.js";

let api = null;

/** The item types a refund can name, and their detail element. */
const RETURNABLE = { ticket: "ticket", cafe: "cafe" };

function detail(item) { return item[RETURNABLE[item.type]] || {}; }

/** A sale line that can be given back (not a refund itself). */
function returnable(item) { return RETURNABLE[item.type] && !detail(item).refund; }

/** How many of the line were refunded already or are waiting in another refund. */
function gone(item) { const d = detail(item); return (d.refunded || 0) + (d.refunding || 0); }

function left(item) { return Math.max(0, item.quantity - gone(item)); }

function what(item) {
  const t = item.ticket;
  if (t) return `${t.showname}, ${day(t.start)} ${time(t.start)}, ${t.tickettypename}`;
  return item.description;
}

function unit(item) { return pence(item.unitprice); }

function Finder({ onFound, busy, setBusy }) {
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const [matches, setMatches] = useState(null);
  async function open(id) {
    setBusy(true); setError("");
    try {
      const body = await api.call("baskets/getbasket", { basket: id }, { retry: false });
      if (body.basket.state !== "closed") {
        setError(`Basket ${id} is still open: only a closed sale can be refunded (finish or remove it on the Sell screen).`);
      } else { setMatches(null); onFound(body.basket); }
    } catch (err) { setError(err.message); }
    setBusy(false);
  }
  async function find(e) {
    e.preventDefault();
    const q = text.trim();
    if (!q) { setError("Type the basket number from the receipt, or the name the sale was saved under."); return; }
    if (/^\d+$/.test(q)) { open(q); return; }
    setBusy(true); setError("");
    try {
      const body = await api.call("baskets/getbaskets", { name: q, state: "closed", limit: 20 }, { retry: false });
      const found = body.baskets || [];
      setMatches(found);
      if (!found.length) setError(`No closed sale is saved under a name containing “${q}”.`);
    } catch (err) { setError(err.message); }
    setBusy(false);
  }
  return html`
    <form class="refund-find" onSubmit=${find}>
      <label class="field"><span>Basket number (on the receipt) or name</span>
        <input id="refund-find" value=${text} autocomplete="off" onInput=${(e) => setText(e.target.value)} /></label>
      <button class="go" type="submit" disabled=${busy}>Find sale</button>
    </form>
    ${error ? html`<p class="message message-error" role="alert">${error}</p>` : null}
    ${matches && matches.length ? html`
      <ul class="refund-matches" aria-label="Closed sales found">
        ${matches.map((b) => html`<li key=${b.id}><button class="secondary" onClick=${() => open(b.id)}>
          Basket ${b.id} · ${b.name} · ${day(b.closed)} ${time(b.closed)} · ${b.value}</button></li>`)}
      </ul>` : null}`;
}

/** Ways to pay back: this terminal's payment types, and first, when the sale was paid online
 * (a payment type this terminal does not take, such as a card on the website), back the way it
 * came: the refund payment names that payment (item.refundof) and the server gives the money
 * back to the card, recording it only once the payment service has made the refund. */
function payBackOptions(basket, types) {
  const options = types.map((t) => ({ key: t.code, code: t.code, name: t.name }));
  const online = (basket.item || []).find((i) => i.type === "payment" && !i.payment?.refund
    && !types.some((t) => t.code === i.payment?.paymenttype));
  if (online) {
    options.unshift({ key: `back-${online.id}`, code: online.payment.paymenttype, refundof: online.id,
      name: `Back to the card: ${online.payment.paymenttypename || online.payment.paymenttype}` });
  }
  return options;
}

function Pick({ basket, onDone, onCancel }) {
  const s = store.useStore();
  const types = s.terminal?.paymenttypes || [];
  const lines = (basket.item || []).filter(returnable);
  const paidWith = (basket.item || []).find((i) => i.type === "payment" && !i.payment?.refund)?.payment?.paymenttype;
  const options = payBackOptions(basket, types);
  const [qty, setQty] = useState({});
  const [code, setCode] = useState(options[0]?.refundof ? options[0].key
    : types.some((t) => t.code === paidWith) ? paidWith : types[0]?.code || "");
  const way = options.find((o) => o.key === code);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const chosen = lines.filter((i) => (qty[i.id] || 0) > 0);
  const total = chosen.reduce((sum, i) => sum + unit(i) * qty[i.id], 0);
  const set = (item, n) => setQty({ ...qty, [item.id]: Math.max(0, Math.min(left(item), n)) });

  async function refund() {
    setBusy(true); setError("");
    let refundBasket = null;
    const added = [];
    try {
      refundBasket = (await api.call("baskets/newbasket", {}, { what: "a refund basket" })).basket;
      let body = null;
      for (const item of chosen) {
        body = await api.call("baskets/additem", { basket: refundBasket.id, type: item.type,
          "item.refundof": item.id, "item.quantity": qty[item.id] }, { what: `the refund of ${what(item)}` });
        added.push(body.item.id);
      }
      const owedBack = -pence(body.basket.value);
      const pay = { basket: refundBasket.id, type: "payment", "item.paymenttype": way.code,
        "item.amount": money(owedBack), "item.refund": "true" };
      if (way.refundof) pay["item.refundof"] = way.refundof;
      await api.call("baskets/additem", pay, { what: way.refundof ? "the refund to the card" : "the refund payment" });
      const closed = await api.call("baskets/closebasket", { basket: refundBasket.id }, { what: "closing the refund" });
      onDone({ basket: closed.basket, of: basket, paidWith: way });
    } catch (err) {
      setError(err.message);
      // Nothing was paid back: take the refund lines out again, so they do not wait.
      for (const id of added.reverse()) {
        try { await api.call("baskets/removeitem", { basket: refundBasket.id, item: id }); } catch { /* it expires */ }
      }
      try {
        const again = await api.call("baskets/getbasket", { basket: basket.id }, { retry: false });
        onDone(null, again.basket);
      } catch { /* keep what is shown */ }
    }
    setBusy(false);
  }

  return html`
    <div class="refund-pick">
      <p class="refund-of">Sale: basket <strong>${basket.id}</strong>${basket.name ? ` · ${basket.name}` : ""} · closed ${day(basket.closed)} ${time(basket.closed)}</p>
      ${lines.length ? html`
      <table class="grid refund-lines">
        <caption>Pick what is given back</caption>
        <thead><tr><th scope="col">Item</th><th scope="col" class="value">Sold</th><th scope="col" class="value">Price each</th><th scope="col">Already refunded</th><th scope="col">Give back</th></tr></thead>
        <tbody>${lines.map((item) => {
          const n = left(item);
          const d = detail(item);
          const label = `Give back how many of ${what(item)}`;
          return html`<tr key=${item.id} class=${n ? "" : "refund-none"}>
            <td>${what(item)} <span class="itemno">item ${item.id}</span></td>
            <td class="value">${item.quantity}</td>
            <td class="value">${item.unitprice}</td>
            <td>${gone(item) === 0 ? "—" : html`${d.refunded ? `${d.refunded} refunded` : ""}${d.refunded && d.refunding ? ", " : ""}${d.refunding ? `${d.refunding} waiting in another refund` : ""}`}</td>
            <td>${n ? html`<span class="stepper">
                <button class="secondary" aria-label=${`One fewer of ${what(item)}`} disabled=${!qty[item.id]} onClick=${() => set(item, (qty[item.id] || 0) - 1)}>−</button>
                <input type="number" min="0" max=${n} aria-label=${label} value=${qty[item.id] || 0}
                  onInput=${(e) => set(item, parseInt(e.target.value || "0", 10) || 0)} />
                <button class="secondary" aria-label=${`One more of ${what(item)}`} disabled=${(qty[item.id] || 0) >= n} onClick=${() => set(item, (qty[item.id] || 0) + 1)}>+</button>
                <span class="of">of ${n} left</span></span>`
              : html`<strong class="refund-done">Nothing left to refund</strong>`}</td>
          </tr>`;
        })}</tbody>
      </table>` : html`<p>This sale holds nothing that can be given back.</p>`}
      <div class="refund-pay">
        <label class="field"><span>Pay back by</span>
          <select id="refund-paymenttype" value=${code} onChange=${(e) => setCode(e.target.value)}>
            ${options.map((o) => html`<option key=${o.key} value=${o.key}>${o.name}</option>`)}
          </select></label>
        <p class="refund-total">To pay back <strong id="refund-total">${money(total)}</strong></p>
        ${way?.refundof ? html`<p class="hint" id="refund-card-hint">The money goes back to the card the customer paid with online; it is recorded once the card payment service has made the refund.</p>` : null}
        <button class="go" id="refund-go" disabled=${busy || !chosen.length || !way} aria-busy=${busy} onClick=${refund}>
          ${chosen.length ? `Refund ${money(total)}` : "Pick something to refund"}</button>
        <button class="secondary" onClick=${onCancel} disabled=${busy}>Another sale</button>
      </div>
      ${error ? html`<p class="message message-error" role="alert" id="refund-error"><span class="icon" aria-hidden="true">⚠</span> ${error}</p>` : null}
    </div>`;
}

function RefundReceipt({ receipt, onNext }) {
  const s = store.useStore();
  const b = receipt.basket;
  const lines = (b.item || []).filter((i) => i.type !== "payment");
  const payments = (b.item || []).filter((i) => i.type === "payment");
  const back = payments.reduce((sum, i) => sum + pence(i.value), 0);
  useEffect(() => { document.getElementById("refund-next")?.focus(); }, [b.id]);
  return html`
    <section class="receipt refund-receipt" id="refund-receipt" aria-labelledby="refund-receipt-h">
      <h3 id="refund-receipt-h">Refund complete</h3>
      <p class="receipt-meta">Refund basket ${b.id} · of sale ${receipt.of.id} · ${s.terminal?.name || ""} · ${day(b.closed)} ${time(b.closed)}</p>
      <ul class="lines">
        ${lines.map((i) => html`<li key=${i.id}><span>Returned ${i.quantity} × ${what(i)}</span><span>${money(-pence(i.value))}</span></li>`)}
        ${payments.map((i) => html`<li key=${i.id}><span>Paid back ${i.payment?.refundof ? "to the card" : "by"} ${i.payment?.paymenttypename || i.description}${i.payment?.reference ? html` <span class="itemno">(${i.payment.reference})</span>` : null}</span><span>${i.value}</span></li>`)}
        <li class="total"><span>Total refunded</span><span>${money(back)}</span></li>
      </ul>
      <div class="receipt-actions">
        <button class="go" id="refund-next" onClick=${onNext}>Next refund</button>
        <button class="secondary" onClick=${() => window.print()}>Print refund receipt</button>
      </div>
    </section>`;
}

function Refunds() {
  const [basket, setBasket] = useState(null);
  const [receipt, setReceipt] = useState(null);
  const [busy, setBusy] = useState(false);
  const restart = () => { setBasket(null); setReceipt(null); setTimeout(() => document.getElementById("refund-find")?.focus(), 0); };
  return html`
    <${Section} id="refunds" title="Refunds">
      <p class="hint refund-hint">A refund is a new sale that gives tickets, items and money back, and leaves the original sale as it was; an administrator reopening a basket changes the original sale itself.</p>
      ${receipt ? html`<${RefundReceipt} receipt=${receipt} onNext=${restart} />`
        : basket ? html`<${Pick} key=${basket.id} basket=${basket} onCancel=${restart}
            onDone=${(done, fresh) => { if (done) setReceipt(done); else if (fresh) setBasket(fresh); }} />`
        : html`<${Finder} onFound=${setBasket} busy=${busy} setBusy=${setBusy} />`}
    <//>`;
}

export default {
  id: "refunds",
  title: "Refunds",
  requires: (theApi) => theApi.has("money/getpaymenttypes"),
  start(theApi) { api = theApi; },
  View: Refunds,
};
