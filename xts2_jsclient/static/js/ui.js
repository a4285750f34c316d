// Small pieces every panel uses.

import { html } from "../vendor/preact-htm.js";
import * as store from "./store.js";

/** The server's words about the last action, shown where it was done, until the next action. */
export function Message({ where }) {
  const m = store.useStore().message;
  if (!m || m.where !== where) return null;
  return html`<p class=${`message message-${m.kind}`} role=${m.kind === "error" ? "alert" : "status"}>
    <span class="icon" aria-hidden="true">${m.kind === "error" ? "⚠" : "ℹ"}</span> ${m.text}</p>`;
}

/** ↑ and ↓ move the focus through a list of buttons. */
export function moveFocus(e, selector) {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const all = [...document.querySelectorAll(selector)];
  const i = all.indexOf(document.activeElement);
  if (i < 0) return;
  e.preventDefault();
  all[Math.max(0, Math.min(all.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))].focus();
}

/** Show a view ("sell", "bookings", …): the navigation's job; a view may also lead to another
 * (a booking opened for payment goes to "sell"). The basket column stays as it is. */
export function show(view) {
  store.set({ view, message: null });
}

/** A section's heading and, under it, what the server said about the last action there. */
export function Section({ id, title, children, where }) {
  return html`<section class="panel" id=${id} aria-labelledby=${`${id}-h`}>
    <h2 id=${`${id}-h`}>${title}</h2>
    ${children}
    ${where ? html`<${Message} where=${where} />` : null}
  </section>`;
}
