"""What nginx's micro-cache in front of one XTS2 process serves for the programme, beside the
uncached figures (``docs/benchmarks.md``, "The proxy's micro-cache").

    python -m bench.microcache [--duration 4] [--rounds 3] [--connections 16]

Starts one production-like XTS2 process (``production.ini``'s app and waitress, so
``xts2.public_max_age = 5``, on a scratch SQLite database with the demo season) and one nginx
(Debian's package) whose configuration is the example in ``docs/operators.md`` ("nginx in
front"), taken from the guide itself and changed only where a benchmark must: one upstream
process, plain HTTP on a free 127.0.0.1 port instead of TLS, scratch paths for the cache, logs,
pid and temporary files, one worker, no daemon. A second server block, on its own port, is the
same with ``proxy_cache off``. ``nginx -t`` checks the configuration first.

Then it checks the behaviour the guide promises (a public read is a HIT the second time, JSON
and XML are kept apart, a request with a key or password is a BYPASS and ``no-store``) and
measures ``tickets/getprogramme`` with ``wrk`` in four ways, in rounds so that the cached and
uncached figures are taken side by side on the same (shared) machine:

* direct to XTS2;
* through nginx without the cache;
* through nginx with the cache, no credential (the crowd);
* through nginx with the cache and an ``X-XTS2-Key`` header (a staff screen): every answer must
  be a BYPASS and ``no-store``, never a HIT.

It prints a Markdown table: the median req/s of the rounds and their range, p50/p99 latency,
the CPU per request of XTS2 and of nginx, and the ``X-Cache-Status`` and ``Cache-Control`` values
seen on every answer. It exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .client_load import demo_database
from .servers import ROOT, Server, free_port, write_ini

OPERATORS_MD = ROOT / "docs" / "operators.md"
PROGRAMME = "/v2/tickets/getprogramme"
CACHE_ZONE = "xts2_public"
#: The venue's website, in ``xts2.allowed_origins``: its pages read what's on from another origin.
WEBSITE = "https://www.example.org"


def bench_ini(workdir: Path, db: str) -> Path:
    """production.ini's app and server (``xts2.public_max_age = 5``) with a website allowed."""
    return write_ini(workdir / "microcache.ini", db, extra={"xts2.allowed_origins": WEBSITE})


# -- the configuration, from the operator's guide --------------------------------------------

def documented_config(doc: Path = OPERATORS_MD) -> str:
    """The ``nginx`` block under "### nginx in front" in the operator's guide, as written."""
    text = doc.read_text(encoding="utf-8")
    at = text.index("### nginx in front")
    m = re.compile(r"^```nginx\n(.*?)^```", re.S | re.M).search(text, at)
    if m is None:
        raise ValueError(f"{doc}: no ```nginx block after '### nginx in front'")
    return m.group(1)


def _sub(pattern: str, repl: str, text: str, count: int = 1) -> str:
    """``re.sub`` that insists on ``count`` matches: the guide changed if it finds another."""
    new, n = re.subn(pattern, repl, text, flags=re.M)
    if n != count:
        raise ValueError(f"the guide's nginx example no longer matches {pattern!r} "
                         f"({n} times, expected {count}): update bench/microcache.py")
    return new


def render_config(site: str, workdir: Path, upstream_port: int, cached_port: int,
                  plain_port: int, workers: int = 1) -> str:
    """A complete nginx.conf around the guide's example (``site``), for this benchmark."""
    # One upstream process instead of production's several.
    site = _sub(r"^(\s*server 127\.0\.0\.1:)\d+( .*;)\n(?:\s*server 127\.0\.0\.1:\d+ .*;\n)*",
                rf"\g<1>{upstream_port}\g<2>\n", site)
    # Plain HTTP on loopback instead of TLS.
    site = _sub(r"^(\s*)listen 443 ssl;", rf"\g<1>listen 127.0.0.1:{cached_port};", site)
    site = _sub(r"^\s*ssl_certificate(_key)?\s.*\n", "", site, count=2)
    # Scratch paths.
    site = _sub(r"/var/cache/nginx/xts2\b", str(workdir / "cache"), site)
    site = _sub(r"/var/log/nginx/xts2\.log\b", str(workdir / "access.log"), site)
    # The same server block again, on its own port, without the cache.
    m = re.search(r"^server \{\n.*?^\}\n", site, re.S | re.M)
    if m is None:
        raise ValueError("the guide's nginx example has no server block")
    plain = m.group(0).replace(f"listen 127.0.0.1:{cached_port};",
                               f"listen 127.0.0.1:{plain_port};")
    plain = _sub(rf"^(\s*)proxy_cache {CACHE_ZONE};", r"\g<1>proxy_cache off;", plain)
    site = site + "\n# bench.microcache: the same without the cache\n" + plain
    temp = "\n".join(f"    {d}_temp_path {workdir / d};"
                     for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    body = "\n".join("    " + line if line.strip() else "" for line in site.splitlines())
    return (f"# Written by bench.microcache from docs/operators.md (\"nginx in front\").\n"
            f"worker_processes {workers};\n"
            f"daemon off;\n"
            f"pid {workdir / 'nginx.pid'};\n"
            f"error_log {workdir / 'error.log'} warn;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n{temp}\n\n{body}\n}}\n")


def nginx_workdir() -> Path:
    """A new scratch folder for nginx's files, in the system's temporary folder. Started as root,
    nginx's workers run as an unprivileged user and must reach the cache folder in it: it is
    made 0755 (its parent, /tmp, already lets them through)."""
    workdir = Path(tempfile.mkdtemp(prefix="xts2-nginx-"))
    workdir.chmod(0o755)
    return workdir


def write_config(workdir: Path, upstream_port: int, cached_port: int, plain_port: int,
                 workers: int = 1) -> Path:
    """``workdir/nginx.conf`` (``workdir`` from :func:`nginx_workdir`)."""
    conf = workdir / "nginx.conf"
    conf.write_text(render_config(documented_config(), workdir, upstream_port, cached_port,
                                  plain_port, workers))
    return conf


def nginx_test(conf: Path) -> tuple[bool, str]:
    """``nginx -t`` on ``conf``: (passed, its output)."""
    out = subprocess.run(["nginx", "-t", "-p", str(conf.parent), "-e", str(conf.parent / "error.log"),
                          "-c", str(conf)], capture_output=True, text=True, timeout=30)
    return out.returncode == 0, (out.stdout + out.stderr).strip()


def nginx_version() -> str:
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    return (out.stderr or out.stdout).strip().split(":", 1)[-1].strip()


class Nginx:
    """One non-daemon nginx on ``conf`` (its master, and its workers)."""

    def __init__(self, conf: Path, ports: list[int]) -> None:
        self.conf, self.ports = conf, ports
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> Nginx:
        prefix = self.conf.parent
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(self.conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.tail()}")
            try:
                for port in self.ports:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2", timeout=2) as r:
                        r.read()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not answer in {timeout}s:\n{self.tail()}")

    def tail(self, n: int = 3000) -> str:
        try:
            return (self.conf.parent / "error.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """CPU (user + system) of the master and its workers so far."""
        if self.proc is None:
            return 0.0
        pids = [self.proc.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):  # the workers: the master's children
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown, workers included
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- what the guide promises ----------------------------------------------------------------

def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def check_behaviour(direct: str, cached: str, plain: str, key: str) -> list[tuple[str, bool, str]]:
    """(what, passed, what was seen) for each promise of the guide, on fresh cache entries."""
    results: list[tuple[str, bool, str]] = []

    def check(what: str, ok: bool, seen: str) -> None:
        results.append((what, ok, seen))

    # A query string no other request uses, so the entries are fresh (unknown parameters are
    # ignored by XTS2, and the cache keys on the whole URI).
    fresh = f"{PROGRAMME}?check={time.monotonic_ns()}"
    _, h, _ = fetch(direct + fresh)
    check("XTS2: a public read without a credential is public, max-age",
          h.get("cache-control", "").startswith("public, max-age=") and "Accept" in h.get("vary", ""),
          f"Cache-Control: {h.get('cache-control')}; Vary: {h.get('vary')}")
    seen = []
    for _ in range(2):
        status, h, body = fetch(cached + fresh)
        seen.append(h.get("x-cache-status"))
    check("nginx: the same public read twice is a MISS, then a HIT",
          seen == ["MISS", "HIT"] and status == 200, f"X-Cache-Status: {seen}")
    xml = body
    seen = []
    for _ in range(2):
        _, h, _ = fetch(cached + fresh, {"Origin": WEBSITE})
        seen.append((h.get("x-cache-status"), h.get("access-control-allow-origin")))
    check("nginx: the website's pages (Origin) get their own entry, with their CORS header",
          seen == [("MISS", WEBSITE), ("HIT", WEBSITE)], f"X-Cache-Status, ACAO: {seen}")
    status, h, body = fetch(cached + fresh, {"Accept": "application/json"})
    check("nginx: Accept: application/json is another entry (JSON, not the cached XML)",
          h.get("x-cache-status") == "MISS" and body != xml
          and h.get("content-type", "").startswith("application/json"),
          f"X-Cache-Status: {h.get('x-cache-status')}; Content-Type: {h.get('content-type')}")
    for what, url, headers in [
        ("X-XTS2-Key header", cached + fresh, {"X-XTS2-Key": key}),
        ("terminalkey parameter", f"{cached}{fresh}&terminalkey={key}", {}),
        ("X-XTS2-Password header", cached + fresh, {"X-XTS2-Password": "not-the-password"}),
        ("password parameter", f"{cached}{fresh}&password=not-the-password", {}),
    ]:
        status, h, _ = fetch(url, headers)
        check(f"nginx: a request with a {what} bypasses the cache and is no-store",
              h.get("x-cache-status") == "BYPASS" and h.get("cache-control") == "no-store",
              f"{status}; X-Cache-Status: {h.get('x-cache-status')}; "
              f"Cache-Control: {h.get('cache-control')}")
    status, h, _ = fetch(cached + fresh, {"X-XTS2-Key": key})
    check("nginx: a keyed request after the public answer was cached is still not a HIT",
          h.get("x-cache-status") == "BYPASS", f"X-Cache-Status: {h.get('x-cache-status')}")
    status, h, _ = fetch(cached + "/v2/baskets/newbasket")
    check("nginx: an error is not stored", h.get("cache-control") == "no-store"
          and h.get("x-cache-status") in (None, "MISS"),
          f"{status}; X-Cache-Status: {h.get('x-cache-status')}; "
          f"Cache-Control: {h.get('cache-control')}")
    status, h, _ = fetch(plain + fresh)
    check("nginx without the cache: no X-Cache-Status", status == 200
          and "x-cache-status" not in h, f"X-Cache-Status: {h.get('x-cache-status')}")
    return results


# -- the load --------------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "GET"
wrk.path = %(path)s
%(headers)s
cache = {}
control = {}
bad = 0
response = function(status, headers, body)
  local c = headers["X-Cache-Status"] or "-"
  cache[c] = (cache[c] or 0) + 1
  local cc = headers["Cache-Control"] or "-"
  control[cc] = (control[cc] or 0) + 1
  if status ~= 200 then bad = bad + 1 end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
local function merge(into, t) for k, v in pairs(t) do into[k] = (into[k] or 0) + v end end
local function encode(t)
  local parts = {}
  for k, v in pairs(t) do table.insert(parts, string.format("%%q: %%d", k, v)) end
  return "{" .. table.concat(parts, ", ") .. "}"
end
done = function(summary, latency, requests)
  local c, cc, b = {}, {}, 0
  for _, t in ipairs(threads) do
    merge(c, t:get("cache")); merge(cc, t:get("control")); b = b + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "errors": %%d, "bad": %%d, ' ..
    '"p50_us": %%d, "p99_us": %%d, "cache": %%s, "control": %%s}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, b,
    latency:percentile(50), latency:percentile(99), encode(c), encode(cc)))
end
"""


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int
    xts2_cpu: float
    nginx_cpu: float
    cache: dict[str, int] = field(default_factory=dict)
    control: dict[str, int] = field(default_factory=dict)


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> dict:
    lua = WRK_SCRIPT % {
        "path": json.dumps(PROGRAMME),
        "headers": "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}"
                             for k, v in headers.items())}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
        script = f.name
    try:
        out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s",
                              "--timeout", "10s", "-s", script, url],
                             capture_output=True, text=True, timeout=seconds + 60)
    finally:
        Path(script).unlink(missing_ok=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{out.stdout}\n{out.stderr}")
    return json.loads(line[len("WRKJSON "):])


def measure(url: str, headers: dict[str, str], seconds: int, connections: int,
            server: Server, nginx: Nginx) -> Run:
    x0, n0 = server.cpu_seconds(), nginx.cpu_seconds()
    d = wrk(url, headers, seconds, connections)
    x1, n1 = server.cpu_seconds(), nginx.cpu_seconds()
    return Run(rps=d["requests"] / (d["duration_us"] / 1e6), p50_ms=d["p50_us"] / 1000,
               p99_ms=d["p99_us"] / 1000, requests=d["requests"], failed=d["errors"] + d["bad"],
               xts2_cpu=x1 - x0, nginx_cpu=n1 - n0, cache=d["cache"], control=d["control"])


def _counts(runs: list[Run], attr: str) -> str:
    total: dict[str, int] = {}
    for r in runs:
        for k, v in getattr(r, attr).items():
            total[k] = total.get(k, 0) + v
    return ", ".join(f"{'none' if k == '-' else k} ×{v:,}"
                     for k, v in sorted(total.items(), key=lambda kv: -kv[1]))


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=4, help="seconds per measured run (4)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of the four cases, one after another (3); the median is shown")
    ap.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    ap.add_argument("--nginx-workers", type=int, default=1, help="nginx worker processes (1)")
    ap.add_argument("--workdir", type=Path,
                    help="keep the database, XTS2's log and a copy of nginx's files here")
    args = ap.parse_args(argv)
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            print(f"needs Debian's {tool}: apt-get install {tool}")
            return 2

    with tempfile.TemporaryDirectory(prefix="xts2-microcache-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        db, key = demo_database(workdir)
        ini = bench_ini(workdir, db)
        upstream, cached_port, plain_port = free_port(), free_port(), free_port()
        ndir = nginx_workdir()
        try:
            conf = write_config(ndir, upstream, cached_port, plain_port, args.nginx_workers)
            ok, out = nginx_test(conf)
            print(f"nginx {nginx_version()}; nginx -t on the guide's example: "
                  f"{'ok' if ok else 'FAILED'}")
            if not ok:
                print(out)
                return 1
            with Server(ini, env={"XTS2_DATABASE_URL": db}, port=upstream) as server, \
                    Nginx(conf, [cached_port, plain_port]) as nginx:
                return _measure_all(args, server, nginx, cached_port, plain_port, key)
        finally:
            if args.workdir:
                shutil.copytree(ndir, workdir / "nginx", dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(
                                    "cache", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            shutil.rmtree(ndir, ignore_errors=True)


def _measure_all(args: argparse.Namespace, server: Server, nginx: Nginx, cached_port: int,
                 plain_port: int, key: str) -> int:
    direct = server.url
    cached = f"http://127.0.0.1:{cached_port}"
    plain = f"http://127.0.0.1:{plain_port}"
    failures = 0
    for what, passed, seen in check_behaviour(direct, cached, plain, key):
        print(f"  {'ok  ' if passed else 'FAIL'} {what} ({seen})")
        failures += not passed

    cases = [
        ("direct to XTS2", direct, {}),
        ("nginx, no cache", plain, {}),
        ("nginx, micro-cache, no credential", cached, {}),
        ("nginx, micro-cache, X-XTS2-Key", cached, {"X-XTS2-Key": key}),
    ]
    for _, url, headers in cases:  # warm-up, not measured
        wrk(url, headers, 1, args.connections)
    load_before = loadavg()
    started = time.monotonic()
    runs: dict[str, list[Run]] = {name: [] for name, _, _ in cases}
    for _ in range(args.rounds):
        for name, url, headers in cases:
            runs[name].append(measure(url, headers, args.duration, args.connections,
                                      server, nginx))
    elapsed = time.monotonic() - started
    load_after = loadavg()

    print(f"\ntickets/getprogramme (demo season), wrk -t 1 -c {args.connections}, "
          f"{args.rounds} rounds × {args.duration} s per case, the cases interleaved; "
          f"{elapsed:.0f} s; load average (1, 5, 15 min) {load_before} before, "
          f"{load_after} after\n")
    print("| path | req/s (median) | req/s (range) | p50 ms | p99 ms | reached XTS2 "
          "| XTS2 CPU ms/req | nginx CPU ms/req | X-Cache-Status seen | Cache-Control seen "
          "| failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|")
    for name, _, _ in cases:
        rs = runs[name]
        mid = sorted(rs, key=lambda r: r.rps)[len(rs) // 2]
        requests = sum(r.requests for r in rs) or 1
        lo, hi = min(r.rps for r in rs), max(r.rps for r in rs)
        spread = 50 * (hi - lo) / (statistics.median(r.rps for r in rs) or 1)
        xcpu = 1000 * sum(r.xts2_cpu for r in rs) / requests
        ncpu = 1000 * sum(r.nginx_cpu for r in rs) / requests
        through_nginx = name != "direct to XTS2"
        # Answers nginx served from the cache (HIT, and the expiring copy while one request
        # refreshes it: UPDATING, STALE) never reached XTS2.
        served = sum(v for r in rs for k, v in r.cache.items()
                     if k in ("HIT", "UPDATING", "STALE", "REVALIDATED"))
        reached = f"{requests - served:,}"
        print(f"| {name} | {mid.rps:,.0f} | {lo:,.0f}–{hi:,.0f} (±{spread:.0f} %) "
              f"| {mid.p50_ms:.1f} | {mid.p99_ms:.1f} | {reached} | {xcpu:.3f} "
              f"| {f'{ncpu:.3f}' if through_nginx else '–'} "
              f"| {_counts(rs, 'cache') if through_nginx else '–'} "
              f"| {_counts(rs, 'control')} | {sum(r.failed for r in rs)} |")

    keyed = runs["nginx, micro-cache, X-XTS2-Key"]
    statuses = {k for r in keyed for k in r.cache}
    controls = {k for r in keyed for k in r.control}
    keyed_ok = statuses <= {"BYPASS"} and controls == {"no-store"}
    print(f"\nkeyed requests: X-Cache-Status {sorted(statuses)}, Cache-Control "
          f"{sorted(controls)}: {'never from the cache, all no-store' if keyed_ok else 'FAIL'}")
    failed = sum(r.failed for rs in runs.values() for r in rs)
    if failed:
        print(f"FAIL: {failed} requests failed (non-200 or socket errors)")
    return 1 if failures or failed or not keyed_ok else 0


if __name__ == "__main__":
    sys.exit(main())
