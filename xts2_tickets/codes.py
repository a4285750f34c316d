"""Ticket codes: one per ticket sold, issued when the basket that sells it closes.

A code is :data:`LENGTH` characters of :data:`ALPHABET`, drawn with :mod:`secrets` (uniform over
``17 ** 20``, about 2^81.7: unguessable). The alphabet is what a handheld scanner types alike on
QWERTY, QWERTZ and AZERTY keyboards and what a person reads aloud without confusion:

- no A, Q, W, Z, Y, M: keys that move between those layouts (a scanner sends key positions);
- no digits: on AZERTY the digits are shifted, so a scanner set up for QWERTY types ``&é"'(``
  instead of ``12345``;
- no O, I, L: read as 0 or 1.

That leaves ``BCDEFGHJKNPRSTUVX``. Input is forgiving: lower case is accepted, and spaces and
dashes are dropped (a code is printed in groups of four, ``BCDE-FGHJ-…``).

Closing a basket (:func:`basket_closed`) brings its codes in line with its items:

- each sale gets a code per ticket it does not have a code for yet (a first close: all of them;
  a reopened basket closing again keeps the codes its items had);
- codes of items no longer in the basket are voided (removed while it was reopened: the
  database cleared their ``item_id`` when the item went) or follow their item (moved to another
  basket);
- each refund naming its sale (``item.refundof``) voids as many of the sale's valid codes as it
  returns, codes not yet admitted first; a refund that names no sale cannot tell whose ticket it
  returns and voids none;
- codes a refund of this basket voided before it was reopened are valid again if that refund is
  no longer in it.

All of it is one statement to read the codes concerned and one per kind of change (an insert of
the new codes for a sale). The basket's codes are then kept on the request, so the answer of
``closebasket`` shows them without another query; a later ``getbasket`` of a closed basket reads
them in one statement (:data:`CODES`), however many items it has.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from xts2_core import Basket, BasketItem, ClosedBasketFacts

from .models import TicketCode

ITEM_TYPE = "ticket"
#: The characters of a code (see the module's docstring).
ALPHABET = "BCDEFGHJKNPRSTUVX"
#: Characters per code: 17^20 is about 2^81.7.
LENGTH = 20
#: How a code is printed and read out: groups of this many characters.
GROUP = 4
#: The longest ``code`` parameter taken; longer is ``bad_param`` (not a code a door could scan).
MAX_INPUT = 64

_SPACE = (N := len(ALPHABET)) ** LENGTH
_VALID = frozenset(ALPHABET)
_DROP = str.maketrans("", "", " \t\n-")


def new_code() -> str:
    """A fresh random code: :data:`LENGTH` characters of :data:`ALPHABET`, uniformly drawn."""
    n = secrets.randbelow(_SPACE)
    out = []
    for _ in range(LENGTH):
        n, digit = divmod(n, N)
        out.append(ALPHABET[digit])
    return "".join(out)


def normalise(text: str) -> str:
    """What a door typed or scanned, as a code is stored: spaces, tabs, newlines and dashes
    dropped, ASCII letters in upper case (other characters are left as they are, so the result
    is then not :func:`well_formed`)."""
    text = text.translate(_DROP)
    return text.upper() if text.isascii() else text


def well_formed(code: str) -> bool:
    """:data:`LENGTH` characters of :data:`ALPHABET` (after :func:`normalise`)."""
    return len(code) == LENGTH and _VALID.issuperset(code)


def grouped(code: str) -> str:
    """``BCDE-FGHJ-KNPR-STUV-XBCD``: how a code is printed."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


# -- issuing, when a basket closes ---------------------------------------------------------------

_T = TicketCode.__table__
#: The codes a closing basket's items concern: those of the basket, those of its sales (items moved
#: in from a reopened basket bring theirs), those of the sales its refunds name, and those its
#: refunds voided before it was reopened. Parameters ``basket``, ``items`` (expanding).
_CONCERNED = (
    sa.select(_T.c.id, _T.c.code, _T.c.item_id, _T.c.basket_id, _T.c.voided, _T.c.voided_why,
              _T.c.voided_by, _T.c.voided_in, _T.c.admitted)
    .where(sa.or_(_T.c.basket_id == sa.bindparam("basket"),
                  _T.c.item_id.in_(sa.bindparam("items", expanding=True)),
                  _T.c.voided_in == sa.bindparam("basket")))
    .order_by(_T.c.id))
_INSERT = _T.insert()
_ID = sa.bindparam("id_")
_VOID = _T.update().where(_T.c.id == _ID).values(
    voided=sa.bindparam("now"), voided_why=sa.bindparam("why"), voided_by=sa.bindparam("by"),
    voided_in=sa.bindparam("basket"))
_RESTORE = _T.update().where(_T.c.id == _ID).values(voided=None, voided_why=None, voided_by=None,
                                                    voided_in=None)
_MOVE = _T.update().where(_T.c.id == _ID).values(basket_id=sa.bindparam("to"))
_WHERE_NOW = sa.select(BasketItem.id, BasketItem.basket_id).where(
    BasketItem.id.in_(sa.bindparam("items", expanding=True)))


def _is_sale(item: BasketItem) -> bool:
    return item.type == ITEM_TYPE and not (item.detail or {}).get("refund")


def basket_closed(request: Any, basket: Basket) -> None:
    """Bring the codes of a basket that has just closed in line with its items (see the module's
    docstring), and keep its codes on the request for its rendering."""
    items = basket.items
    sales = [i for i in items if _is_sale(i)]
    refunds = [i for i in items if i.type == ITEM_TYPE and (i.detail or {}).get("refundof")]
    sale_ids = {i.id for i in sales}
    refund_ids = {i.id for i in refunds}
    originals = {i.detail["refundof"] for i in refunds}
    conn = request.dbsession.connection()
    rows = conn.execute(_CONCERNED, {"basket": basket.id,
                                     "items": sorted(sale_ids | originals)}).all()
    now = request.now
    valid: dict[int, list[Any]] = defaultdict(list)   # item id -> its valid codes, by id
    voided_by: dict[int, int] = defaultdict(int)      # refund id -> codes it voided
    restore, moved_in, left = [], [], []
    for r in rows:
        voided = r.voided
        if (voided is not None and r.voided_in == basket.id and r.voided_why == "refund"
                and r.voided_by not in refund_ids and r.item_id is not None):
            restore.append({"id_": r.id})             # its refund left the reopened basket
            voided = None
        if voided is not None:
            if r.voided_by in refund_ids:
                voided_by[r.voided_by] += 1
            continue
        if r.item_id in sale_ids:
            valid[r.item_id].append(r)
            if r.basket_id != basket.id:
                moved_in.append({"id_": r.id, "to": basket.id})
        elif r.item_id in originals:
            valid[r.item_id].append(r)
        elif r.basket_id == basket.id:
            left.append(r)                            # its item left while reopened
    voids = []
    # An item removed is gone (the database set item_id to NULL): its codes are void. One moved
    # to another basket takes them along.
    moved = [r for r in left if r.item_id is not None]
    where = dict(conn.execute(_WHERE_NOW, {"items": sorted({r.item_id for r in moved})}).all()
                 ) if moved else {}
    for r in left:
        if r.item_id is not None:
            moved_in.append({"id_": r.id, "to": where[r.item_id]})
        else:
            voids.append({"id_": r.id, "now": now, "why": "removed", "by": None,
                          "basket": basket.id})
    for refund in refunds:
        wanted = refund.quantity - voided_by[refund.id]
        if wanted <= 0:
            continue
        codes = valid[refund.detail["refundof"]]
        # Codes not yet admitted go first, the newest first: a ticket used at the door is the
        # last one to void.
        chosen = sorted(codes, key=lambda r: (r.admitted is not None, -r.id))[:wanted]
        for r in chosen:
            codes.remove(r)
            voids.append({"id_": r.id, "now": now, "why": "refund", "by": refund.id,
                          "basket": basket.id})
    new = []
    shown: dict[int, list[str]] = {}
    for sale in sales:
        have = [r.code for r in valid[sale.id]]
        for _ in range(sale.quantity - len(have)):
            code = new_code()
            have.append(code)
            new.append({"code": code, "item_id": sale.id, "basket_id": basket.id,
                        "performance_id": sale.detail["performance"],
                        "tickettype_id": sale.detail["tickettype"], "issued": now,
                        "voided": None, "voided_why": None, "voided_by": None,
                        "voided_in": None, "admitted": None,
                        "admitted_terminal": None, "undone": None, "undone_terminal": None})
        shown[sale.id] = have
    for statement, params in ((_RESTORE, restore), (_MOVE, moved_in), (_VOID, voids),
                              (_INSERT, new)):
        if params:
            conn.execute(statement, params)
    CODES.known(request, basket.id, shown)


# -- showing them --------------------------------------------------------------------------------

#: The valid codes of a basket's items, in the order issued; parameter ``basket``.
_OF_BASKET = (sa.select(_T.c.item_id, _T.c.code)
              .where(_T.c.basket_id == sa.bindparam("basket"), _T.c.voided.is_(None))
              .order_by(_T.c.id))


def _codes_by_item(rows: Any) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for item_id, code in rows:
        found[item_id].append(code)
    return found


#: The valid codes of a closed basket's sales, ``{item id: [code, …]}``, read once per basket
#: and request (whatever the number of items rendered), or handed over by the close that made
#: them (``known``); ``None`` for a basket that is not closed (a reopened basket's codes are not
#: shown until it closes again).
CODES = ClosedBasketFacts(_OF_BASKET, _codes_by_item)
