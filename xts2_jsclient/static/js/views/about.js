// About: what the server says of itself (xts/getstats), the venue's time zone, and this client's
// version — what to read out to whoever helps when something is wrong.

import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { Section } from "../ui.js";
import { day, time } from "../format.js";

/** This client's version: the jsclient distribution's, as the server lists its plugins. */
export const CLIENT = "xts2-jsclient";

let api = null;

function About() {
  const s = store.useStore();
  const [stats, setStats] = useState(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api.call("xts/getstats", {}, { retry: false })
      .then((body) => setStats(body.stats), (err) => setError(err.message));
  }, []);
  const plugins = stats?.plugin || [];
  const mine = plugins.find((p) => p.distribution === CLIENT);
  return html`
    <${Section} id="about" title="About this box office">
      ${error ? html`<p class="message message-error" role="alert">${error}</p>` : null}
      ${!stats && !error ? html`<p aria-busy="true">Asking the server…</p>` : null}
      ${stats ? html`
        <dl class="facts">
          <dt>Terminal</dt><dd>${s.terminal.name} (number ${s.terminal.id})</dd>
          <dt>Venue time zone</dt><dd>${s.terminal.timezone}</dd>
          <dt>Server</dt><dd>XTS2 ${stats.version}, database ${stats.database}, running since ${day(stats.started)} ${time(stats.started)}</dd>
          <dt>This client</dt><dd>${mine ? `${CLIENT} ${mine.version}` : "not listed by the server"}</dd>
        </dl>
        <h3>Installed plugins</h3>
        <table class="grid">
          <thead><tr><th scope="col">Plugin</th><th scope="col">Distribution</th><th scope="col">Version</th><th scope="col">Item types</th></tr></thead>
          <tbody>${plugins.map((p) => html`<tr key=${p.name}><td>${p.name}</td><td>${p.distribution}</td><td>${p.version}</td><td>${p.itemtypes || "—"}</td></tr>`)}</tbody>
        </table>
        <h3>Counts</h3>
        <table class="grid">
          <tbody>${(stats.count || []).map((c) => html`<tr key=${c.name}><th scope="row">${c.name}</th><td class="value">${c.text ?? c}</td></tr>`)}</tbody>
        </table>` : null}
    <//>`;
}

export default {
  id: "about",
  title: "About",
  requires: (theApi) => theApi.has("xts/getstats"),
  start(theApi) { api = theApi; },
  View: About,
};
