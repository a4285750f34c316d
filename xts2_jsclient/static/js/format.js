// Money is whole pence everywhere in the client, as on the server: "12.50" ⇄ 1250, never a float.

export function pence(text) {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(text ?? "").trim());
  if (!m) return null;
  const p = Number(m[2]) * 100 + Number((m[3] || "0").padEnd(2, "0"));
  return m[1] ? -p : p;
}

export function money(p) {
  const sign = p < 0 ? "-" : "";
  const a = Math.abs(p);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

let zone = undefined;
export function setTimeZone(tz) { zone = tz || undefined; }

const fmt = (opts) => new Intl.DateTimeFormat("en-GB", { timeZone: zone, ...opts });

export function time(iso) { return fmt({ hour: "2-digit", minute: "2-digit" }).format(new Date(iso)); }

export function day(iso) { return fmt({ weekday: "short", day: "numeric", month: "short" }).format(new Date(iso)); }

export function dayKey(iso) { return fmt({ year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso)); }

/** "Today", "Tomorrow" or "Tue 1 Dec", in the venue's time zone. */
export function dayLabel(iso, now = new Date()) {
  const key = dayKey(iso);
  if (key === dayKey(now.toISOString())) return "Today";
  if (key === dayKey(new Date(now.getTime() + 86400000).toISOString())) return "Tomorrow";
  return day(iso);
}

export function countdown(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Availability in words (never colour alone): "sold out", "3 left" (ten or fewer: a warning),
 * "120 left". */
export function availability(counts) {
  if (!counts) return { word: "", level: "" };
  const n = counts.available;
  if (counts.status === "past") return { word: "started", level: "past" };
  if (n <= 0) return { word: "sold out", level: "soldout" };
  return { word: `${n} left`, level: n <= 10 ? "few" : "ok" };
}
