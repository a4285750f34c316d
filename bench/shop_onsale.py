"""A hot on-sale through the shop: a crowd of customers, each a browser of its own, buys the seats
of one performance through the shop's pages, as people would (``python -m bench --shop-onsale``).

Each customer has a cookie jar of its own and walks the shop's real page flow, reading what it
needs from the HTML as a browser would (the CSRF token, the form's one-time id, the ticket types
and how many may be bought): the programme (``/shop/``, which must list the performance), the
performance page, the POST adding 1–4 tickets, the basket, the checkout page, the checkout POST
(the test payment service), the service's page, its Pay button, the return to the shop, and the
order page. A customer who is told the performance is sold out (the performance page says so, or
the add is refused in the provider's words) stops there; one told that fewer seats are left than
asked for asks again for what the page now offers (at most 3 tries). Every request opens a
connection of its own and goes to the next server process in turn, as a proxy in front of
several processes (nginx's default: round robin, a new upstream connection per request) sends
it; the customers arrive spread over a few seconds.

The crowd runs in a process of its own (``python -m bench.shop_onsale JOB.json``, asyncio, one
thread), which reports its own CPU time: on a machine of two cores it shares the cores with the
servers, and the report says how much of them it took.

Afterwards the bench checks, through the API (``tickets/getperformance``, ``baskets/getbasket``
with the online terminal's key) and the shop's tables, that exactly the capacity was sold, that
no seat was sold twice, that every paid order's basket is closed with its payment for the whole
value, and that no payment, order or basket was left half done.

The payment service's notification (``shop.testpay.notify``) is by default sent by the bench
itself, as the service would from outside (``--shop-notify service``: the shop's setting
``off``, and a signed ``POST /shop/testpay/notify`` before the customer is sent back);
``before`` lets the shop's test service notify from inside the server (the setting's default:
it posts to the URL the customer's request came to, so in this mode the customers do not say
they came through TLS, else it would post to https:// on the plain HTTP port), ``off`` leaves it
to the customer's return.

Beside it, with one process and one request at a time, the server's CPU per request of the
shop's pages and of the API's reads of the same data (:func:`measure_costs`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import html
import http.client
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

#: The online terminal the shop sells as (``shop.terminal``); the bench knows its key to read
#: the orders' baskets through the API afterwards.
WEBSITE = "Website"
WEBSITE_KEY = "bench-shop-website-key-0001"
#: Signs the shop's cookie, and the test service's notifications the bench sends.
SECRET = "bench-shop-secret-not-a-secret"
SHOW = "Shop on-sale show"
TICKETTYPES = [("Adult", 2500), ("Concession", 1800)]

#: The shop's settings in the bench ini (production.ini's app otherwise): the test payment
#: service, no per-address basket limit (every customer comes from 127.0.0.1), 4 tickets at most.
SHOP_SETTINGS = {
    "shop.terminal": WEBSITE,
    "shop.secret": SECRET,
    "shop.testpay": "true",
    "shop.baskets_per_window": "0",
    "shop.max_tickets": "4",
    "shop.venue_name": "Bench Theatre",
}

NOTIFY_MODES = ("service", "before", "off")


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# -- the venue -------------------------------------------------------------------------------

def shop_season() -> str:
    """The online payment type and the shop's terminal, as a season file (JSON is YAML)."""
    return json.dumps({
        "paymenttypes": [{"code": "online", "name": "Online payment"}],
        "terminals": [{"name": WEBSITE, "key": WEBSITE_KEY, "expiry": 1800,
                       "paymenttypes": ["online"]}],
    }, indent=1)


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def make_performance(url: str, capacity: int, now: datetime | None = None
                     ) -> tuple[int, list[int]]:
    """A new performance of ``capacity`` seats, nothing sold, in a show of its own ("Shop on-sale
    show", with an adult and a concession price; made by the first call) 21 days ahead, or an
    hour after the show's last performance, so that it is in the shop's programme (the next 60
    days). Written straight into the tables while the servers run, as another process would.
    Returns (id, ticket type ids)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0, second=0, minute=0)
    engine = _engine(url)
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.begin() as conn:
            show = conn.execute(sa.text("SELECT id FROM tickets_show WHERE name = :n"),
                                {"n": SHOW}).scalar()
            if show is None:
                show = conn.execute(sa.text(
                    "INSERT INTO tickets_show (name, description, publicity) "
                    "VALUES (:n, :d, '') RETURNING id"),
                    {"n": SHOW, "d": "A generated show that goes on sale in the shop."}
                ).scalar_one()
                for name, price in TICKETTYPES:
                    conn.execute(sa.text("INSERT INTO tickets_tickettype (show_id, name, price) "
                                         "VALUES (:s, :n, :p)"), {"s": show, "n": name, "p": price})
            types = [conn.execute(sa.text(
                "SELECT id FROM tickets_tickettype WHERE show_id = :s AND name = :n"),
                {"s": show, "n": name}).scalar_one() for name, _ in TICKETTYPES]
            start = (now + timedelta(days=21)).replace(tzinfo=None)
            last = conn.execute(sa.text("SELECT max(start) FROM tickets_performance "
                                        "WHERE show_id = :s"), {"s": show}).scalar()
            if last is not None:
                if isinstance(last, str):
                    last = datetime.fromisoformat(last)
                start = max(start, last.replace(tzinfo=None) + timedelta(hours=1))
            perf = conn.execute(sa.text(
                "INSERT INTO tickets_performance (show_id, start, capacity, heldback) "
                "VALUES (:s, :t, :c, 0) RETURNING id"),
                {"s": show, "t": start.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else start,
                 "c": capacity}).scalar_one()
    finally:
        engine.dispose()
    return perf, types


# -- a browser -------------------------------------------------------------------------------

class Answer:
    __slots__ = ("status", "headers", "body", "seconds")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes,
                 seconds: float) -> None:
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    @property
    def location(self) -> str:
        """The redirect's path (a proxy's clients would be sent to the proxy, not a process)."""
        loc = self.header("location") or ""
        parts = urlsplit(loc)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class HTTPFailure(Exception):
    pass


class Browser:
    """One customer's browser: a cookie jar, and a request at a time.

    As behind a proxy (``keepalive`` false, the default), each request opens a connection of its
    own and goes to the next of ``bases`` in turn. With ``keepalive`` the customer keeps one
    connection to one process (``bases[start]``) for the whole visit, as a browser talking to
    the server directly would: waitress then serves at most ``connection_limit`` (100)
    customers of a process at once and the others wait to be let in."""

    def __init__(self, bases: list[tuple[str, int]], start: int, timeout: float,
                 address: str = "127.0.0.1", keepalive: bool = False, https: bool = True
                 ) -> None:
        self.bases, self.turn, self.timeout = bases, start, timeout
        self.address, self.keepalive, self.https = address, keepalive, https
        self.cookies: dict[str, str] = {}
        self.conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, form: dict[str, str] | None = None
                      ) -> Answer:
        host, port = self.bases[self.turn % len(self.bases)]
        if not self.keepalive:
            self.turn += 1
        t0 = time.perf_counter()
        try:
            status, headers, body = await asyncio.wait_for(
                self._exchange(host, port, method, path, form), self.timeout)
        except TimeoutError:
            await self.close()
            raise HTTPFailure("timeout") from None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise HTTPFailure(type(exc).__name__) from None
        for name, value in headers:
            if name == "set-cookie":
                self._keep(value)
        return Answer(status, headers, body, time.perf_counter() - t0)

    def _keep(self, value: str) -> None:
        first, *attrs = value.split(";")
        name, _, val = first.strip().partition("=")
        gone = any(a.strip().lower() in ("max-age=0",) for a in attrs) or not val
        if gone:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = val

    async def close(self) -> None:
        if self.conn is not None:
            writer = self.conn[1]
            self.conn = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _exchange(self, host: str, port: int, method: str, path: str,
                        form: dict[str, str] | None) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.conn is None:
            self.conn = await asyncio.open_connection(host, port)
        reader, writer = self.conn
        close = not self.keepalive
        try:
            body = urlencode(form).encode() if form is not None else b""
            head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}",
                    "User-Agent: xts2-bench-shop", "Accept: text/html",
                    "Connection: " + ("keep-alive" if self.keepalive else "close"),
                    # what production's proxy adds (waitress trusts it from 127.0.0.1): the
                    # customer's address, and TLS (the shop's cookie is Secure)
                    f"X-Forwarded-For: {self.address}"]
            if self.https:
                head.append("X-Forwarded-Proto: https")
            if self.cookies:
                head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
            if form is not None:
                head += ["Content-Type: application/x-www-form-urlencoded",
                         f"Content-Length: {len(body)}"]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            status_line = await reader.readline()
            parts = status_line.split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
                raise ValueError(f"bad status line {status_line[:80]!r}")
            status = int(parts[1])
            headers: list[tuple[str, str]] = []
            length = None
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip()
                headers.append((name, value))
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.lower() == "close":
                    close = True
            if length is None:
                close = True
            data = await (reader.readexactly(length) if length is not None else reader.read())
            return status, headers, data
        finally:
            if close:
                await self.close()


# -- reading the pages -----------------------------------------------------------------------
# What a customer reads on a page, found the way a person would find it, so that a change of the
# markup that keeps the page's meaning does not break the bench: the forms' fields by name, the
# words "sold out" in the page's main part, a refusal in an element with role="alert".

_INPUT = re.compile(r"<input\b([^>]*)>", re.S)
_ATTR = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"')
_FORM = re.compile(r'<form\b[^>]*\baction="([^"]*)"', re.S)
_ALERT = re.compile(r'<(\w+)\b[^>]*\brole="alert"[^>]*>(.*?)</\1>', re.S)
_MAIN = re.compile(r"<main\b.*?</main>", re.S)
_TAGS = re.compile(r"<[^>]+>")
_MOST = re.compile(r"(?:up to|at most) (\d+)", re.I)


def inputs(page: str) -> list[dict[str, str]]:
    return [{k: html.unescape(v) for k, v in _ATTR.findall(m)} for m in _INPUT.findall(page)]


def hidden(page: str, name: str) -> str | None:
    return next((i.get("value") for i in inputs(page) if i.get("name") == name), None)


def form_action(page: str, contains: str) -> str | None:
    return next((html.unescape(a) for a in _FORM.findall(page) if contains in a), None)


def words(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())


def main_text(page: str) -> str:
    m = _MAIN.search(page)
    return words(m.group(0) if m else page)


def alert(page: str) -> str | None:
    """What the page says went wrong (its role="alert" elements), or None."""
    said = [words(m.group(2)).removeprefix("Error: ") for m in _ALERT.finditer(page)]
    said = [x for x in said if x]
    return " / ".join(dict.fromkeys(said)) or None


def says_sold_out(page: str) -> bool:
    return "sold out" in main_text(page).lower()


def busy_answer(a: Answer) -> bool:
    """The server gave up on a busy database: the shop's "please try again" page, or the API's
    error envelope (what the shop answered before it had a page of its own for it)."""
    if a.status != 409:
        return False
    return ("html" not in (a.header("content-type") or "")
            or "please try again" in main_text(a.text).lower())


class TicketForm:
    """The performance page's form: where it posts, its token and id, the ticket types and the
    most that may be bought (the fields' ``max``, or the words "up to N"; None if neither)."""

    def __init__(self, page: str) -> None:
        self.action = form_action(page, "/add")
        self.csrf = hidden(page, "csrf_token")
        self.formid = hidden(page, "formid")
        fields = [i for i in inputs(page) if i.get("name", "").startswith("q.")]
        self.types = [i["name"] for i in fields]
        maxes = [int(i["max"]) for i in fields if i.get("max", "").isdigit()]
        m = _MOST.search(main_text(page))
        self.most: int | None = min(maxes) if maxes else int(m.group(1)) if m else None

    @property
    def usable(self) -> bool:
        return bool(self.action and self.csrf and self.formid and self.types
                    and self.most != 0)


# -- the crowd -------------------------------------------------------------------------------

def signature(reference: str, outcome: str) -> str:
    return hmac.new(SECRET.encode(), f"{reference}:{outcome}".encode(),
                    hashlib.sha256).hexdigest()


STEPS = ["programme", "performance", "add", "basket", "checkout", "checkout-post", "testpay",
         "pay", "return", "order"]


async def _crowd(job: dict[str, Any]) -> dict[str, Any]:
    bases = [(urlsplit(b).hostname or "127.0.0.1", urlsplit(b).port or 80) for b in job["bases"]]
    perf, customers, arrival = job["performance"], job["customers"], job["arrival"]
    notify, timeout = job["notify"], job.get("timeout", 120)
    keepalive = bool(job.get("keepalive"))
    rng = random.Random(job.get("seed", 1))
    offsets = sorted(rng.uniform(0, arrival) for _ in range(customers))
    rng.shuffle(offsets)
    times: dict[str, list[float]] = {s: [] for s in STEPS}
    statuses: dict[str, int] = {}
    errors: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    messages: dict[str, int] = {}
    bought: list[dict[str, Any]] = []
    soldout_at: list[float] = []
    added_at: list[float] = []
    programme_soldout: list[int] = []
    samples: dict[str, str] = {}
    busy: dict[str, int] = {}
    fewer = 0
    waiting = 0
    notifications = {"sent": 0, "failed": 0}
    notices: list[asyncio.Future[None]] = []
    t_start = 0.0

    def error(key: str, answer: Answer | None = None) -> None:
        errors[key] = errors.get(key, 0) + 1
        if answer is not None and key not in samples and len(samples) < 10:
            m = re.search(r"<main.*?</main>", answer.text, re.S)
            samples[key] = f"{answer.status} " + re.sub(r"\s+", " ", m.group(0) if m
                                                        else answer.text)[:600]

    async def page(b: Browser, step: str, method: str, path: str,
                   form: dict[str, str] | None = None, expect: tuple[int, ...] = (200,)
                   ) -> Answer | None:
        """One page; "busy, please try again" (a 409: the database stayed busy past the
        server's retries) is tried again after a moment, as a person would press the button
        again, at most 3 times, and counted in ``busy``."""
        for attempt in range(4):
            try:
                a = await b.request(method, path, form)
            except HTTPFailure as exc:
                error(f"{step}:{exc}")
                return None
            times[step].append(a.seconds)
            key = f"{a.status // 100}xx"
            statuses[key] = statuses.get(key, 0) + 1
            if busy_answer(a):
                busy[step] = busy.get(step, 0) + 1
                if f"{step}:busy" not in samples:
                    samples[f"{step}:busy"] = f"{a.status} {a.text[:300]}"
                if attempt < 3:
                    await asyncio.sleep(random.uniform(0.5, 1.0))
                    continue
                error(f"{step}:busy-gave-up", a)
                return None
            if a.status not in expect:
                error(f"{step}:http{a.status}", a)
                return None
            return a
        return None

    async def tell_the_shop(reference: str) -> None:
        """What the payment service does: a signed notification, from outside."""
        service = Browser(bases, rng.randrange(len(bases)), timeout)
        form = {"reference": reference, "outcome": "paid",
                "signature": signature(reference, "paid")}
        try:
            a = await service.request("POST", "/shop/testpay/notify", form)
        except HTTPFailure as exc:
            notifications["failed"] += 1
            error(f"notify:{exc}")
            return
        notifications["sent"] += 1
        key = f"{a.status // 100}xx"
        statuses[key] = statuses.get(key, 0) + 1
        if a.status != 200:
            notifications["failed"] += 1
            error(f"notify:http{a.status}")

    def outcome(name: str) -> None:
        outcomes[name] = outcomes.get(name, 0) + 1

    async def customer(n: int) -> None:
        crng = random.Random(job.get("seed", 1) * 100_003 + n)
        await asyncio.sleep(max(0.0, t_start + offsets[n] - time.perf_counter()))
        b = Browser(bases, n, timeout, address=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
                    keepalive=keepalive, https=notify != "before")
        try:
            await visit(b, n, crng)
        finally:
            await b.close()

    async def visit(b: Browser, n: int, crng: random.Random) -> None:
        nonlocal fewer, waiting
        a = await page(b, "programme", "GET", "/shop/")
        if a is None:
            return outcome("failed")
        if SHOW not in a.text:
            error("programme:show-not-listed")
        elif f'href="/shop/performance/{perf}"' not in a.text:
            programme_soldout.append(n)  # listed without its Book button: sold out
        a = await page(b, "performance", "GET", f"/shop/performance/{perf}")
        if a is None:
            return outcome("failed")
        if says_sold_out(a.text):
            soldout_at.append(time.perf_counter() - t_start)
            return outcome("sold out page")
        want = crng.randint(1, 4)
        form = TicketForm(a.text)
        for _ in range(3):
            if not form.usable:
                error("add:no-form", a)
                return outcome("failed")
            k = want if form.most is None else min(want, form.most)
            quantities = dict.fromkeys(form.types, 0)
            for _ in range(k):
                quantities[crng.choice(form.types)] += 1
            a = await page(b, "add", "POST", form.action, {
                "csrf_token": form.csrf, "formid": form.formid,
                **{t: str(q) for t, q in quantities.items()}}, expect=(303, 409))
            if a is None:
                return outcome("failed")
            if a.status == 303:
                break
            said = alert(a.text) or ""
            messages[said] = messages.get(said, 0) + 1
            if says_sold_out(a.text):
                soldout_at.append(time.perf_counter() - t_start)
                return outcome("add refused: sold out")
            fewer += 1
            form = TicketForm(a.text)
            if not form.usable:
                error("add:refused-without-form", a)
                return outcome("failed")
        else:
            return outcome("gave up after 3 refusals")
        added_at.append(time.perf_counter() - t_start)
        if a.location != "/shop/basket":
            error(f"add:redirect:{a.location}")
        if await page(b, "basket", "GET", a.location) is None:
            return outcome("failed")
        a = await page(b, "checkout", "GET", "/shop/checkout")
        if a is None:
            return outcome("failed")
        csrf = hidden(a.text, "csrf_token")
        if 'value="testpay"' not in a.text or not csrf:
            error("checkout:no-testpay")
            return outcome("failed")
        email = f"customer{n}@example.com"
        a = await page(b, "checkout-post", "POST", "/shop/checkout", {
            "csrf_token": csrf, "name": f"Customer {n}", "email": email, "email2": email,
            "method": "testpay"}, expect=(303,))
        if a is None:
            return outcome("failed")
        a = await page(b, "testpay", "GET", a.location)
        if a is None:
            return outcome("failed")
        action, csrf = form_action(a.text, "/choose"), hidden(a.text, "csrf_token")
        if not action or not csrf:
            error("testpay:no-form")
            return outcome("failed")
        a = await page(b, "pay", "POST", action, {"csrf_token": csrf, "outcome": "paid"},
                       expect=(303,))
        if a is None:
            return outcome("failed")
        if notify == "service":  # the service tells the shop as the customer comes back
            notices.append(asyncio.ensure_future(tell_the_shop(action.rsplit("/", 2)[-2])))
        back = a.location
        for _ in range(20):
            a = await page(b, "return", "GET", back, expect=(200, 303))
            if a is None:
                return outcome("failed")
            if a.status == 303:
                break
            waiting += 1  # "waiting for the payment service": ask again, as the page does
            await asyncio.sleep(0.5)
        else:
            error("return:still-waiting")
            return outcome("failed")
        paid_at = time.perf_counter() - t_start
        if "/shop/order/" not in a.location:
            error(f"return:redirect:{a.location}")
            return outcome("failed")
        a = await page(b, "order", "GET", a.location)
        if a is None:
            return outcome("failed")
        if "confirmed" not in main_text(a.text).lower():
            error("order:not-confirmed")
        bought.append({"tickets": sum(quantities.values()), "paid_at": paid_at,
                       "done_at": time.perf_counter() - t_start})
        outcome("bought")

    cpu0, wall0 = time.process_time(), time.perf_counter()
    t_start = time.perf_counter() + 0.2
    tasks = [asyncio.ensure_future(customer(n)) for n in range(customers)]
    done, pending = await asyncio.wait(tasks, timeout=job.get("deadline", 600))
    for t in pending:
        t.cancel()
        error("customer:deadline")
    if notices:
        await asyncio.wait(notices, timeout=timeout)
    for t in done:
        if t.exception() is not None:
            error(f"customer:{type(t.exception()).__name__}:{t.exception()}")
    elapsed = time.perf_counter() - t_start
    cpu = time.process_time() - cpu0
    every = sorted(x for v in times.values() for x in v)
    requests = len(every)

    def pct(values: list[float], q: float) -> float | None:
        if not values:
            return None
        values = sorted(values)
        return values[max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))]

    paid = sorted(x["paid_at"] for x in bought)
    return {
        "customers": customers, "arrival": arrival, "notify": notify, "keepalive": keepalive,
        "bases": job["bases"], "performance": perf,
        "orders": len(bought), "tickets": sum(x["tickets"] for x in bought),
        "outcomes": outcomes, "messages": messages, "fewer_refusals": fewer,
        "programme_soldout": len(programme_soldout), "samples": samples,
        "busy": busy, "busy_total": sum(busy.values()),
        "waiting_pages": waiting, "notifications": notifications,
        "statuses": statuses,
        "http5xx": statuses.get("5xx", 0), "errors": errors,
        "failures": sum(errors.values()),
        "requests": requests, "seconds": elapsed,
        "soldout_seen": len(soldout_at),
        "first_soldout_seen": min(soldout_at) if soldout_at else None,
        "last_seat_added": max(added_at) if added_at else None,
        "last_seat_paid": paid[-1] if paid else None,
        "last_customer_done": elapsed,
        "page_p50": pct(every, 50), "page_p99": pct(every, 99),
        "page_max": every[-1] if every else None,
        "steps": {s: {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99)}
                  for s, v in times.items()},
        "client_cpu": cpu, "client_wall": time.perf_counter() - wall0,
        "client_cpu_share": cpu / (time.perf_counter() - wall0),
    }


def run_crowd(job: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_crowd(job))


# -- as a separate process -------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """``python -m bench.shop_onsale JOB.json``: the crowd of one run, its result as JSON."""
    job = json.loads(Path((argv or sys.argv[1:])[0]).read_text())
    print("RESULT " + json.dumps(run_crowd(job)))
    return 0


def drive_crowd(job: dict[str, Any], workdir: Path) -> dict[str, Any]:
    from .servers import ROOT

    path = workdir / "shop-job.json"
    path.write_text(json.dumps(job))
    out = subprocess.run([sys.executable, "-m", "bench.shop_onsale", str(path)],
                         capture_output=True, text=True, cwd=ROOT,
                         timeout=job.get("deadline", 600) + 120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"the shop's crowd failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


# -- what the server says afterwards ---------------------------------------------------------

def api(base: str, path: str, **params: Any) -> dict[str, Any]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("GET", f"/v2/{path}?{urlencode({**params, 'format': 'json'})}")
        r = conn.getresponse()
        body = json.loads(r.read())
        if r.status != 200:
            raise RuntimeError(f"{path} answered {r.status}: {body}")
        return body
    finally:
        conn.close()


def high_water(url: str) -> dict[str, int]:
    """The highest ids so far of the rows a run makes (its orders, payments, baskets)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar_one()
                    for t in ("shop_order", "core_online_payment", "core_basket")}
    finally:
        engine.dispose()


def verify(url: str, base: str, perf: int, capacity: int, crowd: dict[str, Any],
           since: dict[str, int]) -> dict[str, Any]:
    """Count what was sold through the API and check every order, payment and basket the run
    made (ids above ``since``): a list of ``problems`` (empty when all is well) and the counts."""
    problems: list[str] = []
    counts = api(base, "tickets/getperformance", performance=perf)["performance"]["counts"]
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            orders = conn.execute(sa.text(
                "SELECT id, basket_id, state FROM shop_order WHERE id > :i"),
                {"i": since["shop_order"]}).all()
            payments = conn.execute(sa.text(
                "SELECT basket_id, state, amount, item_id FROM core_online_payment "
                "WHERE id > :i"), {"i": since["core_online_payment"]}).all()
            open_baskets = conn.execute(sa.text(
                "SELECT count(*) FROM core_basket WHERE id > :i AND state = 'open'"),
                {"i": since["core_basket"]}).scalar_one()
    finally:
        engine.dispose()
    by_state: dict[str, int] = {}
    for o in orders:
        by_state[o.state] = by_state.get(o.state, 0) + 1
    paid_payments: dict[int, list[Any]] = {}
    for p in payments:
        paid_payments.setdefault(p.basket_id, []).append(p)
    sold_in_orders = 0
    for o in orders:
        if o.state != "paid":
            problems.append(f"order {o.id} is {o.state}")
            continue
        basket = api(base, "baskets/getbasket", basket=o.basket_id,
                     terminalkey=WEBSITE_KEY)["basket"]
        if basket["state"] != "closed":
            problems.append(f"order {o.id} is paid but its basket {o.basket_id} is "
                            f"{basket['state']}")
        items = basket.get("item") or []
        tickets = [i for i in items if i["type"] == "ticket"]
        pays = [i for i in items if i["type"] == "payment"]
        value = sum(_cents(i["value"]) for i in tickets)
        paid = -sum(_cents(i["value"]) for i in pays)
        if not pays or paid != value:
            problems.append(f"order {o.id}: tickets worth {value} paid {paid} in its basket")
        online = [p for p in paid_payments.get(o.basket_id, []) if p.state == "paid"]
        if len(online) != 1 or online[0].amount != value or online[0].item_id is None:
            problems.append(f"order {o.id}: online payments {[tuple(p) for p in online]} "
                            f"for a value of {value}")
        sold_in_orders += sum(i["quantity"] for i in tickets
                              if (i.get("ticket") or {}).get("performance") == perf)
    for basket_id, ps in paid_payments.items():
        if any(p.state == "paid" for p in ps) and basket_id not in {o.basket_id for o in orders}:
            problems.append(f"a paid payment of basket {basket_id} has no order")
    pending = sum(1 for p in payments if p.state == "pending")
    if counts["sold"] != capacity:
        problems.append(f"sold {counts['sold']} of {capacity}")
    if counts["sold"] + counts["reserved"] > capacity:
        problems.append(f"oversold: {counts['sold']} sold + {counts['reserved']} reserved of "
                        f"{capacity}")
    if sold_in_orders != counts["sold"]:
        problems.append(f"the paid orders hold {sold_in_orders} tickets, the performance "
                        f"counts {counts['sold']} sold")
    if crowd["tickets"] != counts["sold"] or crowd["orders"] != by_state.get("paid", 0):
        problems.append(f"the customers saw {crowd['orders']} orders of {crowd['tickets']} "
                        f"tickets; the shop has {by_state.get('paid', 0)} paid orders, "
                        f"{counts['sold']} tickets sold")
    if pending:
        problems.append(f"{pending} online payments still pending")
    if open_baskets:
        problems.append(f"{open_baskets} of the shop's baskets still open")
    return {"counts": counts, "orders_by_state": by_state, "sold_in_orders": sold_in_orders,
            "payments": len(payments), "pending_payments": pending,
            "open_baskets": open_baskets, "problems": problems}


def _cents(text: str) -> int:
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    v = int(whole) * 100 + int((frac + "00")[:2])
    return -v if neg else v


# -- CPU per request, one at a time ----------------------------------------------------------

class KeepAlive:
    """One client thread, one keep-alive connection, a cookie: sequential requests."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.cookie: str | None = None

    def __call__(self, method: str, path: str, form: dict[str, str] | None = None,
                 cookie: bool = True) -> tuple[int, str, str | None]:
        headers = {"Accept": "text/html", "X-Forwarded-For": "10.255.0.1",
                   "X-Forwarded-Proto": "https"}
        if cookie and self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        set_cookie = r.getheader("Set-Cookie")
        if set_cookie and cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        return r.status, text, r.getheader("Location")

    def close(self) -> None:
        self.conn.close()


def measure_costs(server: Any, url: str, n: int) -> dict[str, Any]:
    """The server's CPU per request (ms) of the shop's pages and of the API's reads of the same
    data, each ``n`` requests in a row from one client thread on one keep-alive connection, after
    20 not counted; the customer's cookie holds a basket of two tickets (an adult, a
    concession) of a performance with seats left."""
    perf, types = make_performance(url, 500)
    c = KeepAlive(server.url)
    try:
        status, page, _ = c("GET", f"/shop/performance/{perf}")
        form = TicketForm(page)
        status, _, loc = c("POST", form.action or "", {
            "csrf_token": form.csrf or "", "formid": form.formid or "",
            f"q.{types[0]}": "1", f"q.{types[1]}": "1"})
        if status != 303:
            raise RuntimeError(f"the cost loop's add answered {status}")
        engine = _engine(url)
        try:
            with engine.connect() as conn:
                basket = conn.execute(sa.text(
                    "SELECT max(b.id) FROM core_basket b JOIN core_terminal t "
                    "ON t.id = b.terminal_id WHERE t.name = :w AND b.state = 'open'"),
                    {"w": WEBSITE}).scalar_one()
        finally:
            engine.dispose()
        cases = [
            ("shop: programme page", "/shop/", True),
            ("API: getprogramme (the shop's 60 days, 10 a show)",
             "/v2/tickets/getprogramme?days=60&limit=10", False),
            ("shop: performance page", f"/shop/performance/{perf}", True),
            ("API: getticketcounts", f"/v2/tickets/getticketcounts?performance={perf}", False),
            ("API: getperformance", f"/v2/tickets/getperformance?performance={perf}", False),
            ("shop: basket page (2 tickets)", "/shop/basket", True),
            ("API: getbasket (the same basket)",
             f"/v2/baskets/getbasket?basket={basket}&terminalkey={WEBSITE_KEY}", False),
        ]
        out = []
        for label, path, cookie in cases:
            for _ in range(20):
                status, body, _ = c("GET", path, cookie=cookie)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}: {body[:300]}")
            cpu0, t0 = server.cpu_seconds(), time.perf_counter()
            size = 0
            for _ in range(n):
                status, body, _ = c("GET", path, cookie=cookie)
                size = len(body)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
            wall = time.perf_counter() - t0
            cpu = server.cpu_seconds() - cpu0
            out.append({"label": label, "path": path.split("?")[0], "n": n,
                        "cpu_ms": cpu * 1000 / n, "wall_ms": wall * 1000 / n, "bytes": size})
    finally:
        c.close()
    return {"performance": perf, "basket": basket, "cases": out}


# -- an order step by step, in-process -------------------------------------------------------

ORDER_STEPS = ["programme", "performance", "add", "basket", "checkout", "checkout-post",
               "testpay", "pay", "notify", "return", "order"]
LOSER_STEPS = ["performance, sold out", "add refused, sold out"]


def steps_in_process(ini: Path, url: str, orders: int) -> dict[str, Any]:
    """CPU ms (this process's) and SQL statements of each step of a whole order, in-process: the
    app loaded from the bench ini (as ``pserve`` loads it) on the same database, called through
    WebOb, one customer after another (``orders`` of them after 5 not counted), 1 adult and 1
    concession each; and what a customer told "sold out" costs (the page, a refused add)."""
    from pyramid.paster import get_app
    from webob import Request

    from .queries import QueryCounter

    saved = os.environ.get("XTS2_DATABASE_URL")
    os.environ["XTS2_DATABASE_URL"] = url
    try:
        counter = QueryCounter(get_app(str(ini), "main", options={"http_port": "0"}))
    finally:
        if saved is None:
            del os.environ["XTS2_DATABASE_URL"]
        else:
            os.environ["XTS2_DATABASE_URL"] = saved
    cpu: dict[str, list[float]] = {s: [] for s in ORDER_STEPS + LOSER_STEPS}
    stmts: dict[str, list[int]] = {s: [] for s in ORDER_STEPS + LOSER_STEPS}

    def call(jar: dict[str, str], step: str | None, method: str, path: str,
             form: dict[str, str] | None = None) -> Any:
        req = Request.blank(path, method=method, POST=form, environ={
            "wsgi.url_scheme": "https", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1"})
        if jar:
            req.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        counter.count = 0
        c0 = time.process_time()
        resp = req.get_response(counter.app)
        spent = time.process_time() - c0
        if step is not None:
            cpu[step].append(spent)
            stmts[step].append(counter.count)
        for value in resp.headers.getall("Set-Cookie"):
            name, _, val = value.split(";", 1)[0].partition("=")
            jar[name.strip()] = val
        return resp

    def where(resp: Any) -> str:
        return urlsplit(resp.location or "").path

    try:
        perf, types = make_performance(url, 1_000_000)
        gone, _ = make_performance(url, 0)
        for n in range(orders + 5):
            jar: dict[str, str] = {}
            step = (lambda name: name) if n >= 5 else (lambda name: None)
            call(jar, step("programme"), "GET", "/shop/")
            r = call(jar, step("performance"), "GET", f"/shop/performance/{perf}")
            form = TicketForm(r.text)
            r = call(jar, step("add"), "POST", form.action or "", {
                "csrf_token": form.csrf or "", "formid": form.formid or "",
                f"q.{types[0]}": "1", f"q.{types[1]}": "1"})
            if r.status_int != 303:
                raise RuntimeError(f"add answered {r.status}")
            call(jar, step("basket"), "GET", where(r))
            r = call(jar, step("checkout"), "GET", "/shop/checkout")
            csrf = hidden(r.text, "csrf_token") or ""
            r = call(jar, step("checkout-post"), "POST", "/shop/checkout", {
                "csrf_token": csrf, "name": f"Customer {n}", "email": f"c{n}@example.com",
                "email2": f"c{n}@example.com", "method": "testpay"})
            if r.status_int != 303:
                raise RuntimeError(f"checkout answered {r.status}")
            r = call(jar, step("testpay"), "GET", where(r))
            action, csrf = form_action(r.text, "/choose") or "", hidden(r.text, "csrf_token") or ""
            r = call(jar, step("pay"), "POST", action, {"csrf_token": csrf, "outcome": "paid"})
            back = where(r)
            reference = action.rsplit("/", 2)[-2]
            call({}, step("notify"), "POST", "/shop/testpay/notify", {
                "reference": reference, "outcome": "paid",
                "signature": signature(reference, "paid")})
            r = call(jar, step("return"), "GET", back)
            if "/shop/order/" not in (r.location or ""):
                raise RuntimeError(f"the return answered {r.status} {r.location}")
            call(jar, step("order"), "GET", where(r))
            # and one told "sold out": the page, then an add sent anyway (a form left open)
            r = call(jar, step("performance, sold out"), "GET", f"/shop/performance/{gone}")
            csrf = hidden(r.text, "csrf_token") or hidden(
                call(jar, None, "GET", f"/shop/performance/{perf}").text, "csrf_token") or ""
            r = call(jar, step("add refused, sold out"), "POST", f"/shop/performance/{gone}/add",
                     {"csrf_token": csrf, "formid": f"{n:016x}", f"q.{types[0]}": "1"})
            if r.status_int != 409:
                raise RuntimeError(f"the sold-out add answered {r.status}")
    finally:
        counter.close()
    return {"orders": orders, "steps": [
        {"step": s, "cpu_ms": sum(cpu[s]) * 1000 / len(cpu[s]),
         "statements": sum(stmts[s]) / len(stmts[s])} for s in ORDER_STEPS + LOSER_STEPS]}


# -- the scenario ----------------------------------------------------------------------------

@contextlib.contextmanager
def shop_database(kind: str, workdir: Path, pg_url: str) -> Iterator[str]:
    if kind == "sqlite":
        path = workdir / "bench-shop.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from xts2_core.scratchdb import scratch_postgresql_database

    with scratch_postgresql_database(pg_url, f"xts2_bench_shop_{os.getpid()}",
                                     unique=False) as url:
        yield url


def _pg_backends_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of the PostgreSQL backends connected to the bench's database (when the
    server runs on this machine; else empty)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            pids = conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars().all()
    finally:
        engine.dispose()
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(f[11]) + int(f[12])) / tick
    return out


def one_run(servers: list[Any], url: str, workdir: Path, customers: int, seats: int,
            arrival: float, notify: str, seed: int, keepalive: bool = False
            ) -> dict[str, Any]:
    perf, _ = make_performance(url, seats)
    job = {"bases": [s.url for s in servers], "performance": perf, "customers": customers,
           "arrival": arrival, "notify": notify, "seed": seed, "timeout": 120, "deadline": 600,
           "keepalive": keepalive}
    pg = url.startswith("postgresql")
    since = high_water(url)
    load_before = os.getloadavg()[0]
    pg_before = _pg_backends_cpu(url) if pg else {}
    cpu_before = [s.cpu_seconds() for s in servers]
    crowd = drive_crowd(job, workdir)
    cpu = sum(s.cpu_seconds() for s in servers) - sum(cpu_before)
    pg_cpu = None
    if pg:
        after = _pg_backends_cpu(url)
        pg_cpu = sum(v - pg_before.get(pid, 0.0) for pid, v in after.items())
    crowd["loadavg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    crowd["capacity"] = seats
    crowd["processes"] = len(servers)
    crowd["server_cpu"] = cpu
    crowd["server_cpu_ms_per_order"] = cpu * 1000 / crowd["orders"] if crowd["orders"] else None
    crowd["server_cpu_ms_per_request"] = (cpu * 1000 / crowd["requests"]
                                          if crowd["requests"] else None)
    crowd["server_cpu_share"] = cpu / crowd["client_wall"] if crowd["client_wall"] else None
    crowd["pg_cpu"] = pg_cpu
    try:
        crowd["check"] = verify(url, servers[0].url, perf, seats, crowd, since)
    except (OSError, RuntimeError, sa.exc.SQLAlchemyError) as exc:  # a server that stopped answering
        crowd["check"] = {"counts": {"sold": None, "reserved": None},
                          "problems": [f"the checks could not run: {type(exc).__name__}: {exc}"]}
    return crowd


def run_shop_onsale(db: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One database: a fresh venue (the bench's 1× season, the shop's terminal), production's
    app with the shop's bench settings, 1 process on SQLite and ``--processes`` (2) on
    PostgreSQL; a warm-up crowd, the cost loop, then ``--repeat`` measured crowds (the run
    with the median sold-out time is kept)."""
    from . import datagen
    from .servers import Server, write_ini

    processes = 1 if db == "sqlite" else max(1, args.processes)
    with shop_database(db, workdir, args.pg_url) as url:
        env = dict(os.environ)
        env["XTS2_DATABASE_URL"] = url
        settings = {**SHOP_SETTINGS, **dict(args.app_settings),
                    "shop.testpay.notify": "off" if args.shop_notify == "service"
                    else args.shop_notify}
        ini = write_ini(workdir / f"bench-shop-{db}.ini", url, threads=args.threads,
                        app_use=args.app_use, extra=settings)
        log(f"shop on-sale, {db}: xts2 initdb, xts2 load, a 1× season")
        datagen.prepare(ini, workdir, env)
        season = workdir / "bench-shop-season.json"
        season.write_text(shop_season())
        datagen.xts2("load", str(ini), str(season), env=env)
        engine = _engine(url)
        try:
            datagen.generate(engine, 1)
        finally:
            engine.dispose()
        servers = [Server(ini, "main", env=env) for _ in range(processes)]
        result: dict[str, Any] = {"db": db, "processes": processes,
                                  "threads": args.threads or _threads(ini),
                                  "customers": args.shop_customers, "seats": args.shop_seats,
                                  "arrival": args.shop_arrival, "notify": args.shop_notify,
                                  "keepalive": args.shop_keepalive}
        try:
            for s in servers:
                s.start("/shop/")
            if args.warmup > 0:
                log(f"shop on-sale, {db}: warm-up (20 customers, 10 seats)")
                w = one_run(servers, url, workdir, 20, 10, 1.0, args.shop_notify, 99,
                            args.shop_keepalive)
                if w["check"]["problems"] or w["failures"] or w["http5xx"]:
                    log("  the warm-up: " + summary(w))
            if args.shop_costs:
                log(f"shop on-sale, {db}: CPU per request, {args.shop_costs} of each in a row")
                result["costs"] = measure_costs(servers[0], url, args.shop_costs)
                for c in result["costs"]["cases"]:
                    log(f"  {c['label']}: {c['cpu_ms']:.2f} CPU ms/req, {c['bytes']:,} bytes")
            runs = []
            for n in range(max(1, args.repeat)):
                log(f"shop on-sale, {db}: {args.shop_customers} customers, {args.shop_seats} "
                    f"seats, {processes} process(es), run {n + 1}")
                r = one_run(servers, url, workdir, args.shop_customers, args.shop_seats,
                            args.shop_arrival, args.shop_notify, 1 + n,
                            args.shop_keepalive)
                log("  " + summary(r))
                runs.append(r)
        finally:
            for s in servers:
                s.stop()
        if args.shop_steps:
            log(f"shop on-sale, {db}: an order step by step, in-process ({args.shop_steps} orders)")
            result["steps"] = steps_in_process(ini, url, args.shop_steps)
        runs.sort(key=lambda r: r["last_seat_paid"] or float("inf"))
        result["run"] = runs[(len(runs) - 1) // 2]
        result["runs"] = [{k: r[k] for k in ("last_seat_paid", "orders", "tickets", "http5xx",
                                              "failures", "page_p50", "page_p99",
                                              "server_cpu_ms_per_order", "loadavg")}
                          | {"problems": r["check"]["problems"]} for r in runs]
        return result


def _threads(ini: Path) -> int:
    import configparser

    cp = configparser.ConfigParser(interpolation=None)
    cp.read(ini)
    return int(cp["server:main"].get("threads", "4"))


def summary(r: dict[str, Any]) -> str:
    c = r["check"]
    seen = r["soldout_seen"]
    return (f"{c['counts']['sold']} sold of {r['capacity']} in {r['orders']} orders; "
            f"{seen} told sold out; {r['http5xx']} 5xx, {r['busy_total']} busy 409s "
            f"{r['busy'] or ''}, {r['failures']} failures "
            f"{r['errors'] or ''}; sold out (last seat paid) at {_s(r['last_seat_paid'])} s; "
            f"pages p50 {_s(r['page_p50'], 1000, 0)} ms p99 {_s(r['page_p99'], 1000, 0)} ms; "
            f"server CPU {_s(r['server_cpu_ms_per_order'], 1, 1)} ms/order; client CPU "
            f"{r['client_cpu_share'] * 100:.0f} % of a core; "
            f"{'OK' if not c['problems'] else 'PROBLEMS: ' + '; '.join(c['problems'][:5])}")


def _s(x: float | None, scale: float = 1.0, digits: int = 2) -> str:
    return "–" if x is None else f"{x * scale:,.{digits}f}"


# -- the tables ------------------------------------------------------------------------------

DB_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
HEAD = ["setup (load average)", "sold", "orders", "told sold out", "5xx", "busy 409",
        "failed",
        "sold out s", "page p50 ms", "page p99 ms", "server CPU ms/order", "client CPU",
        "checks"]


def rows(results: list[dict[str, Any]]) -> list[list[str]]:
    out = []
    for res in results:
        r = res["run"]
        c = r["check"]
        procs = res["processes"]
        told = r["outcomes"].get("sold out page", 0) + r["outcomes"].get(
            "add refused: sold out", 0)
        cpu = _s(r["server_cpu_ms_per_order"], 1, 1)
        if r.get("pg_cpu") is not None and r["orders"]:
            cpu += f" (+{r['pg_cpu'] * 1000 / r['orders']:.1f} PostgreSQL)"
        runs = ""
        if len(res["runs"]) > 1:
            runs = " (" + " / ".join(_s(x["last_seat_paid"], 1, 1) for x in res["runs"]) + ")"
        out.append([
            f"{DB_NAMES[res['db']]}, {procs} process{'es' if procs > 1 else ''} "
            f"({r['loadavg'][0]:.1f}–{r['loadavg'][1]:.1f})",
            f"{c['counts']['sold']} of {r['capacity']}", str(r["orders"]),
            f"{told} of {r['customers']}", str(r["http5xx"]), str(r.get("busy_total", 0)),
            str(r["failures"]),
            _s(r["last_seat_paid"], 1, 1) + runs, _s(r["page_p50"], 1000, 0),
            _s(r["page_p99"], 1000, 0), cpu, f"{r['client_cpu_share'] * 100:.0f} %",
            "ok" if not c["problems"] else "; ".join(c["problems"][:3])])
    return out


COST_HEAD = ["request", "server CPU ms/req", "× the API's read of the same data", "bytes"]
#: The shop's page and the API reads of the same data it is compared with.
PAIRS = {"shop: programme page": [("API: getprogramme (the shop's 60 days, 10 a show)",
                                   "getprogramme")],
         "shop: performance page": [("API: getperformance", "getperformance"),
                                    ("API: getticketcounts", "getticketcounts")],
         "shop: basket page (2 tickets)": [("API: getbasket (the same basket)", "getbasket")]}


def cost_rows(res: dict[str, Any]) -> list[list[str]]:
    cases = {c["label"]: c for c in (res.get("costs") or {}).get("cases", [])}
    out = []
    for label, c in cases.items():
        ratios = [f"{c['cpu_ms'] / cases[other]['cpu_ms']:.1f}× {short}"
                  for other, short in PAIRS.get(label, [])
                  if other in cases and cases[other]["cpu_ms"]]
        out.append([label, f"{c['cpu_ms']:.2f}", ", ".join(ratios) or "–", f"{c['bytes']:,}"])
    return out


def render(results: list[dict[str, Any]], markdown: bool = False) -> str:
    from .report import md_table, text_table

    table = md_table if markdown else text_table
    if not results:
        return ""
    first = results[0]
    title = (f"Hot on-sale through the shop ({first['customers']} customers within "
             f"{first['arrival']:g} s, one performance of {first['seats']} seats, 1–4 tickets "
             f"each, notification: {first['notify']}; "
             + ("one kept connection a customer" if first.get("keepalive")
                else "a connection a request, round robin, as behind a proxy") + ")")
    parts = [(f"#### {title}" if markdown else f"== {title}") + "\n\n" + table(HEAD, rows(results))]
    for res in results:
        r = res["run"]
        told = "; ".join(f"“{m}” ({n}×)" for m, n in
                         sorted(r["messages"].items(), key=lambda x: -x[1])[:3])
        steps = ", ".join(f"{s} {_s(v['p50'], 1000, 0)}/{_s(v['p99'], 1000, 0)}"
                          for s, v in r["steps"].items() if v["n"])
        parts.append(
            f"{DB_NAMES[res['db']]}: {r['requests']:,} page requests in {r['seconds']:.1f} s "
            f"(last seat into a basket at {_s(r['last_seat_added'], 1, 1)} s, first sold-out "
            f"page at {_s(r['first_soldout_seen'], 1, 1)} s); outcomes {r['outcomes']}; "
            f"refusals said: {told or '–'}; p50/p99 ms by step: {steps}; server CPU "
            f"{r['server_cpu']:.1f} s ({_s(r['server_cpu_ms_per_request'], 1, 2)} ms a page), "
            f"client CPU {r['client_cpu']:.1f} s")
        if res.get("steps"):
            t = (f"An order step by step, in-process, {DB_NAMES[res['db']]} "
                 f"({res['steps']['orders']} orders)")
            st = res["steps"]["steps"]
            order = [x for x in st if x["step"] in ORDER_STEPS]
            body = [[x["step"], f"{x['cpu_ms']:.2f}", f"{x['statements']:.0f}"] for x in st]
            body.insert(len(order), ["a whole order", f"{sum(x['cpu_ms'] for x in order):.1f}",
                                     f"{sum(x['statements'] for x in order):.0f}"])
            parts.append((f"#### {t}" if markdown else f"== {t}") + "\n\n"
                         + table(["step", "CPU ms", "statements"], body))
        if res.get("costs"):
            t = f"Server CPU per request, {DB_NAMES[res['db']]}, one at a time"
            parts.append((f"#### {t}" if markdown else f"== {t}") + "\n\n"
                         + table(COST_HEAD, cost_rows(res)))
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
