// Cash-up: this till's takings (money/gettakings) by payment type, with count and total, since
// the start of today in the venue's time (from xts/getterminal's time zone) or a chosen time.
// With the admin password (unlocked here or on the Admin screen): any till's takings
// (xts/getterminals), and the takings report as the printable cash-up sheet (xts/report
// type=takings, rendered here from its JSON) and as a CSV file (api.download: the password goes in
// a header, never in a link).
//
// Times typed here are sent without an offset: the server reads them as the venue's local time.

import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { Section } from "../ui.js";
import { ReportSheet, ReportTable, fileName, nonzero, when } from "../report.js";
import { Unlock, Unlocked, adminError, unlocked } from "./admin.js";

let api = null;
const ALL = "all";

/** "2026-12-06": the venue's date now (not this browser's). */
function venueToday() {
  const parts = {};
  const fmt = new Intl.DateTimeFormat("en-GB", { timeZone: store.get().terminal?.timezone || undefined,
    year: "numeric", month: "2-digit", day: "2-digit" });
  for (const p of fmt.formatToParts(new Date(api.now()))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const startOfToday = () => `${venueToday()}T00:00`;

const TAKINGS_COLUMNS = [
  { name: "name", label: "Payment type", kind: "text" },
  { name: "count", label: "Payments", kind: "int" },
  { name: "amount", label: "Amount", kind: "money" },
];
/** What payment services kept of it (Stripe's fee), shown when there is any. */
const FEES_COLUMN = { name: "fees", label: "Service fees", kind: "money" };

function Sheet() {
  const sheet = store.get().cashupSheet;
  const r = sheet.report;
  return html`
    <${ReportSheet} report=${r} printed=${sheet.made} csv=${() => downloadCsv(sheet.params, sheet.who)}
      explain=${adminError} closeLabel="Back to cash-up"
      onClose=${() => store.set({ cashupSheet: null })}
      facts=${[["Terminal", r.terminalname || "All tills"], ["From", when(r.from)], ["Until", when(r.until)],
        ["Net taken", r.total?.amount],
        ...(nonzero(r.total?.fees) ? [["Service fees", r.total.fees], ["Net of fees", r.total.afterfees]] : [])]}>
      <div class="signoff">
        <p>Cash counted: ______________</p>
        <p>Counted by: ______________</p>
        <p>Checked by: ______________</p>
      </div>
    <//>`;
}

function downloadCsv(params, who) {
  return api.download("xts/report", { ...params, format: "csv" },
    fileName("takings", who, params.from.slice(0, 10)), { admin: true });
}

function Cashup() {
  const s = store.useStore();
  const on = unlocked(s);
  const me = s.terminal;
  const [terminals, setTerminals] = useState(null);
  const [who, setWho] = useState(String(me.id));
  const [from, setFrom] = useState(startOfToday);
  const [until, setUntil] = useState("");
  const [takings, setTakings] = useState(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState("");

  useEffect(() => {
    if (!on) { setTerminals(null); setWho(String(me.id)); return; }
    api.call("xts/getterminals", {}, { admin: true, retry: false }).then(
      (body) => setTerminals(body.terminals || []), (err) => setError(adminError(err)));
  }, [on]);

  const other = who !== String(me.id);
  const whoName = other ? terminals?.find((t) => String(t.id) === who)?.name || `till ${who}` : me.name;

  const load = async (e) => {
    e?.preventDefault();
    if (!from) { setError("Choose when the period starts."); return; }
    setBusy("takings");
    setError("");
    try {
      const body = await api.call("money/gettakings",
        { since: from, until: until || undefined, terminal: other ? who : undefined },
        { admin: other, retry: false, what: "the takings" });
      setTakings({ ...body.takings, who: whoName, untilNow: !until });
    } catch (err) {
      setTakings(null);
      setError(other ? adminError(err) : err.message);
    } finally {
      setBusy("");
    }
  };
  useEffect(() => { load(); }, [who]);

  const today = () => { setFrom(startOfToday()); setUntil(""); };
  // The sheet and the CSV cover the period of the figures on screen: from the same start, to the
  // same end when one was chosen, else to now (an answer's "until" has whole seconds, and a
  // payment in the last fraction of that second would be left out).
  const reportParams = (all) => ({ type: "takings", from: takings.since,
    until: takings.untilNow ? undefined : takings.until,
    terminal: all ? undefined : takings.terminal });
  const sheet = async (all) => {
    setBusy(all ? "sheet-all" : "sheet");
    setError("");
    const params = reportParams(all);
    try {
      const body = await api.call("xts/report", params, { admin: true, retry: false, what: "the cash-up sheet" });
      store.set({ cashupSheet: { report: body.report, params, who: all ? "all-tills" : takings.who,
        made: new Date(api.now()).toISOString() } });
    } catch (err) {
      setError(adminError(err));
    } finally {
      setBusy("");
    }
  };
  const csv = async () => {
    setBusy("csv");
    setError("");
    try {
      await downloadCsv(reportParams(false), takings.who);
    } catch (err) {
      setError(adminError(err));
    } finally {
      setBusy("");
    }
  };

  if (on && s.cashupSheet) return html`<${Sheet} />`;
  const table = takings ? {
    row: takings.paymenttype || [],
    total: { name: "Total", count: takings.count, amount: takings.total, fees: takings.fees },
  } : null;
  const takingsColumns = takings && nonzero(takings.fees) ? [...TAKINGS_COLUMNS, FEES_COLUMN] : TAKINGS_COLUMNS;
  const button = (id, label, action, cls = "secondary") => html`
    <button class=${cls} type="button" onClick=${action} disabled=${Boolean(busy)} aria-busy=${busy === id}>
      ${busy === id ? "Asking…" : label}</button>`;
  return html`
    <${Section} id="cashup" title="Cash-up">
      <form class="cashupform" onSubmit=${load}>
        <label class="field"><span>Terminal</span>
          ${on && terminals ? html`
            <select id="cashup-terminal" value=${who} onChange=${(e) => setWho(e.target.value)}>
              ${terminals.map((t) => html`<option value=${String(t.id)}>${t.name}${String(t.id) === String(me.id) ? " (this till)" : ""}${t.active === false ? " (revoked)" : ""}</option>`)}
            </select>`
          : html`<input id="cashup-terminal" readonly value=${`${me.name} (this till)`} />`}
        </label>
        <label class="field"><span>From</span>
          <input id="cashup-from" type="datetime-local" value=${from} required onInput=${(e) => setFrom(e.target.value)} /></label>
        <label class="field"><span>Until (empty: now)</span>
          <input id="cashup-until" type="datetime-local" value=${until} onInput=${(e) => setUntil(e.target.value)} /></label>
        <div class="cashup-buttons">
          <button class="go" type="submit" disabled=${Boolean(busy)} aria-busy=${busy === "takings"}>
            ${busy === "takings" ? "Asking…" : "Show takings"}</button>
          <button class="secondary" type="button" onClick=${today}>Start of today</button>
        </div>
      </form>
      <p class="hint">Times are the venue's (${me.timezone}). A payment counts when it was taken; refunds are subtracted.</p>
      ${error ? html`<p class="message message-error" role="alert">${error}</p>` : null}
      ${takings ? html`
        <h3 id="takings-h">Takings of ${takings.who}, ${when(takings.since)} to ${when(takings.until)}</h3>
        <p class="takings-total"><span>Total taken</span> <strong id="takings-total">${takings.total}</strong>
          <span class="hint">${takings.count} payment${takings.count === 1 ? "" : "s"}</span></p>
        <${ReportTable} id="takings" report=${table} cols=${takingsColumns} />` : null}
      ${on ? html`
        <div class="actions">
          ${takings ? button("sheet", `Cash-up sheet: ${takings.who}`, () => sheet(false), "go") : null}
          ${takings ? button("sheet-all", "Cash-up sheet: all tills", () => sheet(true)) : null}
          ${takings ? button("csv", "Download CSV", csv) : null}
        </div>
        <${Unlocked} />`
      : html`<${Unlock} id="cashup-password"
          intro="Another till's takings, the printable cash-up sheet and the CSV download need the admin password." />`}
    <//>`;
}

export default {
  id: "cashup",
  title: "Cash-up",
  requires: (theApi) => theApi.has("money/gettakings"),
  start(theApi) { api = theApi; },
  View: Cashup,
};
