"""The season file's ``paymenttypes`` section and the ``paymenttypes`` key of each terminal.

Payment types match by code and load before the terminals (the core loads ``terminals`` at order
900). A terminal's ``paymenttypes`` is the whole list it accepts: loading it again replaces the
list, so loading the same file twice changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from xts2_core import (
    Entry,
    Field,
    LoadContext,
    SeasonError,
    SeasonSection,
    Terminal,
    TerminalField,
)

from .models import PaymentType, TerminalPaymentType

CODE = r"^[A-Za-z0-9_.-]{1,64}$"
DEMO = [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"},
        {"code": "online", "name": "Online"}, {"code": "stripe", "name": "Card (Stripe)"}]
#: What the demo's box-office terminal takes, and what its online terminal (the shop's) takes:
#: the test payment service's type, and the Stripe plugin's, for trying it with localstripe.
DEMO_COUNTER, DEMO_ONLINE = ["cash", "card"], ["online", "stripe"]


class PaymentTypeEntry(Entry):
    """One ``paymenttypes`` entry: ``{code: card, name: Card}``."""

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=100, pattern=r"\S")


def load_paymenttypes(ctx: LoadContext, entries: list[PaymentTypeEntry]) -> None:
    """Upsert the entries by code."""
    codes = [e.code for e in entries]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise SeasonError(f"payment type {', '.join(twice)} is listed more than once")
    existing = {pt.code: pt for pt in ctx.dbsession.execute(
        sa.select(PaymentType).where(PaymentType.code.in_(codes))).scalars()}
    for e in entries:
        pt = existing.get(e.code)
        if pt is None:
            ctx.dbsession.add(PaymentType(code=e.code, name=e.name.strip()))
        else:
            pt.name = e.name.strip()
    ctx.dbsession.flush()


def load_terminal_paymenttypes(ctx: LoadContext, terminal: Terminal, codes: list[str]) -> None:
    """Make ``codes`` exactly the payment types ``terminal`` accepts."""
    found = {pt.code: pt.id for pt in ctx.dbsession.execute(
        sa.select(PaymentType).where(PaymentType.code.in_(codes))).scalars()}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise SeasonError(f"terminal {terminal.name!r}: unknown payment type "
                          f"{', '.join(map(repr, unknown))} (add it to the paymenttypes section)")
    wanted = set(found.values())
    have = set(ctx.dbsession.execute(
        sa.select(TerminalPaymentType.paymenttype_id)
        .where(TerminalPaymentType.terminal_id == terminal.id)).scalars())
    if have - wanted:
        ctx.dbsession.execute(sa.delete(TerminalPaymentType).where(
            TerminalPaymentType.terminal_id == terminal.id,
            TerminalPaymentType.paymenttype_id.in_(have - wanted)))
    for pt_id in sorted(wanted - have):
        ctx.dbsession.add(TerminalPaymentType(terminal_id=terminal.id, paymenttype_id=pt_id))
    ctx.dbsession.flush()


def demo_paymenttypes(today: date) -> list[dict[str, Any]]:
    return [dict(d) for d in DEMO]


def sections() -> list[SeasonSection]:
    return [SeasonSection("paymenttypes", PaymentTypeEntry, load_paymenttypes,
                          demo=demo_paymenttypes, order=500)]


def terminal_fields() -> list[TerminalField]:
    return [TerminalField("paymenttypes", list[str], load_terminal_paymenttypes,
                          demo=DEMO_COUNTER, online_demo=DEMO_ONLINE)]
