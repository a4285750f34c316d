"""The plugin contract of XTS2: every hook a plugin may implement.

Write an implementation with the same name and any subset of the arguments::

    from xts2_core import hookimpl

    @hookimpl
    def register_item_types():
        return ["donation"]

Hooks run inside the request's transaction: use ``request.dbsession``, never commit, and remember a
request may be replayed whole after a database conflict, so anything outside the database must be
idempotent or wait until after commit. ``request.now`` is the one clock; ``request.terminal`` is the
calling terminal (or ``None``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .baskets.filters import BasketFilter
    from .items import NewItem
    from .models import Basket, BasketItem
    from .render import E
    from .reports import ReportType
    from .season import SeasonSection, TerminalField
    from .servlets import Servlet

hookspec = pluggy.HookspecMarker("xts2")
hookimpl = pluggy.HookimplMarker("xts2")


# -------------------------------------------------------------------------------------------------
# Start-up: what a plugin provides. Each returns a list; the core merges the lists of all plugins,
# and a name registered twice stops start-up with an error naming both plugins.
# -------------------------------------------------------------------------------------------------


@hookspec
def register_servlets() -> list[Servlet]:
    """Servlets and their commands (``/v2/{servlet}/{command}``).

    Called once when the app starts. A plugin may add commands to a servlet another plugin
    registers, but not a command that already exists.

    :return: a list of :class:`xts2_core.Servlet`, each with :class:`xts2_core.Command` entries.
    """


@hookspec
def register_item_types() -> list[str]:
    """The basket item types this plugin owns (``ticket``, ``cafe``, ``payment``, …).

    Called once at start-up. ``additem`` with an unknown ``type`` answers ``bad_param`` naming the
    installed types. The owner of a type answers ``validate_add_item`` and ``describe_item`` for it.

    :return: a list of type names (lower case, ``A-Za-z0-9_``).
    """


@hookspec
def register_basket_filters() -> list[BasketFilter]:
    """Extra ``getbaskets`` filters.

    Called once at start-up. Each filter names its parameter and narrows the basket query.

    :return: a list of :class:`xts2_core.BasketFilter`.
    """


@hookspec
def register_reports() -> list[ReportType]:
    """Report types for ``xts/report?type=…``.

    Called once at start-up.

    :return: a list of :class:`xts2_core.ReportType`.
    """


@hookspec
def register_migrations() -> list[str]:
    """The plugin's Alembic version locations (directories), one branch of its own.

    Called by ``xts2 initdb`` before Alembic runs. The base revision of the branch carries the
    plugin's name as ``branch_labels`` and ``depends_on`` the core revision it needs; every table is
    prefixed with the plugin's name.

    :return: a list of directory paths.
    """


@hookspec
def register_season_sections(pm: Any) -> list[SeasonSection]:
    """The top-level sections of the season file this plugin owns (``shows``, ``stock``, …).

    Called by ``xts2 load`` and ``xts2 demo``. A section whose plugin is not installed is an error.

    :param pm: the plugin manager (rarely needed: the core's ``terminals`` section uses it to
        collect ``register_terminal_fields``).

    :return: a list of :class:`xts2_core.SeasonSection`.
    """


@hookspec
def register_terminal_fields() -> list[TerminalField]:
    """Keys this plugin owns inside each entry of the core's ``terminals`` season section.

    Called by ``xts2 load`` and ``xts2 demo`` (money owns ``paymenttypes``).

    :return: a list of :class:`xts2_core.TerminalField`.
    """


# -------------------------------------------------------------------------------------------------
# Basket items: called for every item operation, inside the request's transaction.
# -------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def validate_add_item(request: Any, basket: Basket, item_type: str, params: Any) -> NewItem | None:
    """Agree to add an item of ``item_type`` to ``basket``, or refuse.

    Called by ``additem`` after the core has locked and checked the open basket. Stops at the first
    non-``None`` result: the owner of ``item_type`` parses its ``item.*`` parameters with
    :func:`xts2_core.parse_params` (``prefix="item."``), locks and checks what it must
    (availability, what else is in the basket) and returns the item; every other plugin returns
    ``None``.

    :param request: the current request (``request.dbsession``, ``request.now``, ``request.terminal``).
    :param basket: the open, locked :class:`xts2_core.Basket`.
    :param item_type: the ``type`` parameter.
    :param params: the request's parameters (a multidict; read only ``item.*``).
    :return: a :class:`xts2_core.NewItem`, or ``None`` for a type this plugin does not own.
    :raises ItemRejected: to refuse, with a message for the person at the counter.
    """


@hookspec(firstresult=True)
def describe_item(request: Any, item: BasketItem) -> E | None:
    """The detail element of an item (``<ticket …/>``) inside ``<item>``.

    Called for every item of every basket rendered; build it from ``item.detail`` alone, without a
    query, so a basket of 200 items renders in a constant number of queries. Stops at the first
    non-``None`` result; return ``None`` for types this plugin does not own.

    :param item: the :class:`xts2_core.BasketItem`.
    :return: an :class:`xts2_core.E`.
    """


@hookspec
def item_added(request: Any, basket: Basket, item: BasketItem) -> None:
    """An item was added (it has its id); same transaction.

    Providers keep their own rows about the item here (tickets records the seats; money marks a
    basket holding a payment as never expiring).
    """


@hookspec
def validate_remove_item(request: Any, basket: Basket, item: BasketItem) -> None:
    """Refuse removing ``item`` from the open ``basket`` by raising ``ItemRejected``.

    Called by ``removeitem`` after the core checks; every plugin is asked, whatever the type.
    """


@hookspec
def validate_move_item(request: Any, item: BasketItem, source: Basket, target: Basket) -> None:
    """Refuse moving ``item`` from ``source`` to ``target`` (both open) by raising ``ItemRejected``."""


@hookspec
def validate_close_basket(request: Any, basket: Basket) -> None:
    """Refuse closing ``basket`` (it has items and a value of 0.00) by raising ``ItemRejected``."""


@hookspec
def basket_closed(request: Any, basket: Basket) -> None:
    """``basket`` was closed; same transaction (cafe lowers stock levels here)."""


@hookspec
def validate_open_basket(request: Any, basket: Basket) -> None:
    """Refuse reopening the closed ``basket`` by raising ``ItemRejected``.

    Called by ``openbasket`` (admin). Reopening makes its tickets reserved instead of sold; a
    provider that cannot undo what closing did refuses here.
    """


@hookspec
def basket_reopened(request: Any, basket: Basket) -> None:
    """``basket`` was reopened; same transaction (cafe restores stock levels here)."""


# -------------------------------------------------------------------------------------------------
# The xts servlet
# -------------------------------------------------------------------------------------------------


@hookspec
def collect_stats(request: Any) -> dict[str, int]:
    """Counts for ``xts/getstats`` (``{"shows": 12, "performances": 240}``).

    Called by every ``getstats``; keep it to a few aggregate queries.
    """
