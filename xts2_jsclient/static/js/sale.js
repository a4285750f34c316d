// The sale: the basket as the server last described it, and every change to it. Panels call
// addItem(); the basket column calls removeItem(); money's payments close the basket by themselves.
// Nothing here changes the basket on screen until the server has answered.

import * as store from "./store.js";
import { pence } from "./format.js";

let api = null;
let refreshers = [];
let lastTouch = 0;
const TOUCH_EVERY_MS = 60000;
let touchEvery = TOUCH_EVERY_MS; // shorter when the basket's expiry is short (the API allows 30 s)
let generation = 0; // counts the basket answers this client has put on screen

export function init(theApi, panelRefreshers) { api = theApi; refreshers = panelRefreshers; }
/** The client's API (for what the receipt prints). */
export function theApi() { return api; }

/** Everything that shows counts or levels asks the server again (after any change we make). */
export async function refreshAll() {
  await Promise.allSettled(refreshers.map((f) => f()));
}

export function say(text, where = "basket", kind = "error") { store.set({ message: { text, where, kind } }); }
export function clearMessage() { if (store.get().message) store.set({ message: null }); }

let queue = Promise.resolve(); // the last change asked for; the next one waits for it

/** Run a change: marks `busy` on the control that started it, turns refusals into messages.
 * Changes run one after another: a second tap while the first is on its way (the first item of
 * a sale, before the basket exists) lands in the same basket, and answers reach the screen in
 * order. */
function change(busy, where, work) {
  queue = queue.then(() => runChange(busy, where, work)); // runChange never rejects
  return queue;
}

async function runChange(busy, where, work) {
  clearMessage();
  const focused = document.activeElement;
  store.set({ busy });
  try {
    return await work();
  } catch (err) {
    if (err.code === "basket_expired") {
      expired();
    } else if (err.code === "unauthorized") {
      say("This terminal's key is no longer accepted. Sign in again.", "global");
    } else {
      say(err.message, where);
    }
    return null;
  } finally {
    store.set({ busy: null });
    // The busy control was disabled, which dropped the keyboard focus: give it back once the
    // control is enabled again (after this redraw), unless the operator has moved on.
    setTimeout(() => {
      if (document.activeElement === document.body && focused?.isConnected) focused.focus();
    });
    refreshAll();
  }
}

/** Make `basket` (a booking opened, say) the one this screen works on. */
export function loadBasket(basket) {
  store.set({ receipt: null, changeDue: 0 });
  setBasket(basket);
}

function setBasket(basket) {
  generation += 1;
  store.set({ basket });
  lastTouch = Date.now();
  const span = basket?.expires ? Date.parse(basket.expires) - api.now() : 0;
  touchEvery = span > 0 ? Math.min(TOUCH_EVERY_MS, Math.max(5000, span / 3)) : TOUCH_EVERY_MS;
}

export function secondsLeft(basket) {
  return basket?.expires ? (Date.parse(basket.expires) - api.now()) / 1000 : null;
}

export function owed() {
  const b = store.get().basket;
  return b ? pence(b.value) : 0;
}

export function items() { return store.get().basket?.item || []; }

async function ensureBasket() {
  const current = store.get().basket;
  if (current && current.state === "open") return current;
  const body = await api.call("baskets/newbasket", {}, { what: "a new basket" });
  setBasket(body.basket);
  return body.basket;
}

/** Add an item of `type` with its `item.*` parameters; the basket is created with the first item. */
export function addItem(type, params, { busy, where, what } = {}) {
  return change(busy || type, where || type, async () => {
    for (let attempt = 1; ; attempt += 1) {
      const basket = await ensureBasket();
      const q = { basket: basket.id, type };
      for (const [k, v] of Object.entries(params)) q[`item.${k}`] = v;
      try {
        const body = await api.call("baskets/additem", q, { what: what || `adding ${type}` });
        setBasket(body.basket);
        return body;
      } catch (err) {
        // An empty basket (its first item was refused) that expired meanwhile: start another.
        if (err.code !== "basket_expired" || attempt > 1 || (basket.item || []).length) throw err;
        store.set({ basket: null });
      }
    }
  });
}

export function removeItem(item) {
  const basket = store.get().basket;
  return change(`remove-${item.id}`, "basket", async () => {
    const body = await api.call("baskets/removeitem", { basket: basket.id, item: item.id },
      { what: `removing ${item.description}` });
    setBasket(body.basket);
  });
}

/** Pay `amount` (pence) with payment type `code`; `change` is what the customer gets back. */
export function pay(code, amount, changeDue = 0) {
  return change(`pay-${code}`, "payment", async () => {
    const basket = store.get().basket;
    const body = await api.call("baskets/additem",
      { basket: basket.id, type: "payment", "item.paymenttype": code, "item.amount": (amount / 100).toFixed(2) },
      { what: `the ${code} payment` });
    setBasket(body.basket);
    if (changeDue > 0) store.set({ changeDue: (store.get().changeDue || 0) + changeDue });
    if (pence(body.basket.value) === 0) await close();
    return body;
  });
}

/** The wiki's rule: when a payment brings the value to 0.00 the client closes the basket. */
async function close() {
  const basket = store.get().basket;
  const body = await api.call("baskets/closebasket", { basket: basket.id }, { what: "closing the sale" });
  store.set({ basket: null, receipt: { basket: body.basket, change: store.get().changeDue || 0 }, changeDue: 0 });
}

export function nextCustomer() {
  store.set({ receipt: null, basket: null, changeDue: 0, message: null, search: "" });
}

/** The basket is gone (its expiry passed): tell the operator, start afresh with the next item. */
export function expired() {
  const b = store.get().basket;
  const had = b && (b.item || []).length > 0;
  store.set({ basket: null, changeDue: 0 });
  if (had) {
    say(`Basket ${b.id} expired: it was left alone too long and its items were released. ` +
        "Nothing was sold. A new basket starts with the next item.", "basket");
  }
}

/** Keep the basket alive while the operator works (at most once a minute, or every third of a
 * shorter expiry). */
export async function touch() {
  const b = store.get().basket;
  if (!b || b.state !== "open" || !b.expires || Date.now() - lastTouch < touchEvery) return;
  lastTouch = Date.now();
  try {
    const body = await api.call("baskets/touchbasket", { basket: b.id }, { what: "keeping the basket" });
    if (store.get().basket?.id === b.id) store.set({ basket: body.basket });
  } catch (err) {
    if (err.code === "basket_expired") expired();
  }
}

/** Called every few seconds: read the open basket again, as something other than this screen
 * (another terminal, a plugin, a script) may have changed it. An answer that a change made here
 * has overtaken meanwhile is dropped. */
export async function reloadBasket() {
  const b = store.get().basket;
  if (!b || b.state !== "open" || store.get().busy) return;
  const seen = generation;
  const current = () => generation === seen && !store.get().busy && store.get().basket?.id === b.id;
  try {
    const body = await api.call("baskets/getbasket", { basket: b.id }, { retry: false });
    if (current()) store.set({ basket: body.basket });
  } catch (err) {
    if (err.code === "basket_expired" && current()) expired();
  }
}

/** Called every second: when the expiry has passed, ask the server whether the basket is gone. */
export async function checkExpiry() {
  const b = store.get().basket;
  if (!b || !b.expires || Date.parse(b.expires) > api.now() || store.get().busy) return;
  try {
    const body = await api.call("baskets/getbasket", { basket: b.id }, { retry: false });
    store.set({ basket: body.basket });
  } catch (err) {
    if (err.code === "basket_expired") expired();
  }
}
