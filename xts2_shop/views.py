"""The shop's pages: programme, show, performance, basket, checkout, payment, order.

Every page reads through the API's commands and every change is a POST carrying the session's
CSRF token and goes through the API's commands as the online terminal (:mod:`xts2_shop`). A
refusal is shown on the page in the API's words, with the HTTP status the API would answer, and
changes nothing (each command runs in a savepoint; a page's several commands in one more).
After a change the browser is sent on with a redirect (POST, then GET), so a reload or the back
button never repeats it; each form also carries a one-time id that becomes the commands'
``opid``, so the same form sent twice (a double click, two tabs) changes the basket once.
"""

from __future__ import annotations

import re
import secrets
import threading
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pyramid.csrf import check_csrf_token, get_csrf_token
from pyramid.httpexceptions import HTTPException, HTTPFound, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.session import SignedCookieSessionFactory

from xts2_core import (
    XTSError,
    call_command,
    confirm_payment,
    fail_payment,
    format_datetime,
    lock_payment,
    payment_methods,
    payments_of,
    start_payment,
)
from xts2_core.db import begin_write
from xts2_core.mail import mail_address
from xts2_core.models import Operation, Setting

from . import etickets, offers, orders, ratelimit
from .settings import ShopSettings

SESSION_COOKIE = "xts2shop"
EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")
_DIGITS = re.compile(r"[0-9]+")
#: What a name or an address cannot hold: control characters (C0 and C1), the Unicode line and
#: paragraph separators, and the non-characters the API refuses.
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


class PageError(Exception):
    """A page's own refusal (bad input): shown on the page with ``status``; nothing changed."""

    def __init__(self, message: str, status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


# -- the frame of every page ------------------------------------------------------------------

def page(request: Any, template: str, status: int = 200, **values: Any) -> Any:
    shop: ShopSettings = request.registry["shop.settings"]
    values.setdefault("error", None)
    values.update(shop=shop, csrf=get_csrf_token(request), when=_when(request),
                  money=_money, framed=_framed(request), request=request,
                  basket_count=_basket_count(request))
    response = render_to_response(f"xts2_shop:templates/{template}", values, request=request)
    response.status_int = status
    return response


def _framed(request: Any) -> bool:
    """Shown in another site's frame, where the browser keeps no cookie of ours (SameSite):
    links that need the basket open the shop in a tab of its own."""
    return (request.headers.get("Sec-Fetch-Dest") == "iframe"
            and request.headers.get("Sec-Fetch-Site") == "cross-site")


def _money(text: str | None) -> str:
    if text is None:
        return ""
    return f"£{text}" if not text.startswith("-") else f"-£{text[1:]}"


def _when(request: Any) -> Any:
    tz = request.tz

    def fmt(value: str | None, style: str = "long") -> str:
        if not value:
            return ""
        dt = datetime.fromisoformat(value).astimezone(tz)
        if style == "time":
            return dt.strftime("%H:%M")
        if style == "day":
            return dt.strftime("%a %-d %b")
        return dt.strftime("%A %-d %B %Y, %H:%M")

    return fmt


def _basket_count(request: Any) -> int:
    return int(request.session.get("tickets", 0)) if "basket" in request.session else 0


def availability(p: dict[str, Any]) -> tuple[str, str]:
    """The words the what's-on page uses: Available, Few left, Sold out, Started."""
    if p.get("status") == "soldout" or p.get("available", 0) <= 0:
        return "Sold out", "soldout"
    if p.get("status") == "past":
        return "Started", "past"
    if p["available"] <= 10:
        return "Few left", "few"
    return "Available", "ok"


# -- reading ---------------------------------------------------------------------------------

def programme_view(request: Any) -> Any:
    data = call_command(request, "tickets/getprogramme", {"days": 60, "limit": 10})
    shows = data.get("programme") or []
    for show in shows:
        for p in show.get("performance") or []:
            p["word"], p["level"] = availability(p)
    return page(request, "programme.jinja2", shows=shows)


def show_view(request: Any) -> Any:
    show_id = _id(request.matchdict["show"])
    try:
        show = call_command(request, "tickets/getshow", {"show": show_id})["show"]
        perfs = call_command(request, "tickets/getperformances",
                             {"show": show_id, "current": True})["performances"]
    except XTSError as exc:
        return _not_found(request, exc.message)
    for p in perfs:
        p["word"], p["level"] = availability(p)
    return page(request, "show.jinja2", show=show, performances=perfs)


def performance_view(request: Any, error: PageError | XTSError | None = None,
                     chosen: dict[str, int] | None = None) -> Any:
    perf_id = _id(request.matchdict["performance"])
    try:
        perf = call_command(request, "tickets/getperformance", {"performance": perf_id})
    except XTSError as exc:
        return _not_found(request, exc.message)
    perf = perf["performance"]
    counts = perf["counts"]
    perf["word"], perf["level"] = availability({**counts, "status": perf["status"]})
    shop = request.registry["shop.settings"]
    most = min(shop.max_tickets, counts["available"])
    status = 200
    if error is not None:
        status = error.status
    return page(request, "performance.jinja2", status=status, perf=perf, most=most,
                formid=secrets.token_hex(8), chosen=chosen or {},
                error=getattr(error, "message", None), field=getattr(error, "field", None))


def _id(text: str) -> int:
    if not _DIGITS.fullmatch(text) or len(text) > 18 or int(text) < 1:
        raise HTTPNotFound()
    return int(text)


def _not_found(request: Any, message: str) -> Any:
    return page(request, "notfound.jinja2", status=404, message=message)


# -- the basket ------------------------------------------------------------------------------

def _session_basket(request: Any) -> tuple[dict[str, Any] | None, str]:
    """The session's basket as the API describes it, and how it stands: ``none`` (no basket
    yet), ``open``, ``closed`` (paid: the order is done), or ``gone`` (expired, or not the basket
    this session made: a basket id is kept with the basket's terminal and creation time, so an
    id the database gives again to another basket is never taken for this session's)."""
    basket_id = request.session.get("basket")
    if basket_id is None:
        return None, "none"
    try:
        basket = call_command(request, "baskets/getbasket", {"basket": basket_id},
                              terminal=request.shop_terminal)["basket"]
    except XTSError:
        return None, "gone"
    if (basket.get("terminal") != request.shop_terminal.id
            or basket.get("created") != request.session.get("basket_created")):
        return None, "gone"
    return basket, basket["state"]


def _current_basket(request: Any) -> dict[str, Any] | None:
    """The session's open basket, or None (none yet, expired, closed)."""
    basket, state = _session_basket(request)
    return basket if state == "open" else None


def forget_basket(request: Any, basket_id: int | None = None) -> None:
    """The session has no basket any more (its order is done): the next purchase starts a new
    one. With ``basket_id``: only if that is the session's basket."""
    if basket_id is not None and request.session.get("basket") != basket_id:
        return
    for key in ("basket", "basket_created", "tickets"):
        request.session.pop(key, None)


def _ticket_count(basket: dict[str, Any] | None) -> int:
    return sum(i["quantity"] for i in (basket or {}).get("item") or [] if i["type"] == "ticket")


def _check_post(request: Any) -> None:
    """A POST that may change the basket: its CSRF token, then its transaction begins as a
    writer's before the page reads anything (SQLite: a transaction that read first cannot
    become a writer while another writes, and would be refused instead of waiting its turn)."""
    check_csrf_token(request, raises=True)
    begin_write(request.dbsession)


def _pending(request: Any, basket_id: int) -> bool:
    return any(p.state == "pending" and p.method in payment_methods(request.registry)
               and payment_methods(request.registry)[p.method].paymenttype is not None
               for p in payments_of(request, basket_id))


def _quantity(value: str, field: str, most: int) -> int:
    value = value.strip()
    if value == "":
        return 0
    if not _DIGITS.fullmatch(value):
        raise PageError(f"'{value[:20]}' is not a number of tickets: give a whole number from "
                        f"0 to {most}", field=field)
    n = int(value) if len(value) <= 6 else most + 1
    if n > most:
        raise PageError(f"At most {most} tickets can be bought at once", field=field)
    return n


def add_view(request: Any) -> Any:
    """POST: add tickets of one performance (``q.<tickettype>`` quantities) to the basket."""
    _check_post(request)
    shop: ShopSettings = request.registry["shop.settings"]
    perf_id = _id(request.matchdict["performance"])
    chosen: dict[str, int] = {}
    try:
        formid = _formid(request)
        for key, value in request.POST.items():
            if key.startswith("q."):
                tickettype = key[2:]
                if not _DIGITS.fullmatch(tickettype) or len(tickettype) > 18:
                    raise PageError("unknown ticket type")  # no field of the page
                chosen[tickettype] = _quantity(value, key, shop.max_tickets)
        wanted = sum(chosen.values())
        if wanted == 0:
            raise PageError("Choose how many tickets you would like (at least one)")
        opids = {tickettype: f"shop-{formid}-{tickettype}"
                 for tickettype, n in chosen.items() if n}
        if _sent_before(request, list(opids.values())):
            # The same form again (a double click, a second tab): it was done the first time.
            return HTTPSeeOther(request.route_path("shop.basket"))
        basket = _current_basket(request)
        if basket is not None and _pending(request, basket["id"]):
            raise PageError("A payment for this basket is under way; finish it or wait for it "
                            "to end before changing the basket", status=409)
        have = _ticket_count(basket)
        if have + wanted > shop.max_tickets:
            if have == 0:
                raise PageError(f"An order can hold at most {shop.max_tickets} tickets")
            raise PageError(f"An order can hold at most {shop.max_tickets} tickets; your basket "
                            f"has {have} already", status=409)
        new = basket is None
        with request.dbsession.begin_nested():
            if basket is None:
                basket = _new_basket(request)
            for tickettype, opid in opids.items():
                basket = call_command(request, "baskets/additem", {
                    "basket": basket["id"], "type": "ticket", "item.performance": perf_id,
                    "item.tickettype": tickettype, "item.quantity": chosen[tickettype]},
                    terminal=request.shop_terminal, opid=opid)["basket"]
    except ratelimit.Limited as exc:
        return page(request, "ratelimited.jinja2", status=429, retry=exc.retry_after)
    except (PageError, XTSError) as exc:
        return performance_view(request, error=_page_error(exc), chosen=chosen)
    # Only now, with the basket made and filled: a refused add leaves the session as it was.
    if new:
        request.session["basket"] = basket["id"]
        request.session["basket_created"] = basket["created"]
    request.session["tickets"] = _ticket_count(basket)
    return HTTPSeeOther(request.route_path("shop.basket"))


def _sent_before(request: Any, opids: list[str]) -> bool:
    """Whether this form's commands ran already (their opids are recorded)."""
    return request.dbsession.execute(
        sa.select(Operation.opid).where(Operation.terminal_id == request.shop_terminal.id,
                                        Operation.opid.in_(opids)).limit(1)).first() is not None


def _formid(request: Any) -> str:
    formid = request.POST.get("formid", "")
    if not re.match(r"^[0-9a-f]{16}$", formid):
        raise PageError("the form is out of date; please try again", field="formid")
    return formid


def _page_error(exc: PageError | XTSError) -> PageError:
    if isinstance(exc, PageError):
        return exc
    return PageError(exc.message, status=exc.status, field=exc.param)


def _new_basket(request: Any) -> dict[str, Any]:
    ratelimit.count_new_basket(request)
    return call_command(request, "baskets/newbasket", {},
                        terminal=request.shop_terminal)["basket"]


def basket_view(request: Any, error: PageError | XTSError | None = None) -> Any:
    basket, state = _session_basket(request)
    if state == "closed":
        # Paid, and the payment service told us before the customer came back: the order.
        done = basket["id"] == request.session.get("order_basket") and request.session.get("order")
        forget_basket(request)
        if done:
            return HTTPSeeOther(request.route_path("shop.order", token=done))
        basket, state = None, "none"
    expired = state == "gone"
    if basket is not None:
        request.session["tickets"] = _ticket_count(basket)
    return page(request, "basket.jinja2", status=error.status if error else (410 if expired
                                                                              else 200),
                basket=basket, expired=expired, lines=orders.order_lines(basket),
                seconds_left=_seconds_left(request, basket), formid=secrets.token_hex(8),
                offers=offers.offers_for(request, basket),
                error=getattr(error, "message", None))


def _seconds_left(request: Any, basket: dict[str, Any] | None) -> int | None:
    if basket is None or not basket.get("expires"):
        return None
    left = datetime.fromisoformat(basket["expires"]) - request.now
    return max(0, int(left.total_seconds()))


def remove_view(request: Any) -> Any:
    _check_post(request)
    basket = _current_basket(request)
    if basket is None:
        return HTTPSeeOther(request.route_path("shop.basket"))
    item = request.POST.get("item", "")
    try:
        if not _DIGITS.fullmatch(item) or len(item) > 18:
            raise PageError("no such line in your basket", field="item")
        if _pending(request, basket["id"]):
            raise PageError("A payment for this basket is under way; the basket cannot change "
                            "until it ends", status=409)
        call_command(request, "baskets/removeitem", {"basket": basket["id"], "item": item},
                     terminal=request.shop_terminal)
    except (PageError, XTSError) as exc:
        return basket_view(request, error=_page_error(exc))
    return HTTPSeeOther(request.route_path("shop.basket"))


def restart_view(request: Any) -> Any:
    """POST: forget an expired or finished basket and start again."""
    _check_post(request)
    forget_basket(request)
    return HTTPSeeOther(request.route_path("shop.programme"))


# -- checkout and paying ---------------------------------------------------------------------

def _methods_for(request: Any, basket: dict[str, Any]) -> list[Any]:
    return [m for m in payment_methods(request.registry).values()
            if m.applies is None or m.applies(request, basket)]


def checkout_view(request: Any, error: PageError | XTSError | None = None,
                  form: dict[str, str] | None = None) -> Any:
    basket = _current_basket(request)
    if basket is None or not basket.get("item"):
        return HTTPSeeOther(request.route_path("shop.basket"))
    methods = _methods_for(request, basket)
    notice = request.session.pop("notice", None)
    return page(request, "checkout.jinja2", status=error.status if error else 200,
                basket=basket, lines=orders.order_lines(basket), methods=methods,
                form=form or request.session.get("details") or {},
                seconds_left=_seconds_left(request, basket),
                error=getattr(error, "message", None) or notice,
                field=getattr(error, "field", None))


def _text_field(form: dict[str, str], name: str, label: str, most: int) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise PageError(f"Please give your {label}", field=name)
    if CONTROL_RE.search(value):
        raise PageError(f"Your {label} cannot hold line breaks or control characters",
                        field=name)
    if len(value) > most:
        raise PageError(f"Your {label} can be at most {most} characters long", field=name)
    return value


def checkout_post(request: Any) -> Any:
    _check_post(request)
    form = {k: request.POST.get(k, "") for k in ("name", "email", "email2", "method")}
    basket = _current_basket(request)
    if basket is None:
        return HTTPSeeOther(request.route_path("shop.basket"))
    try:
        name = _text_field(form, "name", "name", 100)
        email = _text_field(form, "email", "email address", 254)
        if not EMAIL_RE.match(email):
            raise PageError("That does not look like an email address (name@example.com)",
                            field="email")
        try:
            mail_address(email)
        except ValueError:
            raise PageError("We cannot send mail to that address; please check it "
                            "(name@example.com)", field="email") from None
        if form["email2"].strip().lower() != email.lower():
            raise PageError("The two email addresses differ; please type it again",
                            field="email2")
        methods = {m.name: m for m in _methods_for(request, basket)}
        method = methods.get(form["method"])
        if method is None:
            raise PageError("Please choose how to pay", field="method")
        request.session["details"] = {"name": name, "email": email, "email2": email}
        with request.dbsession.begin_nested():
            order = orders.checkout(request, basket["id"], name, email, method.name,
                                    datetime.fromisoformat(basket["created"]))
            payment = start_payment(request, basket["id"], method,
                                    terminal=request.shop_terminal, payer=name, email=email)
            request.shop_order_token = orders.new_link(request, order)
            response = method.start(request, payment)
    except (PageError, XTSError) as exc:
        return checkout_view(request, error=_page_error(exc), form=form)
    # The session's order (its link, and its basket: the return page of its payments).
    request.session["order"] = request.shop_order_token
    request.session["order_basket"] = basket["id"]
    return response


def _session_baskets(request: Any) -> set[int]:
    """The baskets of this browser's session: its basket, and the one of its latest order."""
    return {b for b in (request.session.get("basket"), request.session.get("order_basket"))
            if b is not None}


def return_view(request: Any) -> Any:
    """The customer is back from paying: ask the method, confirm, show the order. Again later
    (the back button, a reload) it changes nothing and shows the order."""
    payment_id = _id(request.matchdict["payment"])
    payment = lock_payment(request, payment_id)
    if payment is None or payment.basket_id not in _session_baskets(request):
        return _not_found(request, "There is no such payment in this browser's session.")
    method = payment_methods(request.registry).get(payment.method)
    # A payment given up here (the customer chose again) may still have been paid at the
    # service: confirm_payment takes it then, as it does from the service's notification.
    if payment.state in ("pending", "failed", "cancelled") and method is not None \
            and method.check:
        verdict = method.check(request, payment)
        if verdict == "paid":
            confirm_payment(request, payment)
        elif verdict == "failed":
            fail_payment(request, payment, "the payment was declined")
    if payment.state == "paid":
        forget_basket(request, payment.basket_id)  # done: the next purchase starts a new basket
        token = request.session.get("order")
        if token is None or request.session.get("order_basket") != payment.basket_id:
            return _not_found(request, "There is no such payment in this browser's session.")
        return HTTPSeeOther(request.route_path("shop.order", token=token))
    if payment.state == "failed":
        request.session["notice"] = ("Your payment was declined, and nothing was taken. You "
                                     "can try again, or choose another way to pay.")
        return HTTPSeeOther(request.route_path("shop.checkout"))
    if payment.state == "cancelled":  # given up for another try: the checkout (or the basket)
        return HTTPSeeOther(request.route_path("shop.checkout"))
    if payment.state in ("late", "refunded"):
        return page(request, "late.jinja2", status=409, payment=payment)
    return page(request, "waiting.jinja2", payment=payment)


def order_view(request: Any) -> Any:
    order = orders.order_by_token(request, request.matchdict["token"])
    if order is None:
        return _not_found(request, "There is no order at this address. Check the link in "
                          "your email.")
    try:
        basket = call_command(request, "baskets/getbasket", {"basket": order.basket_id},
                              terminal=request.shop_terminal)["basket"]
    except XTSError:
        basket = None
    paid = [i for i in (basket or {}).get("item") or [] if i["type"] == "payment"]
    lines = [i for i in orders.order_lines(basket) if i["type"] != "payment"]
    # The tickets to show at the door: a paid order's (its basket closed), never a reservation's.
    tickets = (etickets.order_tickets(request, order.basket_id)
               if basket is not None and order.state == "paid" else [])
    return page(request, "order.jinja2", order=order, basket=basket, lines=lines, paid=paid,
                tickets=tickets, token=request.matchdict["token"],
                deadline=format_datetime(order.deadline, request.tz) if order.deadline else None)


def order_tickets_view(request: Any) -> Any:
    """``/shop/order/{token}/tickets.pdf``: a paid order's tickets, a ticket a page (``?size=
    roll`` for an 80 mm roll)."""
    order = orders.order_by_token(request, request.matchdict["token"])
    pdf = None
    if order is not None and order.state == "paid":
        size = "roll" if request.params.get("size") == "roll" else "a4"
        pdf = etickets.tickets_pdf(request, order.basket_id, size)
    if pdf is None:
        return _not_found(request, "There are no tickets at this address. Check the link in "
                          "your email.")
    response = Response(body=pdf, content_type="application/pdf")
    response.content_disposition = f'inline; filename="tickets-{order.basket_id}.pdf"'
    response.cache_control = "no-store, private"
    return response


# -- configuration ---------------------------------------------------------------------------

class ShopSecret:
    """The key that signs the shop's cookie and the test service's notifications: ``shop.secret``,
    or one made once and kept in the database, so that every server process on it signs the same
    way. Read at the first request that needs it, not at start-up (a server starts while its
    database is away, and answers once it is back)."""

    def __init__(self, engine: Any, given: str | None) -> None:
        self.engine, self.value = engine, given
        self._lock = threading.Lock()

    def get(self) -> str:
        if self.value is None:
            with self._lock:
                if self.value is None:
                    self.value = self._load()
        return self.value

    def _load(self) -> str:
        with self.engine.begin() as conn:
            found = conn.execute(_SECRET).scalar()
            if found is not None:
                return found
            made = secrets.token_urlsafe(32)
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(Setting).values(key="shop_secret", value=made))
            except sa.exc.IntegrityError:  # another process made it first
                return conn.execute(_SECRET).scalar_one()
            return made


_SECRET = sa.select(Setting.value).where(Setting.key == "shop_secret")


def _session_factory(secret: ShopSecret, shop: ShopSettings) -> Any:
    """Pyramid's signed-cookie session (HttpOnly, SameSite=Lax, Secure in production), built at
    its first use with the secret."""
    made: list[Any] = []

    def factory(request: Any) -> Any:
        if not made:
            made.append(SignedCookieSessionFactory(
                secret.get(), cookie_name=SESSION_COOKIE, httponly=True, samesite="Lax",
                secure=shop.secure_cookie, timeout=7 * 86400, reissue_time=3600))
        return made[0](request)

    return factory


def _shop_terminal(request: Any) -> Any:
    terminal = orders.online_terminal(request)
    if terminal is None:
        raise NoTerminal(request.registry["shop.settings"].terminal)
    return terminal


class NoTerminal(Exception):
    pass


def no_terminal_view(exc: NoTerminal, request: Any) -> Any:
    response = render_to_response("xts2_shop:templates/closed.jinja2", {
        "shop": request.registry["shop.settings"], "terminal": str(exc), "csrf": "",
        "framed": False, "basket_count": 0, "error": None, "request": request},
        request=request)
    response.status_int = 503
    return response


def csrf_failed_view(exc: Any, request: Any) -> Any:
    return page(request, "expired_form.jinja2", status=400)


BUSY = ("Many people are booking at this moment, and your request could not be completed. "
        "Nothing was changed: please try again.")
BROKEN = ("Something went wrong on our side, and nothing was changed. Please try again in a "
          "moment; if it keeps happening, please call the box office.")


def error_view(exc: Exception, request: Any) -> Any:
    """What a shop page did not handle itself, as a page of the shop (not the API's error
    envelope): a refusal of the API in its words; a database kept busy past the retries; a bug.
    The request's transaction was rolled back: nothing changed."""
    if isinstance(exc, HTTPException):
        return exc
    if isinstance(exc, XTSError):
        return page(request, "error.jinja2", status=exc.status, heading="Sorry",
                    message=exc.message)
    from xts2_core.dispatch import internal_error_view

    response = internal_error_view(exc, request)  # marks, retries and logs as for the API
    if response.status_int == 503:  # pyramid_retry runs the request again
        return response
    busy = response.status_int == 409
    return page(request, "error.jinja2", status=response.status_int,
                heading="Please try again" if busy else "Sorry, something went wrong",
                message=BUSY if busy else BROKEN)


def content_security_policy(registry: Any) -> str:
    """The shop pages' policy: this server only, but for what the installed payment methods
    declare (``PaymentMethod.content_security``: a card service's script and frame), and
    framing only by ``shop.embed_origins``."""
    shop: ShopSettings = registry["shop.settings"]
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"], "connect-src": ["'self'"],
        "frame-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": list(shop.embed_origins) or ["'none'"]}
    for method in payment_methods(registry).values():
        for directive, sources in method.content_security.items():
            wanted = directives.setdefault(directive, ["'self'"])
            wanted += [s for s in sources if s not in wanted]
    return "; ".join(f"{d} {' '.join(sources)}" for d, sources in directives.items())


def _headers_tween_factory(handler: Any, registry: Any) -> Any:
    """The shop's pages: a Content-Security-Policy (no scripts but our own file; framing only
    by ``shop.embed_origins``), and no caching of a customer's page."""
    csp = content_security_policy(registry)

    def tween(request: Any) -> Any:
        response = handler(request)
        if request.path_info.startswith("/shop/") and response.content_type == "text/html":
            response.headers["Content-Security-Policy"] = csp
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Referrer-Policy"] = "same-origin"
            response.headers["Cache-Control"] = "no-store"
        return response

    return tween


def includeme(config: Any) -> None:
    from pyramid.exceptions import BadCSRFToken

    settings = config.get_settings()
    shop = ShopSettings.from_settings(settings)
    config.registry["shop.settings"] = shop
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".jinja2")
    secret = config.registry["shop.secret"] = ShopSecret(config.registry["dbengine"], shop.secret)
    config.set_session_factory(_session_factory(secret, shop))
    config.add_request_method(_shop_terminal, "shop_terminal", reify=True)
    config.add_static_view("shop/static", "xts2_shop:static", cache_max_age=3600)
    route = config.add_route
    route("shop.programme", "/shop/")
    route("shop.bare", "/shop")
    route("shop.show", "/shop/show/{show}")
    route("shop.performance", "/shop/performance/{performance}")
    route("shop.add", "/shop/performance/{performance}/add")
    route("shop.basket", "/shop/basket")
    route("shop.remove", "/shop/basket/remove")
    route("shop.restart", "/shop/basket/restart")
    route("shop.checkout", "/shop/checkout")
    route("shop.return", "/shop/pay/{payment}/return")
    route("shop.order", "/shop/order/{token}")
    route("shop.order.tickets", "/shop/order/{token}/tickets.pdf")
    view = config.add_view
    view(programme_view, route_name="shop.programme", request_method=("GET", "HEAD"))
    view(lambda request: HTTPFound(request.route_path("shop.programme")), route_name="shop.bare")
    view(show_view, route_name="shop.show", request_method=("GET", "HEAD"))
    view(performance_view, route_name="shop.performance", request_method=("GET", "HEAD"))
    view(add_view, route_name="shop.add", request_method="POST")
    view(basket_view, route_name="shop.basket", request_method=("GET", "HEAD"))
    view(remove_view, route_name="shop.remove", request_method="POST")
    view(restart_view, route_name="shop.restart", request_method="POST")
    view(checkout_view, route_name="shop.checkout", request_method=("GET", "HEAD"))
    view(checkout_post, route_name="shop.checkout", request_method="POST")
    view(return_view, route_name="shop.return", request_method=("GET", "HEAD"))
    view(order_view, route_name="shop.order", request_method=("GET", "HEAD"))
    view(order_tickets_view, route_name="shop.order.tickets", request_method=("GET", "HEAD"))
    config.add_notfound_view(lambda request: _not_found(request, "There is no such page in the "
                                                        "shop."), path_info=r"^/shop/")
    config.add_exception_view(no_terminal_view, context=NoTerminal)
    config.add_exception_view(csrf_failed_view, context=BadCSRFToken)
    for context in (XTSError, Exception):
        config.add_exception_view(error_view, context=context, path_info=r"^/shop/")
    config.add_tween("xts2_shop.views._headers_tween_factory")
    from . import testpay

    testpay.includeme(config)
    offers.includeme(config)
