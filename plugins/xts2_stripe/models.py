"""The plugin's one table: the Stripe events it has handled (``stripe_event``).

A row says that an event (by Stripe's id) was handled and what it meant here: a second delivery
of it changes nothing, and a refund made in Stripe's dashboard (``charge.refunded``) stays on
record beside the payment, so the takings and the bank can be told apart when they differ. It
holds ids and amounts only: nothing personal.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xts2_core import Base, BigId, UTCDateTime


class StripeEvent(Base):
    __tablename__ = "stripe_event"

    #: Stripe's event id (``evt_…``).
    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    #: The PaymentIntent the event is about, if any, and our payment of it (none: unknown here).
    intent: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    payment_id: Mapped[int | None] = mapped_column(BigId, index=True)
    #: The amount the event tells of (minor units): received, or refunded in all so far.
    amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: When Stripe made the event, and when it was handled here.
    created: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received: Mapped[datetime] = mapped_column(UTCDateTime)
    #: What it did here, in a few words ("confirmed", "unknown payment", "refunded outside XTS2").
    outcome: Mapped[str] = mapped_column(sa.String(200))
