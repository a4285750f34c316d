// Admin: the functions behind the admin password. The password is checked with xts/isadmin and
// kept by the Api in memory only, for this page's life (never stored: a reload, "Lock" or "Sign
// out" forgets it); store.unlocked says whether the screen shows the admin controls. Unlocked, the
// performance panel on the Sell screen offers "Held back" (holdbacktickets), the Cash-up screen
// any till's takings and the cash-up sheet, and this screen the show and performance reports,
// printable and as CSV.

import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { Section } from "../ui.js";
import { day, time } from "../format.js";
import { ReportSheet, fileName } from "../report.js";

let api = null;

/** Whether the admin functions are unlocked (and the Api still holds the password). */
export function unlocked(s = store.get()) { return Boolean(s.unlocked && api?.isAdmin); }

export function lock() {
  api?.lock();
  store.set({ unlocked: false, adminSheet: null, cashupSheet: null });
}

/** A refusal of an admin command in words; a password no longer accepted locks the screen. */
export function adminError(err) {
  if (err.code === "unauthorized") {
    lock();
    return `The server no longer accepts the admin password (${err.message}). Unlock again.`;
  }
  return err.message;
}

/** The unlock form: the password, "Unlock"; a wrong one is refused in the server's words and
 * changes nothing. */
export function Unlock({ id = "admin-password", intro }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const field = e.target.elements.password;
    if (!field.value) { setError("Type the admin password first."); field.focus(); return; }
    setBusy(true);
    setError("");
    try {
      if (await api.unlock(field.value)) {
        field.value = "";
        store.set({ unlocked: true });
      } else {
        setError("The server answered that this is not the admin password. Nothing is unlocked.");
        field.select();
      }
    } catch (err) {
      setError(err.code === "rate_limited" || err.status === 429
        ? `Too many wrong passwords from this computer: the server will not check another one for a minute. Wait a minute, then try again. (The server said: “${err.message}”.)`
        : err.message);
    } finally {
      setBusy(false);
    }
  };
  const described = [error ? `${id}-error` : "", intro ? `${id}-intro` : ""].filter(Boolean).join(" ") || null;
  return html`
    <form class="unlock" onSubmit=${submit}>
      ${intro ? html`<p id=${`${id}-intro`} class="hint">${intro}</p>` : null}
      <label class="field" for=${id}><span>Admin password</span></label>
      <div class="inline">
        <input id=${id} name="password" type="password" autocomplete="off" aria-describedby=${described}
          aria-invalid=${error ? "true" : null} />
        <button class="go" type="submit" disabled=${busy} aria-busy=${busy}>${busy ? "Checking…" : "Unlock"}</button>
      </div>
      ${error ? html`<p id=${`${id}-error`} class="message message-error" role="alert">${error}</p>` : null}
    </form>`;
}

/** "Unlocked for this session · Lock". */
export function Unlocked() {
  return html`<p class="unlocked">
    <span><strong>Admin functions unlocked</strong> until you lock, sign out or reload this page.</span>
    <button class="secondary" onClick=${lock}>Lock</button></p>`;
}

function Reports() {
  const [shows, setShows] = useState(null);
  const [showId, setShowId] = useState("");
  const [perfs, setPerfs] = useState(null);
  const [perfId, setPerfId] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState("");

  useEffect(() => {
    api.call("tickets/getshows", {}, { retry: false }).then((body) => {
      setShows(body.shows || []);
      if (body.shows?.length) setShowId(String(body.shows[0].id));
    }, (err) => setError(err.message));
  }, []);
  useEffect(() => {
    setPerfs(null);
    setPerfId("");
    if (!showId) return;
    api.call("tickets/getperformances", { show: showId }, { retry: false }).then((body) => {
      const list = body.performances || [];
      setPerfs(list);
      const next = list.find((p) => p.status !== "past") || list[0];
      if (next) setPerfId(String(next.id));
    }, (err) => setError(err.message));
  }, [showId]);

  const show = shows?.find((x) => String(x.id) === showId);
  const open = async (type) => {
    setBusy(type);
    setError("");
    const params = type === "show" ? { type, show: showId } : { type, performance: perfId };
    try {
      const body = await api.call("xts/report", params, { admin: true, retry: false, what: "the report" });
      store.set({ adminSheet: { report: body.report, params, made: new Date(api.now()).toISOString() } });
    } catch (err) {
      setError(adminError(err));
    } finally {
      setBusy("");
    }
  };
  return html`
    <h3 id="reports-h">Show and performance reports</h3>
    <p class="hint">Tickets sold, refunded and the revenue, to print or to download as CSV (for a spreadsheet).</p>
    ${!shows && !error ? html`<p aria-busy="true">Loading the shows…</p>` : null}
    ${shows && !shows.length ? html`<p class="empty">No shows yet.</p>` : null}
    ${shows?.length ? html`
      <div class="form reportform" role="group" aria-labelledby="reports-h">
        <label class="field"><span>Show</span>
          <select id="report-show" value=${showId} onChange=${(e) => setShowId(e.target.value)}>
            ${shows.map((x) => html`<option value=${String(x.id)}>${x.name} (${x.performances} performance${x.performances === 1 ? "" : "s"})</option>`)}
          </select></label>
        <div class="actions">
          <button class="go" disabled=${!showId || busy === "show"} aria-busy=${busy === "show"} onClick=${() => open("show")}>
            ${busy === "show" ? "Asking…" : `Show report: ${show?.name || ""}`}</button>
        </div>
        <label class="field"><span>Performance</span>
          <select id="report-performance" value=${perfId} onChange=${(e) => setPerfId(e.target.value)} disabled=${!perfs?.length}>
            ${(perfs || []).map((p) => html`<option value=${String(p.id)}>${day(p.start)} ${time(p.start)} · ${p.status === "past" ? "past" : `${p.available} left`}</option>`)}
          </select></label>
        <div class="actions">
          <button class="go" disabled=${!perfId || busy === "performance"} aria-busy=${busy === "performance"} onClick=${() => open("performance")}>
            ${busy === "performance" ? "Asking…" : "Performance report"}</button>
        </div>
      </div>` : null}
    ${error ? html`<p class="message message-error" role="alert">${error}</p>` : null}`;
}

/** The venue's day, YYYY-MM-DD, as this browser sees it. */
function today() {
  const d = new Date(api.now());
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The day's card payments beside Stripe's own records (the Stripe plugin's report "stripe"). */
function CardPayments() {
  const [day, setDay] = useState(today());
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const open = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError("");
    const params = { type: "stripe", day };
    try {
      const body = await api.call("xts/report", params, { admin: true, retry: false, what: "the card payments report" });
      store.set({ adminSheet: { report: body.report, params, made: new Date(api.now()).toISOString() } });
    } catch (err) {
      setError(adminError(err));
    } finally {
      setBusy(false);
    }
  };
  return html`
    <h3 id="cardpay-h">Card payments against Stripe</h3>
    <p class="hint">Each card payment of a day beside what Stripe recorded, with Stripe's fee; anything that does not agree (a refund made in Stripe's dashboard, a payment only one side knows) is named in the last column.</p>
    <form class="form reportform" aria-labelledby="cardpay-h" onSubmit=${open}>
      <label class="field"><span>Day</span>
        <input id="cardpay-day" type="date" value=${day} required onInput=${(e) => setDay(e.target.value)} /></label>
      <div class="actions">
        <button class="go" type="submit" disabled=${busy || !day} aria-busy=${busy}>${busy ? "Asking Stripe…" : "Card payments report"}</button>
      </div>
    </form>
    ${error ? html`<p class="message message-error" role="alert">${error}</p>` : null}`;
}

function Sheet() {
  const sheet = store.get().adminSheet;
  const r = sheet.report;
  const name = r.type === "show" ? fileName("show", r.showname)
    : r.type === "stripe" ? fileName("card-payments", r.day)
    : fileName("performance", r.showname, (r.start || "").slice(0, 16).replace(":", ""));
  const csv = () => api.download("xts/report", { ...sheet.params, format: "csv" }, name, { admin: true });
  const facts = r.type === "show" ? [["Show", r.showname]]
    : r.type === "stripe" ? [["Day", r.day]]
    : [["Show", r.showname], ["Performance", r.start ? `${day(r.start)} ${time(r.start)}` : ""]];
  return html`
    <${ReportSheet} report=${r} facts=${facts} printed=${sheet.made} csv=${csv} explain=${adminError}
      onClose=${() => store.set({ adminSheet: null })} closeLabel="Back to admin" />`;
}

function Admin() {
  const s = store.useStore();
  const on = unlocked(s);
  if (on && s.adminSheet) return html`<${Sheet} />`;
  return html`
    <${Section} id="admin" title="Admin">
      ${on ? html`
        <${Unlocked} />
        ${api.has("xts/report") && api.has("tickets/getshows") ? html`<${Reports} />` : null}
        ${api.hasReport("stripe") ? html`<${CardPayments} />` : null}
        <h3>Holding back seats</h3>
        <p class="hint">While unlocked, a performance's tickets on the <strong>Sell</strong> screen show <strong>Held back</strong>: type how many seats to keep off sale in all (0 puts them back on sale) and press <strong>Set</strong>.</p>`
      : html`<${Unlock} intro="Holding back seats and the show, performance and cash-up reports need the admin password. It is kept only in this page until you lock it, sign out or reload; it is never stored." />`}
    <//>`;
}

export default {
  id: "admin",
  title: "Admin",
  requires: (theApi) => theApi.has("xts/isadmin"),
  start(theApi) { api = theApi; },
  View: Admin,
};
