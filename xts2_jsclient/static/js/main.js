// The shell: sign-in, the layout, the basket, and one panel per installed provider. It reads
// GET /v2 and mounts the tickets, cafe and money panels only when their servlet is installed.
// Besides selling, the views (bookings, refunds, cash-up, admin, about) each come from a module of
// their own, shown when what they need is installed; the basket column stays on every view.

import { html, render, useEffect } from "../vendor/preact-htm.js";
import { Api } from "./api.js";
import * as store from "./store.js";
import * as sale from "./sale.js";
import { BasketColumn } from "./basket.js";
import { setTimeZone } from "./format.js";
import { Message, show } from "./ui.js";
import tickets from "./panels/tickets.js";
import cafe from "./panels/cafe.js";
import money from "./panels/money.js";
import generic from "./panels/generic.js";
import { loadPluginPanels } from "./plugins.js";
import bookings from "./views/bookings.js";
import refunds from "./views/refunds.js";
import cashup from "./views/cashup.js";
import admin from "./views/admin.js";
import about from "./views/about.js";
import door from "./views/door.js";

const PANELS = [tickets, cafe, money];
/** The views beside selling, in the order of the navigation; each says what it needs. */
const VIEWS = [bookings, refunds, cashup, door, admin, about];
const REFRESH_MS = 4000;
const RELOAD_MS = 60000;

const api = new Api({ onRetry: (retrying) => store.set({ retrying }) });
let panels = [];
let views = [];
let timers = [];

async function start() {
  store.reset({ screen: "loading" });
  try {
    // Signing in needs nothing from the server until the key is given.
    if (!api.signedIn) { store.set({ screen: "signin" }); return; }
    // Both at once: what is installed, and who this terminal is.
    const [, body] = await Promise.all([
      api.loadIndex(), api.call("xts/getterminal", {}, { retry: true, what: "this terminal" })]);
    setTimeZone(body.terminal.timezone);
    panels = PANELS.filter((p) => api.hasServlet(p.servlet));
    for (const p of panels) p.start(api);
    // Then the panels plugins ship, and a form for any item type no panel offers.
    panels.push(...await loadPluginPanels(api));
    if (generic.requires(api)) {
      generic.start(api, panels.flatMap((p) => p.itemTypes || []));
      panels.push(generic);
      generic.reload();
    }
    views = VIEWS.filter((v) => v.requires(api));
    for (const v of views) v.start?.(api);
    sale.init(api, panels.filter((p) => p.refresh).map((p) => () => p.refresh()));
    store.set({ screen: "sell", view: "sell", terminal: body.terminal, qty: 1 });
    sale.refreshAll();
    timers.forEach(clearInterval);
    timers = [
      setInterval(() => { sale.refreshAll(); sale.reloadBasket(); }, REFRESH_MS),
      setInterval(() => panels.forEach((p) => p.reload?.()), RELOAD_MS),
      setInterval(() => { store.set({ tick: Date.now() }); sale.checkExpiry(); }, 1000),
    ];
  } catch (err) {
    if (err.code === "unauthorized") {
      api.setKey("");
      store.set({ screen: "signin", signinError: "That key is not a terminal key of this box office (or it was revoked)." });
    } else {
      store.set({ screen: "signin", signinError: err.message });
    }
  }
}

function signOut() {
  timers.forEach(clearInterval);
  timers = [];
  api.setKey("");
  api.lock();
  store.reset({ screen: "signin" });
}

function SignIn() {
  const s = store.useStore();
  const submit = (e) => {
    e.preventDefault();
    const key = e.target.elements.key.value.trim();
    if (!key) { store.set({ signinError: "Type or paste this terminal's key." }); return; }
    api.setKey(key);
    start();
  };
  return html`
    <main class="signin">
      <h1>XTS2 box office</h1>
      <form onSubmit=${submit}>
        <label for="key">Terminal key</label>
        <input id="key" name="key" type="password" autocomplete="off" autofocus
          aria-describedby=${s.signinError ? "signin-error" : "key-help"} />
        <p id="key-help" class="hint">The key your administrator gave this till (<code>xts2 terminal add</code>). It is kept in this browser until you sign out.</p>
        ${s.signinError ? html`<p id="signin-error" class="message message-error" role="alert">${s.signinError}</p>` : null}
        <button class="go big" type="submit">Sign in</button>
      </form>
    </main>`;
}

function RetryBanner() {
  const r = store.useStore().retrying;
  if (!r) return null;
  return html`<div class="retrying" role="status">
    <span>No answer from the server — retrying ${r.what} (attempt ${r.attempt})… It will happen once, however many tries it takes.</span>
    <button class="secondary" onClick=${() => r.giveUp()}>Give up</button></div>`;
}

function onKey(e) {
  if (store.get().screen !== "sell" || store.get().view !== "sell") return;
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
  if (store.get().receipt && (e.key === "Enter" && e.ctrlKey || e.key === "Enter" && !typing && e.target.id !== "next" && e.target.tagName !== "BUTTON")) {
    e.preventDefault(); sale.nextCustomer(); return;
  }
  if (e.key === "Escape") { sale.clearMessage(); if (!typing) store.set({ search: "" }); return; }
  for (const p of panels) {
    if (!p.keys) continue;
    if (typing && !/^F\d$/.test(e.key)) continue;
    if (p.keys(e)) return;
  }
}

function Nav() {
  const s = store.useStore();
  const items = [{ id: "sell", title: "Sell" }, ...views];
  return html`<nav class="views" aria-label="Screens">
    ${items.map((v) => html`<button class=${`navbtn${s.view === v.id ? " chosen" : ""}`}
      aria-current=${s.view === v.id ? "page" : null} onClick=${() => show(v.id)}>${v.title}</button>`)}
  </nav>`;
}

function Sell() {
  const s = store.useStore();
  useEffect(() => {
    const activity = () => sale.touch();
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", activity);
    document.addEventListener("keydown", activity);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", activity);
      document.removeEventListener("keydown", activity);
    };
  }, []);
  useEffect(() => { if (s.receipt) document.getElementById("next")?.focus(); }, [s.receipt]);
  const sides = panels.filter((p) => p.Side);
  const mains = panels.filter((p) => p.Main);
  const heads = panels.filter((p) => p.Header);
  const footers = panels.filter((p) => p.BasketFooter).map((p) => p.BasketFooter);
  const view = views.find((v) => v.id === s.view);
  return html`
    <div class=${`sell${sides.length && !view ? "" : " noside"}${view?.wide ? " wide" : ""}`}>
      <header class="top">
        <h1><span class="brand">XTS2</span> <span class="terminal" id="terminal-name">${s.terminal.name}</span></h1>
        <${Nav} />
        ${heads.map((p) => html`<${p.Header} />`)}
        <button class="secondary signout" onClick=${signOut}>Sign out</button>
      </header>
      <${RetryBanner} />
      <${Message} where="global" />
      ${view ? html`<main class="main content" aria-label=${view.title} tabindex="0"><${view.View} /></main>` : html`
        ${sides.length ? html`<div class="side">${sides.map((p) => html`<${p.Side} />`)}</div>` : null}
        <main class="main content" aria-label="Sell">${mains.map((p) => html`<${p.Main} />`)}</main>`}
      ${view?.wide ? null : html`<${BasketColumn} footers=${footers} />`}
    </div>`;
}

function App() {
  const s = store.useStore();
  if (s.screen === "signin") return html`<${SignIn} />`;
  if (s.screen === "sell") return html`<${Sell} />`;
  return html`<main class="loading"><p>Starting…</p><${Message} where="global" /></main>`;
}

render(html`<${App} />`, document.getElementById("app"));
start();
