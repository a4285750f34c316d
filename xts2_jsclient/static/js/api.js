// The one module that talks to the server. Panels never call fetch themselves.
//
// Every command is a GET of /v2/{servlet}/{command} with format=json. The terminal key goes in the
// X-XTS2-Key header (never in a URL, so it is in no history, log or Referer). A command that changes
// state (GET /v2 says which) carries an opid made here; when its answer does not come (the network
// dropped it, the server restarted, a proxy answered 502/503/504), the same request is sent again
// with the same opid until it answers or the operator gives up: the server replays the first answer,
// so the sale happens once.

const KEY_STORE = "xts2.terminalkey";
const RETRY_STATUS = new Set([502, 503, 504]);
const TIMEOUT_MS = 10000;

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http";
    this.param = error.param || null;
  }
}

export class GaveUp extends Error {
  constructor(what) {
    super(`No answer from the server for ${what}; the operator gave up waiting.`);
    this.code = "gave_up";
  }
}

let opidCounter = 0;
export function newOpid() {
  // 1–64 of A-Za-z0-9_.- : time, a counter and randomness, unique per terminal.
  const rnd = new Uint32Array(2);
  crypto.getRandomValues(rnd);
  opidCounter += 1;
  return `c${Date.now().toString(36)}.${opidCounter.toString(36)}.${rnd[0].toString(36)}${rnd[1].toString(36)}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Api {
  constructor({ onRetry = () => {} } = {}) {
    this.key = localStorage.getItem(KEY_STORE) || "";
    this.commands = new Map(); // "servlet/command" → {access, changesstate}
    this.files = [];
    this.onRetry = onRetry; // ({what, attempt, giveUp}) while retrying; null when it is over
    this.offset = 0; // the server's clock minus this browser's (from the Date header), in ms
    this.password = ""; // the admin password: in memory only, for this page's life, never stored
  }

  get isAdmin() { return Boolean(this.password); }

  /** Check the admin password (xts/isadmin); keep it in memory only if it is right. */
  async unlock(password) {
    const body = await this.call("xts/isadmin", {}, { headers: { "X-XTS2-Password": password } });
    this.password = body.admin === true ? password : "";
    return this.isAdmin;
  }

  lock() { this.password = ""; }

  /**
   * Fetch a file the server renders (a report as CSV) with the credentials in headers, and hand
   * it to the browser as a download: the password never goes into a URL or a link.
   */
  async download(path, params, filename, { admin = false } = {}) {
    const headers = { "X-XTS2-Key": this.key };
    if (admin) headers["X-XTS2-Password"] = this.password;
    const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""));
    const response = await fetch(`/v2/${path}?${q}`, { headers, cache: "no-store" });
    if (!response.ok) {
      let error = { message: `The server answered HTTP ${response.status}.` };
      try { error = (await response.json()).error || error; } catch { /* not JSON */ }
      throw new ApiError(response.status, error);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /** The server's time now, as far as this browser can tell (expiry countdowns use it). */
  now() { return Date.now() + this.offset; }

  get signedIn() { return Boolean(this.key); }

  setKey(key) {
    this.key = key;
    if (key) localStorage.setItem(KEY_STORE, key); else localStorage.removeItem(KEY_STORE);
  }

  /** GET /v2: which servlets and commands are installed, and which change state. */
  async loadIndex() {
    const body = await this.call("", {}, { retry: true });
    this.commands.clear();
    for (const servlet of body.servlets || []) {
      for (const cmd of servlet.command || []) {
        this.commands.set(`${servlet.name}/${cmd.name}`, cmd);
      }
    }
    this.files = body.files || [];
    this.reports = body.reports || [];
    return body;
  }

  has(path) { return this.commands.has(path); }
  /** Whether xts/report makes the report type `type` here (GET /v2 lists them). */
  hasReport(type) { return (this.reports || []).some((r) => r.type === type); }
  hasServlet(name) { for (const p of this.commands.keys()) if (p.startsWith(`${name}/`)) return true; return false; }

  url(path, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === null) continue;
      q.append(k, typeof v === "boolean" ? (v ? "true" : "false") : String(v));
    }
    q.set("format", "json");
    return `/v2${path ? "/" + path : ""}?${q}`;
  }

  /**
   * Call a command; resolves to the JSON answer, rejects with ApiError (the server refused) or
   * GaveUp. retry: keep trying while no answer comes (default: for commands that change state).
   * timeout: ms to wait for an answer (the door waits less than the counter).
   */
  async call(path, params = {}, { retry, what, admin = false, headers: extra = {}, timeout = TIMEOUT_MS } = {}) {
    const changes = Boolean(this.commands.get(path)?.changesstate);
    const all = { ...params };
    if (changes && !all.opid) all.opid = newOpid();
    const url = this.url(path, all);
    const headers = { Accept: "application/json" };
    if (this.key) headers["X-XTS2-Key"] = this.key;
    if (admin) {
      if (!this.password) throw new ApiError(401, { code: "unauthorized", message: "Unlock the admin functions with the admin password first." });
      headers["X-XTS2-Password"] = this.password;
    }
    Object.assign(headers, extra);
    retry = retry ?? changes;
    let attempt = 0;
    let gaveUp = false;
    const giveUp = () => { gaveUp = true; };
    try {
      for (;;) {
        attempt += 1;
        let response = null;
        try {
          response = await fetch(url, { headers, cache: "no-store", signal: AbortSignal.timeout(timeout) });
        } catch (err) {
          if (!retry) throw new ApiError(0, { code: "network", message: "No answer from the server." });
        }
        const date = response && Date.parse(response.headers.get("Date") || "");
        if (date) this.offset = date + 500 - Date.now(); // the header has whole seconds
        if (response && !RETRY_STATUS.has(response.status)) {
          let body;
          try { body = await response.json(); } catch { body = null; }
          if (body && body.status === "ok") return body;
          throw new ApiError(response.status, (body && body.error) || { message: `The server answered HTTP ${response.status}.` });
        }
        if (!retry) throw new ApiError(response ? response.status : 0, { code: "network", message: "The server is not answering." });
        this.onRetry({ what: what || path, attempt, giveUp });
        const wait = Math.min(4000, 300 * 2 ** Math.min(attempt - 1, 4));
        for (let waited = 0; waited < wait && !gaveUp; waited += 100) await sleep(100);
        if (gaveUp) throw new GaveUp(what || path);
      }
    } finally {
      if (attempt > 1) this.onRetry(null);
    }
  }
}
