// The public what's-on page: the programme with live availability in words, for a phone screen
// or an <iframe> on the venue's own site. No key: it reads only public commands, and what it reads
// may come from a shared cache for a few seconds (xts2.public_max_age).

import { html, render } from "../vendor/preact-htm.js";
import { day, setTimeZone, time } from "./format.js";

const REFRESH_MS = 30000;

async function get(path, params = {}) {
  const q = new URLSearchParams({ ...params, format: "json" });
  const response = await fetch(`/v2/${path}?${q}`, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (body.status !== "ok") throw new Error(body.error?.message || `HTTP ${response.status}`);
  return body;
}

/** "Available", "Few left", "Sold out": words, not numbers, for the public. */
export function word(p) {
  if (p.status === "soldout" || p.available <= 0) return { text: "Sold out", level: "soldout" };
  if (p.status === "past") return { text: "Started", level: "past" };
  if (p.available <= 10) return { text: "Few left", level: "few" };
  return { text: "Available", level: "ok" };
}

function bookingLink(template, show, p) {
  if (!template || p.status !== "onsale" || p.available <= 0) return null;
  const url = template.replaceAll("{performance}", String(p.id)).replaceAll("{show}", String(show.id));
  return /^https?:\/\//.test(url) || url.startsWith("/") ? url : null;
}

function Programme({ shows, booking, error }) {
  return html`
    <h1>What's on</h1>
    ${error ? html`<p class="error" role="alert">The programme could not be loaded: ${error}</p>` : null}
    ${shows && !shows.length ? html`<p>Nothing is on in the next few weeks.</p>` : null}
    ${(shows || []).map((show) => html`
      <section class="show" key=${show.id} aria-labelledby=${`show-${show.id}`}>
        <h2 id=${`show-${show.id}`}>${show.name}</h2>
        <ul>
          ${(show.performance || []).map((p) => {
            const w = word(p);
            const link = bookingLink(booking, show, p);
            return html`<li key=${p.id} class="perf">
              <span class="when"><span class="day">${day(p.start)}</span> <span class="time">${time(p.start)}</span></span>
              <span class=${`avail avail-${w.level}`}>${w.text}</span>
              ${link ? html`<a class="book" href=${link} target="_top" rel="noopener">Book<span class="visually-hidden"> ${show.name}, ${day(p.start)} ${time(p.start)}</span></a>` : null}
            </li>`;
          })}
        </ul>
      </section>`)}`;
}

async function load() {
  const root = document.getElementById("whatson");
  try {
    const [programme, settings] = await Promise.all([
      get("tickets/getprogramme", { days: 60, limit: 10 }),
      get("jsclient/getsettings").catch(() => ({ settings: {} })),
    ]);
    setTimeZone(settings.settings?.timezone);
    render(html`<${Programme} shows=${programme.programme || []} booking=${settings.settings?.bookingurl} />`, root);
  } catch (err) {
    render(html`<${Programme} shows=${null} error=${err.message} />`, root);
  }
  root.setAttribute("aria-busy", "false");
}

load();
setInterval(load, REFRESH_MS);
