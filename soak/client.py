"""The soak test's clients: an HTTP client that retries safely, and the sales it makes.

Every request goes to the next live server in turn, as a reverse proxy would send it. A
request whose connection fails (refused by a dead process, or cut when one is killed) is sent
again — to another server — with the same ``opid``, so it is applied once whatever happened to
the first try; the failure is counted with its time, and the run checks afterwards that every
one fell inside a kill.

What a client saw succeed is kept in :class:`Seen` and compared with the database at the end.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

REQUEST_TIMEOUT = 60.0
RETRY_FOR = 90.0  # seconds a request is retried on connection failures before it counts as failed


def cents(money: str) -> int:
    """``"-8.50"`` → ``-850`` (API money is a decimal string with two places)."""
    sign = -1 if money.startswith("-") else 1
    whole, _, frac = money.lstrip("-").partition(".")
    return sign * (int(whole) * 100 + int((frac + "00")[:2]))


def money(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


class Cluster:
    """The servers' ports, taken in turn; a port that refused a connection is skipped for a
    second (a proxy's passive health check)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = list(ports)
        self._down: dict[int, float] = {}
        self._next = 0
        self._lock = threading.Lock()

    def pick(self) -> int:
        with self._lock:
            now = time.monotonic()
            for _ in range(len(self.ports)):
                port = self.ports[self._next % len(self.ports)]
                self._next += 1
                if self._down.get(port, 0) <= now:
                    return port
            return self.ports[self._next % len(self.ports)]

    def mark_down(self, port: int, seconds: float = 1.0) -> None:
        with self._lock:
            self._down[port] = time.monotonic() + seconds


class ApiError(Exception):
    """An error envelope the flow did not expect."""

    def __init__(self, path: str, status: int, body: dict[str, Any]) -> None:
        err = body.get("error") or {}
        self.path, self.status, self.code = path, status, err.get("code")
        super().__init__(f"{path}: HTTP {status} {self.code}: {err.get('message')}")


class RequestFailed(Exception):
    """A request that never got an answer, however often it was retried."""


@dataclass
class Stats:
    """One client's counts (merged at the end)."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    replayed: int = 0
    resent: int = 0
    retried: int = 0
    connection_errors: list[tuple[float, int, str, str]] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)

    def merge(self, other: Stats) -> None:
        self.requests += other.requests
        for k, v in other.by_status.items():
            self.by_status[k] = self.by_status.get(k, 0) + v
        for k, v in other.rejected.items():
            self.rejected[k] = self.rejected.get(k, 0) + v
        self.replayed += other.replayed
        self.resent += other.resent
        self.retried += other.retried
        self.connection_errors += other.connection_errors
        self.server_errors += other.server_errors
        self.unexpected += other.unexpected
        self.failed += other.failed


class Api:
    """One client's connections (kept alive, one per server) and its request loop."""

    def __init__(self, cluster: Cluster, key: str | None, name: str, stats: Stats,
                 password: str | None = None, resend: float = 0.0,
                 rng: random.Random | None = None) -> None:
        self.cluster, self.key, self.name, self.stats = cluster, key, name, stats
        self.password = password
        #: the share of state-changing requests sent twice, as a client does whose answer was
        #: lost: the second must be the first answer replayed.
        self.resend, self.rng = resend, rng or random.Random()
        self._conns: dict[int, http.client.HTTPConnection] = {}
        self._seq = 0

    def opid(self) -> str:
        self._seq += 1
        return f"{self.name}-{self._seq}"

    def call(self, path: str, params: dict[str, Any] | None = None, *, changes: bool = False,
             expect: tuple[str, ...] = ()) -> dict[str, Any]:
        """GET ``/v2/{path}`` as JSON. ``changes``: send an ``opid`` (the same on every retry).
        An error whose code is in ``expect`` is returned; any other raises :class:`ApiError`."""
        q = {k: v for k, v in (params or {}).items() if v is not None}
        q["format"] = "json"
        if changes:
            q["opid"] = self.opid()
        url = f"/v2/{path}?{urllib.parse.urlencode(q)}"
        headers = {}
        if self.key:
            headers["X-XTS2-Key"] = self.key
        if self.password:
            headers["X-XTS2-Password"] = self.password
        status, raw, replayed = self._send(url, headers, path)
        if changes and status == 200 and self.resend and self.rng.random() < self.resend:
            self.stats.requests += 1
            self.stats.resent += 1
            status2, raw2, replayed2 = self._send(url, headers, path)
            if (status2, raw2, replayed2) != (status, raw, True):
                self.stats.unexpected.append(f"{path}: the same opid again answered HTTP {status2} "
                                             f"{raw2[:200]!r} (replayed: {replayed2})")
        self.stats.requests += 1
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        self.stats.replayed += replayed
        if status >= 500:
            self.stats.server_errors.append(f"{path}: HTTP {status} {raw[:300]!r}")
            raise ApiError(path, status, {})
        body = json.loads(raw)
        if body.get("status") != "ok":
            err = ApiError(path, status, body)
            if err.code in expect:
                return body
            raise err
        return body

    def _send(self, url: str, headers: dict[str, str], path: str) -> tuple[int, bytes, bool]:
        started = time.monotonic()
        while True:
            port = self.cluster.pick()
            conn = self._conns.get(port)
            if conn is None:
                conn = self._conns[port] = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            try:
                conn.request("GET", url, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    del self._conns[port]
                return resp.status, raw, resp.getheader("X-XTS2-Replayed") == "true"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._conns.pop(port, None)
                kind = "refused" if isinstance(exc, ConnectionRefusedError) else "cut"
                if kind == "refused":
                    self.cluster.mark_down(port)
                self.stats.connection_errors.append((time.time(), port, kind, path))
                if time.monotonic() - started > RETRY_FOR:
                    raise RequestFailed(f"{path}: no answer for {RETRY_FOR:.0f}s ({exc!r})") from exc
                self.stats.retried += 1
                time.sleep(0.05)

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()


@dataclass
class SeenBasket:
    """A basket as its client saw it."""

    id: int
    terminal: str
    kind: str  # sale, refund, abandoned (left to expire), empty (nothing could be added)
    expires: str | None = None
    items: dict[int, tuple[str, int, int]] = field(default_factory=dict)  # id → type, qty, price
    tickets: dict[int, tuple[int, int, int, bool]] = field(default_factory=dict)  # id → perf, tt, qty, refund
    cafe: dict[int, tuple[int, int]] = field(default_factory=dict)  # id → stock, qty
    payments: list[tuple[str, int]] = field(default_factory=list)  # code, takings (+pay, -refund)
    value: int = 0
    closed: bool = False


@dataclass
class Catalogue:
    """What there is to sell, read through the API before the clients start."""

    performances: list[int]
    tickettypes: list[tuple[int, int]]  # id, price
    stock: list[int]
    small: int  # the performance that sells out


class Client(threading.Thread):
    """One terminal operator: sales, abandoned baskets and refunds until the deadline."""

    def __init__(self, index: int, cluster: Cluster, terminal: str, key: str, cat: Catalogue,
                 deadline: float, seed: int) -> None:
        super().__init__(name=f"client{index}", daemon=True)
        self.stats = Stats()
        self.rng = random.Random(seed * 1000 + index)
        self.api = Api(cluster, key, f"s{seed}c{index}", self.stats, resend=0.03, rng=self.rng)
        self.terminal, self.cat, self.deadline = terminal, cat, deadline
        self.baskets: list[SeenBasket] = []
        self._refundable: list[tuple[int, int, int, int]] = []  # perf, tt, qty, from item

    def run(self) -> None:
        try:
            while time.monotonic() < self.deadline:
                r = self.rng.random()
                try:
                    if r < 0.15:
                        self.abandon()
                    elif r < 0.27 and self._refundable:
                        self.refund()
                    else:
                        self.sale()
                except ApiError as exc:
                    if exc.status < 500:
                        self.stats.unexpected.append(str(exc))
                except RequestFailed as exc:
                    self.stats.failed.append(str(exc))
        finally:
            self.api.close()

    # -- the steps ---------------------------------------------------------------------------

    def new_basket(self, kind: str, expiry: int | None = None) -> SeenBasket:
        b = self.api.call("baskets/newbasket", {"expiry": expiry}, changes=True)["basket"]
        seen = SeenBasket(id=int(b["id"]), terminal=self.terminal, kind=kind, expires=b.get("expires"))
        self.baskets.append(seen)
        return seen

    def _added(self, b: SeenBasket, body: dict[str, Any]) -> int:
        item = body["item"]
        iid = int(item["id"])
        b.items[iid] = (item["type"], int(item["quantity"]), cents(item["unitprice"]))
        b.value = cents(body["basket"]["value"])
        return iid

    def add_ticket(self, b: SeenBasket, perf: int, tt: int, qty: int, refund: bool = False) -> bool:
        body = self.api.call("baskets/additem", {
            "basket": b.id, "type": "ticket", "item.performance": perf, "item.tickettype": tt,
            "item.quantity": qty, "item.refund": "true" if refund else None},
            changes=True, expect=() if refund else ("item_rejected",))
        if body["status"] != "ok":
            self.stats.rejected["ticket"] = self.stats.rejected.get("ticket", 0) + 1
            return False
        b.tickets[self._added(b, body)] = (perf, tt, qty, refund)
        return True

    def add_cafe(self, b: SeenBasket, stock: int, qty: int) -> bool:
        body = self.api.call("baskets/additem", {
            "basket": b.id, "type": "cafe", "item.stock": stock, "item.quantity": qty},
            changes=True, expect=("item_rejected",))
        if body["status"] != "ok":
            self.stats.rejected["cafe"] = self.stats.rejected.get("cafe", 0) + 1
            return False
        b.cafe[self._added(b, body)] = (stock, qty)
        return True

    def add_payment(self, b: SeenBasket, code: str, amount: int, refund: bool = False) -> None:
        body = self.api.call("baskets/additem", {
            "basket": b.id, "type": "payment", "item.paymenttype": code, "item.amount": money(amount),
            "item.refund": "true" if refund else None}, changes=True)
        self._added(b, body)
        b.payments.append((code, -amount if refund else amount))

    def close(self, b: SeenBasket) -> None:
        body = self.api.call("baskets/closebasket", {"basket": b.id}, changes=True)
        if body["basket"]["state"] != "closed":
            raise ApiError("baskets/closebasket", 200, {"error": {"message": "not closed"}})
        b.closed = True

    # -- the flows ---------------------------------------------------------------------------

    def sale(self) -> None:
        """Tickets for one or two performances, perhaps cafe items, card + cash, close."""
        b = self.new_basket("sale")
        for _ in range(self.rng.randint(1, 2)):
            tt, _price = self.rng.choice(self.cat.tickettypes)
            self.add_ticket(b, self.rng.choice(self.cat.performances), tt, self.rng.randint(1, 4))
        if not b.items or self.rng.random() < 0.5:
            self.add_cafe(b, self.rng.choice(self.cat.stock), self.rng.randint(1, 3))
        if not b.items:
            b.kind = "empty"
            return
        owed = b.value
        card = self.rng.randint(1, owed) if self.rng.random() < 0.8 else 0
        for code, amount in (("card", card), ("cash", owed - card)):
            if amount > 0:
                self.add_payment(b, code, amount)
        self.close(b)
        self._refundable += [(perf, tt, qty, iid) for iid, (perf, tt, qty, refund)
                             in b.tickets.items() if not refund]

    def abandon(self) -> None:
        """Seats for the small performance in a basket left to expire (the shortest expiry)."""
        b = self.new_basket("abandoned", expiry=30)
        tt, _price = self.rng.choice(self.cat.tickettypes)
        self.add_ticket(b, self.cat.small, tt, self.rng.randint(1, 2))

    def refund(self) -> None:
        """An anti-ticket for seats this client sold, the money back in cash, close."""
        perf, tt, qty, _item = self._refundable.pop(self.rng.randrange(len(self._refundable)))
        b = self.new_basket("refund")
        self.add_ticket(b, perf, tt, qty, refund=True)
        self.add_payment(b, "cash", -b.value, refund=True)
        self.close(b)
