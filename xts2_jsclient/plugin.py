"""The ``jsclient`` plugin: serves the browser client at ``/client/`` (``/`` leads there) and the
public what's-on page at ``/client/whatson``.

It uses only the public hooks; the client talks to the server only through the public API. Its
settings (in the ini's ``[app:main]``):

``jsclient.booking_url``     where the what's-on page's "Book" links go: a URL in which
                             ``{performance}`` (the performance's id) and ``{show}`` are replaced
                             (``https://venue.example/book?p={performance}``); unset: the shop's
                             performance page when the shop is installed, else no links.
``jsclient.embed_origins``   origins (``https://venue.example``, space-separated) whose pages may
                             show the what's-on page in an ``<iframe>``; unset: none. Read only:
                             unlike ``xts2.allowed_origins`` it lets no origin change anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xts2_core import Answer, Command, E, NoParams, Servlet, StaticFiles, answers, hookimpl

STATIC = Path(__file__).parent / "static"


def _words(value: Any) -> tuple[str, ...]:
    return tuple(w for w in str(value or "").split() if w)


@hookimpl
def register_static_files(settings: dict[str, Any]) -> list[StaticFiles]:
    return [StaticFiles("client", STATIC, home=True, pages={"whatson": "whatson.html"},
                        embeddable={"whatson": _words(settings.get("jsclient.embed_origins"))})]


class SettingsAnswer(Answer):
    class Settings(Answer):
        timezone: str
        bookingurl: str | None = None

    settings: Settings


@answers(SettingsAnswer)
def getsettings(request: Any, p: NoParams) -> E:
    """``<settings timezone bookingurl/>``: what the public pages need to know of the venue (its
    time zone, to show times as the venue's; where "Book" leads)."""
    return E("settings", {"timezone": request.tz.key,
                          "bookingurl": request.registry.settings.get("jsclient.booking_url")
                          or _shop_url(request)})


def _shop_url(request: Any) -> str | None:
    """The shop's performance page, when a plugin serves one (route ``shop.performance``)."""
    from pyramid.interfaces import IRoutesMapper

    mapper = request.registry.queryUtility(IRoutesMapper)
    if mapper is None or mapper.get_route("shop.performance") is None:
        return None
    return "/shop/performance/{performance}"


@hookimpl
def register_servlets() -> list[Servlet]:
    return [Servlet("jsclient", [Command("getsettings", getsettings, "public", NoParams)])]
