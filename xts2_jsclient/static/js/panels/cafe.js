// Cafe: the stock by category; one click (or Enter) adds one.

import { html } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { addItem } from "../sale.js";
import { Message, moveFocus } from "../ui.js";

let api = null;

async function loadStock() {
  const body = await api.call("cafe/getstock", {}, { retry: false });
  store.set({ stock: body.stock || [] });
}

function level(item) {
  if (item.available === undefined || item.available === null) return "";
  return item.available > 0 ? `${item.available} left` : "sold out";
}

function CafePanel() {
  const s = store.useStore();
  const categories = new Map();
  for (const item of s.stock || []) {
    if (!categories.has(item.category)) categories.set(item.category, []);
    categories.get(item.category).push(item);
  }
  return html`
    <section class="panel" id="cafe" aria-labelledby="cafe-h">
      <h2 id="cafe-h">Cafe</h2>
      ${s.stock && !s.stock.length ? html`<p class="empty">Nothing on sale at the cafe.</p>` : null}
      <div onKeyDown=${(e) => moveFocus(e, "#cafe button.stock")}>
        ${[...categories].map(([category, items]) => html`
          <h3 class="category">${category}</h3>
          <ul class="tiles">
            ${items.map((item) => {
              const busy = s.busy === `stock-${item.id}`;
              const lvl = level(item);
              return html`
                <li key=${item.id}>
                  <button class=${`stock tile${item.available === 0 ? " out" : ""}`} aria-busy=${busy} disabled=${busy}
                    onClick=${() => addItem("cafe", { stock: item.id, quantity: 1 },
                      { busy: `stock-${item.id}`, where: "cafe", what: item.name })}>
                    <span class="name">${busy ? "Adding…" : item.name}</span>
                    <span class="price">${item.price}</span>
                    ${lvl ? html`<span class=${`level${item.available === 0 ? " avail-soldout" : ""}`}>${lvl}</span>` : null}
                  </button>
                </li>`;
            })}
          </ul>`)}
      </div>
      <${Message} where="cafe" />
    </section>`;
}

export default {
  servlet: "cafe",
  itemTypes: ["cafe"],
  Main: CafePanel,
  start(theApi) { api = theApi; },
  async refresh() { await loadStock(); },
};
