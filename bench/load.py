"""Load drivers, run in their own process so the server under test keeps its cores to itself.

* :func:`run_wrk` drives simple GETs with ``wrk`` (Debian's package), cycling through a list of
  paths with a small Lua script whose ``done`` hook prints the figures as JSON.
* :func:`run_gets` does the same with the asyncio client below (when wrk is missing).
* :func:`run_sales` drives the multi-step sale: ``newbasket``, two ticket ``additem``, a payment
  ``additem``, ``closebasket``, from ``clients`` concurrent keep-alive connections.
* :func:`run_onsale` drives a hot on-sale: many clients at once, each with its own basket, ask for
  tickets of one performance the moment it goes on sale, then pay and close; those who come too
  late are refused (``item_rejected``). It counts what was sold and how long it took.

The asyncio client is a minimal HTTP/1.1 keep-alive client written with the standard library:
it sends ``GET`` requests and reads answers that carry a ``Content-Length`` (as waitress sends).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode


@dataclass
class Result:
    """What one load run measured. Latencies are in seconds."""

    requests: int = 0
    seconds: float = 0.0
    failures: int = 0
    p50: float = 0.0
    p99: float = 0.0
    #: Sales only: completed sales, and the latency of a whole sale.
    sales: int = 0
    sale_p50: float = 0.0
    sale_p99: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    driver: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def sps(self) -> float:
        return self.sales / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["rps"], d["sps"] = self.rps, self.sps
        return d


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (0–100) of sorted values, nearest rank."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


# -- wrk -------------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%(paths)s}
local ports = {%(ports)s}
local counter = 0
local threads = 0
setup = function(thread)
  -- Several server processes: each wrk thread drives one of them.
  threads = threads + 1
  local port = ports[(threads - 1) %% #ports + 1]
  thread.addr = wrk.lookup("127.0.0.1", tostring(port))[1]
end
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(bases: list[str], paths: list[str], seconds: float, connections: int) -> Result:
    """``wrk`` cycling through ``paths`` for ``seconds``; failures are non-2xx and socket errors.
    With several ``bases`` (server processes), one wrk thread drives each."""
    lua = WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths),
                        "ports": ", ".join(str(_split(b)[1]) for b in bases)}
    threads = len(bases)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
        script = f.name
    try:
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
             "--timeout", "10s", "-s", script, bases[0]],
            capture_output=True, text=True, timeout=seconds + 60)
    finally:
        Path(script).unlink(missing_ok=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{out.stdout}\n{out.stderr}")
    d = json.loads(line[len("WRKJSON "):])
    errors = {k: d[k] for k in ("connect", "read", "write", "status", "timeout") if d[k]}
    return Result(requests=d["requests"], seconds=d["duration_us"] / 1e6,
                  failures=sum(errors.values()), p50=d["p50_us"] / 1e6, p99=d["p99_us"] / 1e6,
                  errors=errors, driver="wrk")


# -- the asyncio client ----------------------------------------------------------------------

class HTTPError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.reader = self.writer = None

    async def get(self, path: str) -> tuple[int, bytes]:
        """``GET path`` → (status, body); reconnects once if the server closed the connection."""
        for attempt in (0, 1):
            if self.writer is None:
                await self._open()
            try:
                return await self._exchange(path)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, path: str) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          "Accept: */*\r\n\r\n".encode("latin-1"))
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, close = None, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if length is None:
            raise HTTPError("answer without Content-Length")
        body = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, body


def _split(base: str) -> tuple[str, int]:
    hostport = base.split("://", 1)[1].rstrip("/")
    host, _, port = hostport.partition(":")
    return host, int(port or 80)


async def _gets(bases: list[str], paths: list[str], seconds: float, connections: int) -> Result:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal failures
        conn = Connection(*_split(bases[n % len(bases)]))
        i = n * 7919
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                status, _ = await conn.get(path)
            except (OSError, HTTPError, asyncio.IncompleteReadError):
                failures += 1
                await conn.close()
                continue
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                failures += 1
        await conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return Result(requests=len(latencies), seconds=elapsed, failures=failures,
                  p50=percentile(latencies, 50), p99=percentile(latencies, 99), driver="asyncio")


def run_gets(bases: list[str], paths: list[str], seconds: float, connections: int) -> Result:
    """Like :func:`run_wrk`, with the asyncio client (connections spread over ``bases``)."""
    return asyncio.run(_gets(bases, paths, seconds, connections))


# -- the sale --------------------------------------------------------------------------------

@dataclass
class SaleSpec:
    """What a sale needs: terminal keys (one per client), what to sell, how to pay."""

    keys: list[str]
    #: (performance id, ticket type id) pairs to choose the two tickets from.
    tickets: list[tuple[int, int]]
    paymenttype: str


def _q(path: str, **params: Any) -> str:
    return f"/v2/{path}?{urlencode(params)}"


def newbasket_path(key: str) -> str:
    return _q("baskets/newbasket", terminalkey=key, format="json")


def ticket_path(key: str, basket: int, performance: int, tickettype: int) -> str:
    return _q("baskets/additem", terminalkey=key, format="json", basket=basket, type="ticket",
              **{"item.performance": performance, "item.tickettype": tickettype})


def payment_path(key: str, basket: int, paymenttype: str, amount: str) -> str:
    return _q("baskets/additem", terminalkey=key, format="json", basket=basket, type="payment",
              **{"item.paymenttype": paymenttype, "item.amount": amount})


def close_path(key: str, basket: int) -> str:
    return _q("baskets/closebasket", terminalkey=key, format="json", basket=basket)


def one_sale(call: Any, key: str, tickets: list[tuple[int, int]], paymenttype: str) -> None:
    """The sale's five requests, synchronously (``call(path) -> JSON``; queries.py uses it)."""
    basket = call(newbasket_path(key))["basket"]["id"]
    value = "0.00"
    for perf, ttype in tickets:
        value = call(ticket_path(key, basket, perf, ttype))["basket"]["value"]
    call(payment_path(key, basket, paymenttype, value))
    call(close_path(key, basket))


async def _sales(bases: list[str], spec: SaleSpec, seconds: float, clients: int, seed: int
                 ) -> Result:
    latencies: list[float] = []
    sale_latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    def fail(step: str, status: int, body: bytes) -> None:
        try:
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = f"http{status}"
        key = f"{step}:{code}"
        errors[key] = errors.get(key, 0) + 1

    async def call(conn: Connection, step: str, path: str) -> dict[str, Any] | None:
        t0 = time.perf_counter()
        try:
            status, body = await conn.get(path)
        except (OSError, HTTPError, asyncio.IncompleteReadError) as exc:
            errors[f"{step}:{type(exc).__name__}"] = errors.get(f"{step}:{type(exc).__name__}", 0) + 1
            await conn.close()
            return None
        latencies.append(time.perf_counter() - t0)
        if status != 200:
            fail(step, status, body)
            return None
        return json.loads(body)

    async def client(n: int) -> int:
        rng = random.Random(seed * 1000 + n)
        key = spec.keys[n % len(spec.keys)]
        conn = Connection(*_split(bases[n % len(bases)]))
        done = 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            a = await call(conn, "newbasket", newbasket_path(key))
            if a is None:
                continue
            basket = a["basket"]["id"]
            ok = True
            value = "0.00"
            for _ in range(2):
                perf, ttype = rng.choice(spec.tickets)
                r = await call(conn, "additem:ticket", ticket_path(key, basket, perf, ttype))
                if r is None:
                    ok = False
                    break
                value = r["basket"]["value"]
            if not ok:
                continue
            r = await call(conn, "additem:payment",
                           payment_path(key, basket, spec.paymenttype, value))
            if r is None:
                continue
            r = await call(conn, "closebasket", close_path(key, basket))
            if r is None:
                continue
            sale_latencies.append(time.perf_counter() - t0)
            done += 1
        await conn.close()
        return done

    start = time.perf_counter()
    counts = await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    sale_latencies.sort()
    return Result(requests=len(latencies), seconds=elapsed, failures=sum(errors.values()),
                  p50=percentile(latencies, 50), p99=percentile(latencies, 99),
                  sales=sum(counts), sale_p50=percentile(sale_latencies, 50),
                  sale_p99=percentile(sale_latencies, 99), errors=errors, driver="asyncio")


def run_sales(bases: list[str], spec: SaleSpec, seconds: float, clients: int, seed: int = 1
              ) -> Result:
    """Full sales from ``clients`` concurrent clients for ``seconds`` (spread over ``bases``)."""
    return asyncio.run(_sales(bases, spec, seconds, clients, seed))


# -- the hot on-sale ------------------------------------------------------------------------

@dataclass
class OnsaleSpec:
    """One performance going on sale: who asks (terminal keys), for what, how they pay."""

    website_keys: list[str]
    boxoffice_keys: list[str]
    performance: int
    tickettype: int
    capacity: int
    quantity: int = 2
    paymenttype: str = "card"
    #: One client in ``boxoffice_every`` sells at a box-office till; the others on the website.
    boxoffice_every: int = 5


def onsale_ticket_path(key: str, basket: int, spec: OnsaleSpec) -> str:
    return _q("baskets/additem", terminalkey=key, format="json", basket=basket, type="ticket",
              **{"item.performance": spec.performance, "item.tickettype": spec.tickettype,
                 "item.quantity": spec.quantity})


async def _onsale(bases: list[str], spec: OnsaleSpec, clients: int, timeout: float
                  ) -> dict[str, Any]:
    """Every client connects first; then, at one moment (the on-sale), each runs ``newbasket``,
    a ticket ``additem`` of ``quantity``, and, if that was granted, a payment and ``closebasket``.
    A refusal must be ``item_rejected``; anything else (another error, a 5xx, a socket error, a
    client past ``timeout``) is a failure."""
    additem: list[float] = []
    sale: list[float] = []
    granted: list[float] = []  # when each granted ticket additem was answered (since the start)
    requests = 0
    refusals: dict[str, int] = {}
    messages: dict[str, int] = {}
    errors: dict[str, int] = {}
    go = asyncio.Event()
    t_start = 0.0

    def error(key: str) -> None:
        errors[key] = errors.get(key, 0) + 1

    async def call(conn: Connection, step: str, path: str) -> tuple[int, Any] | None:
        nonlocal requests
        try:
            status, body = await conn.get(path)
        except (OSError, HTTPError, asyncio.IncompleteReadError) as exc:
            error(f"{step}:{type(exc).__name__}")
            await conn.close()
            return None
        requests += 1
        try:
            return status, json.loads(body)
        except ValueError:
            error(f"{step}:http{status}:not-json")
            return None

    def code(answer: Any) -> str:
        try:
            return str(answer["error"]["code"])
        except (KeyError, TypeError):
            return "?"

    async def client(n: int) -> None:
        if n % spec.boxoffice_every == 0:
            keys = spec.boxoffice_keys
            key = keys[(n // spec.boxoffice_every) % len(keys)]
        else:
            keys = spec.website_keys
            key = keys[n % len(keys)]
        conn = Connection(*_split(bases[n % len(bases)]))
        try:
            await conn._open()
        except OSError as exc:
            error(f"connect:{type(exc).__name__}")
            return
        await go.wait()
        t0 = time.perf_counter()
        try:
            r = await call(conn, "newbasket", newbasket_path(key))
            if r is None or r[0] != 200:
                if r is not None:
                    error(f"newbasket:{code(r[1])}")
                return
            basket = r[1]["basket"]["id"]
            t1 = time.perf_counter()
            r = await call(conn, "additem:ticket", onsale_ticket_path(key, basket, spec))
            if r is None:
                return
            additem.append(time.perf_counter() - t1)
            status, answer = r
            if status != 200:
                c = code(answer)
                if status == 409 and c == "item_rejected":
                    refusals[c] = refusals.get(c, 0) + 1
                    msg = str(answer["error"].get("message", ""))
                    messages[msg] = messages.get(msg, 0) + 1
                else:
                    error(f"additem:ticket:{c}:http{status}")
                return
            granted.append(time.perf_counter() - t_start)
            value = answer["basket"]["value"]
            r = await call(conn, "additem:payment",
                           payment_path(key, basket, spec.paymenttype, value))
            if r is None or r[0] != 200:
                if r is not None:
                    error(f"additem:payment:{code(r[1])}")
                return
            r = await call(conn, "closebasket", close_path(key, basket))
            if r is None or r[0] != 200:
                if r is not None:
                    error(f"closebasket:{code(r[1])}")
                return
            sale.append(time.perf_counter() - t0)
        finally:
            await conn.close()

    tasks = [asyncio.ensure_future(client(n)) for n in range(clients)]
    await asyncio.sleep(0.5)  # every client connected (or queued in the listen backlog)
    t_start = time.perf_counter()
    go.set()
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    for t in pending:
        t.cancel()
        error("client:timeout")
    elapsed = time.perf_counter() - t_start
    # What the server says was sold (closed baskets), by one more client.
    conn = Connection(*_split(bases[0]))
    try:
        _, body = await conn.get(_q("tickets/getperformance", performance=spec.performance,
                                    format="json"))
        counts = json.loads(body)["performance"]["counts"]
    finally:
        await conn.close()
    additem.sort()
    sale.sort()
    granted.sort()
    return {
        "clients": clients, "capacity": spec.capacity, "quantity": spec.quantity,
        "performance": spec.performance,
        "sold": counts["sold"], "reserved": counts["reserved"],
        "sales": len(sale), "granted": len(granted),
        "refusals": refusals, "messages": messages,
        "failures": sum(errors.values()), "errors": errors,
        "requests": requests, "seconds": elapsed, "rps": requests / elapsed if elapsed else 0.0,
        "first_seat": granted[0] if granted else None,
        "last_seat": granted[-1] if granted else None,
        "soldout": (granted[-1] - granted[0]) if granted else None,
        "additem_p50": percentile(additem, 50), "additem_p99": percentile(additem, 99),
        "sale_p50": percentile(sale, 50), "sale_p99": percentile(sale, 99),
        # as the other cases name them, for the common code
        "p50": percentile(additem, 50), "p99": percentile(additem, 99),
        "driver": "asyncio",
    }


def run_onsale(bases: list[str], spec: OnsaleSpec, clients: int, timeout: float = 120
               ) -> dict[str, Any]:
    """One on-sale of ``spec.performance`` to ``clients`` clients (spread over ``bases``)."""
    return asyncio.run(_onsale(bases, spec, clients, timeout))


# -- as a separate process -------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """``python -m bench.load JOB.json``: run one job, print its result as JSON (used by run.py
    so the client never shares a process, or a GIL, with anything else)."""
    import sys

    job = json.loads(Path((argv or sys.argv[1:])[0]).read_text())
    if job["kind"] == "onsale":
        spec = OnsaleSpec(**job["spec"])
        print("RESULT " + json.dumps(run_onsale(job["bases"], spec, job["clients"],
                                                job.get("timeout", 120))))
        return 0
    if job["kind"] == "sales":
        s = job["spec"]
        spec = SaleSpec(keys=s["keys"], tickets=[tuple(t) for t in s["tickets"]],
                        paymenttype=s["paymenttype"])
        result = run_sales(job["bases"], spec, job["seconds"], job["clients"], job.get("seed", 1))
    elif job["kind"] == "wrk":
        result = run_wrk(job["bases"], job["paths"], job["seconds"], job["connections"])
    else:
        result = run_gets(job["bases"], job["paths"], job["seconds"], job["connections"])
    print("RESULT " + json.dumps(result.as_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
