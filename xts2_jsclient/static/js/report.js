// Reports (xts/report, format=json) as tables, and the printable sheet the cash-up and admin
// screens share: a title, what it is of (terminal, period, show…), the rows and the total row,
// with "Print" (only the sheet prints: app.css) and "Download CSV" (fetched with the password in
// its header by api.download, never a link carrying it).

import { html, useEffect, useState } from "../vendor/preact-htm.js";
import { day, time } from "./format.js";

/** Column labels and kinds, as the server's report types declare them (the JSON has only the
 * names). A column not listed here is shown under its own name. */
const LABELS = {
  terminal: ["Till no.", "int"], terminalname: ["Terminal", "text"],
  paymenttype: ["Code", "text"], paymenttypename: ["Payment type", "text"],
  count: ["Payments", "int"], payments: ["Taken", "money"], refunds: ["Refunded", "money"],
  amount: ["Net", "money"], fees: ["Service fees", "money"], afterfees: ["Net of fees", "money"],
  tickettype: ["Ticket type", "text"], price: ["Price", "money"], sold: ["Sold", "int"],
  refunded: ["Refunded", "int"], revenue: ["Revenue", "money"],
  performance: ["Performance no.", "int"], when: ["When", "text"], start: ["Start", "datetime"],
  capacity: ["Capacity", "int"], reserved: ["In baskets", "int"], heldback: ["Held back", "int"],
  available: ["Available", "int"],
};

/** Labels of one report type where its columns differ from the others' of the same name. */
const TYPE_LABELS = {
  stripe: {
    time: ["Started", "datetime"], order: ["Order", "int"], reference: ["Stripe reference", "text"],
    state: ["XTS2 says", "text"],
    taken: ["Received", "money"], stripestatus: ["Stripe says", "text"],
    received: ["Received at Stripe", "money"], refunded: ["Refunded by XTS2", "money"],
    stripe_refunded: ["Refunded at Stripe", "money"], fee: ["Stripe fee", "money"],
    problem: ["Problem", "text"],
  },
};

/** The columns worth a person's eye, per report type (ids and codes are in the CSV). */
const SHOWN = {
  takings: ["terminalname", "paymenttypename", "count", "payments", "refunds", "amount", "fees",
    "afterfees"],
  performance: ["tickettype", "price", "sold", "refunded", "revenue"],
  show: ["when", "capacity", "sold", "reserved", "heldback", "available", "revenue"],
  stripe: ["time", "order", "reference", "state", "taken", "stripestatus", "received", "refunded",
    "stripe_refunded", "fee"],
};

/** Columns shown only when the total says something in another: a venue that pays no service
 * fees (all cash and card machines) does not see two columns of 0.00 on its cash-up sheet. */
const ONLY_WITH = { takings: { fees: "fees", afterfees: "fees" } };

/** A money total that is not zero ("0.56", not "0.00"): read as text, never as a number. */
export const nonzero = (money) => Boolean(money) && /[1-9]/.test(money);

/** A column of words shown under its row, across the table, rather than in a column of its own
 * far to the right (the CSV keeps it as a column). */
const NOTES = { stripe: ["problem", "Problem"] };

export function columns(report) {
  const rows = report.row || [];
  const only = ONLY_WITH[report.type] || {};
  const names = (SHOWN[report.type] || [...new Set(rows.flatMap((r) => Object.keys(r)))])
    .filter((name) => !only[name] || nonzero(report.total?.[only[name]]));
  return names.map((name) => {
    const [label, kind] = (TYPE_LABELS[report.type] || {})[name] || LABELS[name] || [name, "text"];
    return { name, label, kind };
  });
}

function cell(col, value) {
  if (value === undefined || value === null) return "";
  if (col.kind === "datetime") return `${day(value)} ${time(value)}`;
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

const numeric = (col) => col.kind === "int" || col.kind === "money";

/** A report's rows as a table, its total row in the foot. */
export function ReportTable({ report, caption, cols: given, id }) {
  const cols = given || columns(report);
  const rows = report.row || [];
  const [note, noteLabel] = NOTES[report.type] || [];
  const row = (r, i) => {
    const line = html`<tr key=${i} class=${note && r[note] ? "has-note" : null}>${cols.map((c) => html`
      <td class=${numeric(c) ? "value" : null}>${cell(c, r[c.name])}</td>`)}</tr>`;
    if (!note || !r[note]) return line;
    return [line, html`<tr key=${`${i}-note`} class="report-note"><td colspan=${cols.length}>
      <div class="note-text"><strong>${noteLabel}:</strong> ${r[note]}</div></td></tr>`];
  };
  return html`
    <table class="grid report" id=${id}>
      ${caption ? html`<caption>${caption}</caption>` : null}
      <thead><tr>${cols.map((c) => html`<th scope="col" class=${numeric(c) ? "value" : null}>${c.label}</th>`)}</tr></thead>
      <tbody>
        ${rows.length ? rows.flatMap(row)
          : html`<tr><td colspan=${cols.length} class="empty">Nothing in this period.</td></tr>`}
      </tbody>
      ${report.total ? html`<tfoot><tr class="total">${cols.map((c, i) => html`
        <${i === 0 ? "th" : "td"} scope=${i === 0 ? "row" : null} class=${numeric(c) ? "value" : null}>${cell(c, report.total[c.name])}<//>`)}</tr></tfoot>` : null}
    </table>`;
}

/** "Sun 6 Dec 00:00", in the venue's time. */
export const when = (iso) => `${day(iso)} ${time(iso)}`;

/**
 * A report as a sheet to print: its title, lines saying what it is of (`facts`: [label, text]
 * pairs), the table, when it was made; and the buttons (which do not print). `csv()` downloads
 * the sheet as CSV (a promise); a refusal is shown under the sheet in words from `explain(err)`.
 */
export function ReportSheet({ report, facts = [], printed, csv, explain = (e) => e.message, onClose,
  closeLabel = "Back", children }) {
  const [csvBusy, setCsvBusy] = useState(false);
  const [error, setError] = useState("");
  const onCsv = csv && (async () => {
    setCsvBusy(true);
    setError("");
    try { await csv(); } catch (err) { setError(explain(err)); } finally { setCsvBusy(false); }
  });
  // The button that opened the sheet is gone: the focus goes to "Print", what comes next.
  useEffect(() => { document.getElementById("sheet-print")?.focus(); }, []);
  return html`
    <article class="sheet" aria-labelledby="sheet-h">
      <div class="sheet-actions noprint">
        <button class="secondary" onClick=${onClose}>← ${closeLabel}</button>
        <button class="go" id="sheet-print" onClick=${() => window.print()}>Print</button>
        ${onCsv ? html`<button class="secondary" onClick=${onCsv} disabled=${csvBusy} aria-busy=${Boolean(csvBusy)}>
          ${csvBusy ? "Downloading…" : "Download CSV"}</button>` : null}
      </div>
      <h2 id="sheet-h">${report.title}</h2>
      <dl class="facts sheet-facts">
        ${facts.filter(([, v]) => v).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}
        ${printed ? html`<dt>Made</dt><dd>${when(printed)}</dd>` : null}
      </dl>
      <div class="sheet-table"><${ReportTable} report=${report} /></div>
      ${children}
    </article>
    ${error ? html`<p class="message message-error noprint" role="alert">${error}</p>` : null}`;
}

/** A file name for a download: "takings-box-office-1-2026-12-06.csv". */
export function fileName(...parts) {
  return `${parts.filter(Boolean).join("-").toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/-+/g, "-")}.csv`;
}
