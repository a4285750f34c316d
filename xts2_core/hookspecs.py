"""The plugin contract of XTS2: every hook a plugin may implement.

A plugin is a module (or any object) whose functions carry ``@hookimpl`` and are named after the
hooks below; the entry point group ``xts2`` names it. An implementation may take any subset of a
hook's arguments, by name, so a new argument later breaks no plugin::

    from xts2_core import ItemType, hookimpl

    @hookimpl
    def register_item_types():
        return [ItemType("donation", DonationParams, "Donation")]

The plugin manager checks at start-up that every ``@hookimpl`` names a hook here (a misspelled
hook stops start-up). Hooks come in four kinds:

* ``register_*`` return a list; the core merges the lists of all plugins once, and a name
  registered twice stops start-up (or the season load) with an error naming both plugins;
* ``validate_*`` refuse a basket change by raising :class:`xts2_core.ItemRejected` (its message
  reaches the client as ``item_rejected``); returning normally agrees;
* ``validate_add_item`` and ``describe_item`` are answered by the owner of an item type
  ("Stops at the first non-``None`` result"); every other plugin returns ``None``
  (``describe_item`` is only called on the owner);
* notifications (``item_added``, ``basket_closed``, ``basket_reopened``) are past tense: the
  change is made, in the same transaction, and the return value is ignored.

Hooks that take ``request`` run inside the request's transaction: use ``request.dbsession``, never
commit, and remember that a request may be replayed whole after a database conflict, so anything
outside the database must be idempotent or wait until after commit. ``request.now`` is the one
clock (aware UTC), ``request.tz`` the venue's time zone, ``request.terminal`` the calling
:class:`xts2_core.Terminal` (or ``None``), ``request.registry.settings`` the ini settings.

docs/plugins.md is the guide to these hooks, with an example for each; a meta-test keeps the two
in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .baskets.filters import BasketFilter
    from .items import ItemType, NewItem
    from .models import Basket, BasketItem, Terminal
    from .offers import ShopOffer
    from .params import Params
    from .payments import PaymentMethod
    from .render import E
    from .reports import ReportType
    from .season import SeasonSection, TerminalField
    from .servlets import Servlet
    from .static import StaticFiles

hookspec = pluggy.HookspecMarker("xts2")
hookimpl = pluggy.HookimplMarker("xts2")


# -------------------------------------------------------------------------------------------------
# Start-up: what a plugin provides. Each returns a list; the core merges the lists of all plugins,
# and a name registered twice stops start-up with an error naming both plugins.
# -------------------------------------------------------------------------------------------------


@hookspec
def register_servlets() -> list[Servlet]:
    """Servlets and their commands (``/v2/{servlet}/{command}``).

    Called once when an app starts (and so once per test app). ``GET /v2`` lists what is
    registered. A plugin may add commands to a servlet another plugin registers (the same
    :class:`xts2_core.Servlet` name from two plugins is merged), but a command registered twice
    stops start-up. A command is ``func(request, params) -> E | list[E]``; the core checks its
    ``access`` (``public``, ``terminal``, ``admin``), parses its ``params`` schema (``bad_param``
    naming the parameter), opens a writing transaction and honours ``opid`` when
    ``changes_state=True``, and renders what it returns as XML or JSON.

    :return: a list of :class:`xts2_core.Servlet`, each with its :class:`xts2_core.Command` list.
    """


@hookspec
def register_item_types() -> list[ItemType]:
    """The basket item types this plugin owns (``ticket``, ``cafe``, ``payment``, …), each with
    the schema of its ``item.*`` parameters.

    Called once at start-up. The owner of a type answers ``validate_add_item`` and
    ``describe_item`` for it. ``additem`` with a type no plugin registered answers ``bad_param``
    (``param="type"``) naming the installed types, so disabling a plugin makes its type unknown
    without breaking anything else. A type registered by two plugins stops start-up.

    Each :class:`xts2_core.ItemType` names its ``params`` schema (a :class:`xts2_core.Params`
    whose fields, described with ``Field(description=…)``, are the ``item.*`` parameters without
    the prefix): the core parses ``item.*`` with it before ``validate_add_item`` (``bad_param``
    naming ``item.quantity``) and hands the owner the parsed model as ``item_params``;
    ``GET /v2/openapi.json`` and ``baskets/getitemtypes`` publish it with the type's ``title``
    and ``description``. A bare name (``"donation"``, this hook's first form) still works but is
    deprecated (a warning at start-up): its parameters are neither parsed nor described.

    :return: a list of :class:`xts2_core.ItemType` (names: lower case, 1–32 of ``a-z0-9_``).
    """


@hookspec
def register_basket_filters() -> list[BasketFilter]:
    """Extra ``getbaskets`` parameters that narrow the list.

    Called once at start-up. Each :class:`xts2_core.BasketFilter` names its parameter and its type
    (parsed like any parameter: a bad value is ``bad_param`` naming it); when a request gives the
    parameter, the core calls ``filter.apply(request, select, value)`` with the
    ``select(Basket)`` built so far and uses the ``select`` it returns (add ``where`` clauses, an
    ``EXISTS`` on your own tables or on :class:`xts2_core.BasketItem`). A name that clashes with
    a ``getbaskets`` parameter or another plugin's filter stops start-up.

    :return: a list of :class:`xts2_core.BasketFilter`.
    """


@hookspec
def register_reports(settings: dict[str, Any]) -> list[ReportType]:
    """Report types for ``xts/report?type=…`` (admin).

    Called once at start-up. The core parses the report type's ``params`` from the request, calls
    ``build(request, params)`` and renders the :class:`xts2_core.Report` it returns as XML, JSON,
    CSV or an HTML page with a chart (``format=``). An unknown ``type`` is ``bad_param`` naming
    the installed report types; a name registered twice stops start-up.

    :param settings: the ini settings (a plugin's own are ``pluginname.setting``): a report that
        needs something configured is registered only when it is (the Stripe plugin's ``stripe``
        report, when its keys are set). Optional: an implementation that does not name it is
        called without it.
    :return: a list of :class:`xts2_core.ReportType`.
    """


@hookspec
def register_migrations() -> list[str]:
    """The directory holding the plugin's Alembic revisions: a branch of its own.

    Called by ``xts2 initdb`` and ``xts2 demo`` before Alembic runs ``upgrade heads``, by
    ``xts2 revision CONFIG PLUGIN`` to find where a new revision goes, and by the test fixtures
    when they migrate the test database. The base revision of the branch carries the plugin's
    entry-point name in ``branch_labels`` and ``depends_on`` the core revision it needs (``xts2
    revision`` writes both); every table of the plugin is prefixed with its name
    (``donations_setting``), which is how ``xts2 revision`` tells whose a table is.

    :return: a list with the path of the plugin's ``versions`` directory.
    """


@hookspec
def register_season_sections(pm: Any) -> list[SeasonSection]:
    """The top-level sections of the season file this plugin owns (``shows``, ``stock``, …).

    Called when a season file is loaded (``xts2 load``, ``xts2 demo``; ``app.load`` in tests),
    not at start-up. The core validates every entry of the section against the section's
    :class:`xts2_core.Entry` model (the error names the line and the field), then calls
    ``load(ctx, entries)`` in the one transaction of the whole file, which must upsert by natural
    keys so that loading the same file twice changes nothing; ``load`` may raise
    :class:`xts2_core.SeasonError`. ``demo(today)`` gives the section's part of ``xts2 demo``.
    A section no installed plugin owns is an error naming it.

    :param pm: the plugin manager (rarely needed: the core's ``terminals`` section uses it to
        collect ``register_terminal_fields``).
    :return: a list of :class:`xts2_core.SeasonSection`.
    """


@hookspec
def register_static_files(settings: dict[str, Any]) -> list[StaticFiles]:
    """Folders of files the plugin serves beside the API: a browser client, its pages, a panel.

    Called once at start-up. Each :class:`xts2_core.StaticFiles` folder is served at
    ``/{name}/`` (its ``index`` page there, its ``pages`` at ``/{name}/{page}``), with ETags and
    ``Cache-Control: no-cache``, and its HTML pages with a Content-Security-Policy that allows
    scripts and styles from this server only (no inline scripts) and no framing, but for the
    ``embeddable`` pages by the origins given. ``GET /v2`` lists the folders (and a folder's
    ``panel`` module, which the browser client loads), so a client can find what a plugin ships
    for it. A name registered twice, or two folders asking to be the home page (``home=True``:
    ``/`` leads there), stops start-up.

    :param settings: the ini settings (a plugin's own are ``pluginname.setting``: the origins
        that may frame a page, say).
    :return: a list of :class:`xts2_core.StaticFiles`.
    """


@hookspec
def register_terminal_fields() -> list[TerminalField]:
    """Keys this plugin owns inside each entry of the core's ``terminals`` season section.

    Called when a season file is loaded, to build the ``terminals`` entry model (money owns
    ``paymenttypes``). The core creates or updates the terminal, then calls
    ``field.load(ctx, terminal, value)`` for each key the entry gives; ``demo`` is the value the
    demo terminal gets.

    :return: a list of :class:`xts2_core.TerminalField`.
    """


@hookspec
def register_payment_methods(settings: dict[str, Any]) -> list[PaymentMethod]:
    """Ways to pay online that this plugin offers (a card service, a reservation).

    Called once at start-up. The shop offers each :class:`xts2_core.PaymentMethod` whose
    ``applies`` agrees, calls its ``start`` when the customer chooses it, and its ``check`` when
    the customer comes back; the method's own notification endpoint (a webhook, under the
    plugin's own routes) calls :func:`xts2_core.confirm_payment` or
    :func:`xts2_core.fail_payment`. The core records every payment under way
    (:class:`xts2_core.OnlinePayment`), holds its basket up to ``hold_seconds``, confirms once under
    the payment's row lock, asks ``late`` to give back money that came too late, and ``settle``
    for payments past their bound (``xts2 expire``). A name registered twice stops start-up.

    :param settings: the ini settings (a plugin's own are ``pluginname.setting``: keys from the
        environment, a test service refused in production).
    :return: a list of :class:`xts2_core.PaymentMethod`.
    """


@hookspec
def erase_personal_data(dbsession: Any, email: str) -> int | None:
    """Erase what this plugin keeps about the customer with this email address.

    Called by ``xts2 erase CONFIG EMAIL``, for every plugin, in the command's one transaction
    (``dbsession``; there is no request), after the core has erased the names and personal
    metadata of the baskets whose ``email`` metadata is this address. Blank or delete the names,
    addresses and other personal data in your own tables; keep every amount, item and count
    that takings and reports need.

    :param dbsession: the command's database session (never commit it).
    :param email: the address, trimmed and in lower case (compare case-insensitively).
    :return: how many of your rows were erased (or ``None``), for the operator's summary.
    """


# -------------------------------------------------------------------------------------------------
# Basket items: called for every item operation, inside the request's transaction.
# -------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def validate_add_item(request: Any, basket: Basket, item_type: str, params: Any,
                      item_params: Params | None) -> NewItem | None:
    """Agree to add an item of ``item_type`` to ``basket``, or refuse.

    Called by ``additem`` after the core has checked that ``item_type`` is registered, parsed its
    ``item.*`` parameters with the type's schema (a bad value is ``bad_param`` before any hook
    runs) and locked and checked the open basket. Stops at the first non-``None`` result: the
    owner of ``item_type`` reads the parsed ``item_params``, locks what it counts
    (:func:`xts2_core.for_update`), checks and returns the item; every other plugin returns
    ``None``. The core then stores the item, calls ``item_added`` and writes the audit.

    :param request: the current request (``request.dbsession``, ``request.now``, ``request.terminal``).
    :param basket: the open, locked :class:`xts2_core.Basket`.
    :param item_type: the ``type`` parameter, a registered item type.
    :param params: the request's raw parameters (a multidict); rarely needed now that
        ``item_params`` carries the parsed ones.
    :param item_params: the ``item.*`` parameters parsed with the item type's ``params`` schema
        (an instance of it), or ``None`` for a type registered as a bare name (deprecated).
    :return: a :class:`xts2_core.NewItem` (``quantity`` ≥ 1 and ``unit_price`` as ints, money in
        minor units), or ``None`` for a type this plugin does not own.
    :raises ItemRejected: to refuse, with a message for the person at the counter.
    :raises BadParam: for a parameter the schema alone cannot judge (required together with
        another one).
    """


@hookspec(firstresult=True)
def describe_item(request: Any, item: BasketItem) -> E | None:
    """The detail element of an item (``<ticket …/>``) inside ``<item>``.

    Called for every item of every basket rendered (``additem``, ``getbasket``, ``closebasket``…),
    on the owner of the item's type only (the plugin whose ``register_item_types`` names it): the
    core calls that plugin's implementation directly, not the hook of every plugin, since a basket
    renders many items. Build it from ``item.detail`` (the snapshot ``validate_add_item``
    returned) alone, without a query, so a basket of 200 items renders in a constant number of
    queries. ``None`` (or no implementation) leaves the item without a detail element; a check
    of ``item.type`` does no harm. A pluggy wrapper of this hook makes the core call the whole
    hook again (every plugin, first non-``None`` result), so that the wrapper sees each item.

    :param request: the current request (``request.tz`` for datetimes).
    :param item: the :class:`xts2_core.BasketItem`.
    :return: an :class:`xts2_core.E`, or ``None``.
    """


@hookspec
def item_added(request: Any, basket: Basket, item: BasketItem) -> None:
    """An item was added: it is stored and has its id; same transaction.

    Called by ``additem`` for every plugin, whatever the type (check ``item.type``). Providers keep
    their own rows about the item here (tickets records the seats; money marks a basket holding a
    payment as never expiring). Raising here aborts the whole ``additem``.

    :param request: the current request.
    :param basket: the open, locked :class:`xts2_core.Basket`.
    :param item: the new :class:`xts2_core.BasketItem`.
    """


@hookspec
def validate_remove_item(request: Any, basket: Basket, item: BasketItem) -> None:
    """Refuse removing ``item`` from ``basket`` by raising ``ItemRejected``.

    Called by ``removeitem`` once the core has locked the basket and checked that it is open and
    holds the item; every plugin is asked, whatever the type. Returning agrees; the core then
    deletes the item (rows of yours that reference it with ``ondelete="CASCADE"`` go with it).

    :param request: the current request.
    :param basket: the open, locked :class:`xts2_core.Basket`.
    :param item: the :class:`xts2_core.BasketItem` to remove.
    :raises ItemRejected: to refuse.
    """


@hookspec
def validate_move_item(request: Any, item: BasketItem, source: Basket, target: Basket) -> None:
    """Refuse moving ``item`` from ``source`` to ``target`` by raising ``ItemRejected``.

    Called by ``moveitem`` once the core has locked both baskets (in id order) and checked that
    both are open and differ; every plugin is asked. Returning agrees; the item keeps its id,
    snapshot and value, only its basket changes.

    :param request: the current request.
    :param item: the :class:`xts2_core.BasketItem` (still in ``source``).
    :param source: the open basket it leaves.
    :param target: the open basket it goes to.
    :raises ItemRejected: to refuse.
    """


@hookspec
def validate_close_basket(request: Any, basket: Basket) -> None:
    """Refuse closing ``basket`` by raising ``ItemRejected``.

    Called by ``closebasket`` once the core has locked the open basket and checked that it has
    items and a value of 0.00; every plugin is asked. Returning agrees; ``basket_closed`` follows.

    :param request: the current request.
    :param basket: the open, locked :class:`xts2_core.Basket`.
    :raises ItemRejected: to refuse.
    """


@hookspec
def basket_closed(request: Any, basket: Basket) -> None:
    """``basket`` was closed (``state == "closed"``, ``closed == request.now``); same transaction.

    Called by ``closebasket`` for every plugin (cafe lowers stock levels here). Raising here
    aborts the close. ``basket.items`` holds the basket's items (loaded, in id order): read it
    rather than query them (cafe asks for its lines only when the basket holds a cafe item).

    :param request: the current request.
    :param basket: the closed :class:`xts2_core.Basket`.
    """


@hookspec
def validate_revive_basket(request: Any, basket: Basket) -> None:
    """Refuse taking the expired ``basket`` back by raising ``ItemRejected``.

    Called by ``revivebasket`` once the core has locked the open, expired basket and made it
    live again (its new ``expires`` is flushed), so your counts now include what it holds; every
    plugin is asked. Lock what you count in the same order as ``validate_add_item`` does, and
    refuse when the basket's items are no longer there to be had (their seats or stock went to
    someone else while it was expired, the performance has started): the core then undoes the
    revival and the basket stays expired. Returning agrees.

    :param request: the current request.
    :param basket: the open, locked :class:`xts2_core.Basket`, live again.
    :raises ItemRejected: to refuse (in words for the customer: the core passes them on).
    """


@hookspec
def validate_open_basket(request: Any, basket: Basket) -> None:
    """Refuse reopening the closed ``basket`` by raising ``ItemRejected``.

    Called by ``openbasket`` (admin) once the core has locked the basket and checked that it is
    closed; every plugin is asked. Reopening makes its tickets reserved instead of sold; a
    provider that cannot undo what closing did refuses here.

    :param request: the current request (``request.is_admin`` is true).
    :param basket: the closed, locked :class:`xts2_core.Basket`.
    :raises ItemRejected: to refuse.
    """


@hookspec
def basket_reopened(request: Any, basket: Basket) -> None:
    """``basket`` was reopened (``state == "open"``, no expiry); same transaction.

    Called by ``openbasket`` for every plugin (cafe restores stock levels here).

    :param request: the current request.
    :param basket: the reopened :class:`xts2_core.Basket`.
    """


# -------------------------------------------------------------------------------------------------
# The shop
# -------------------------------------------------------------------------------------------------


@hookspec
def shop_offers(request: Any, basket: dict[str, Any] | None) -> list[ShopOffer] | None:
    """What this plugin sells in the shop beside tickets, offered on the customer's basket page.

    Called by the shop (``xts2_shop``) each time it shows a basket page, for every plugin; the
    offers of all plugins are shown in the order pluggy calls them. Offer only what may be sold
    online (a flag of your season entries, off by default). When the customer chooses one, the
    shop adds it with ``additem`` as the online terminal, so your ``validate_add_item`` decides
    as at the counter, and its refusal is shown in its words. Keep it to a query or two.

    :param request: the current request.
    :param basket: the customer's open basket as ``getbasket`` describes it (a dict), or
        ``None`` when they have none yet.
    :return: a list of :class:`xts2_core.ShopOffer` (or ``None`` for nothing).
    """


# -------------------------------------------------------------------------------------------------
# The xts servlet
# -------------------------------------------------------------------------------------------------


@hookspec
def describe_terminal(request: Any, terminal: Terminal) -> list[E] | None:
    """What the plugin adds to ``xts/getterminal``: elements inside ``<terminal>``.

    Called by every ``xts/getterminal`` (terminal), for every plugin, with the calling terminal;
    the elements of all plugins are put, in the order pluggy calls them, inside ``<terminal id name expiry
    timezone>`` (money adds ``<paymenttypes>``, the payment types this terminal accepts). Use a
    tag of your own (your plugin's name is a good one): a client reads them by tag. Keep it to a
    query or two: a client asks once when it starts.

    :param request: the current request (``request.terminal`` is ``terminal``).
    :param terminal: the calling :class:`xts2_core.Terminal`.
    :return: a list of :class:`xts2_core.E` (or ``None`` for nothing).
    """


@hookspec
def collect_stats(request: Any) -> dict[str, int]:
    """Counts for ``xts/getstats`` (``{"shows": 12, "performances": 240}``).

    Called by every ``getstats`` (terminal); each pair becomes ``<count name="shows">12</count>``.
    Keep it to a few aggregate queries, and use names neither the core (``terminals``,
    ``baskets``, ``openbaskets``, ``items``) nor another plugin uses: a name that clashes is
    given as ``<plugin>.<name>`` (``donations.items``), for every plugin that uses it, and a
    warning is logged; nothing is replaced. The core calls each plugin's implementation in turn
    (so it knows whose count is whose), as for the ``register_*`` hooks: ``wrapper``
    implementations of this hook are not called.

    :param request: the current request.
    :return: a dict of count name → int.
    """
