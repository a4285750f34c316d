"""XTS2 core: what plugins import.

Everything a provider plugin needs is exported here; anything else in ``xts2_core`` is internal
and may change. A plugin writes ``from xts2_core import hookimpl, NewItem, ItemRejected, …``.
"""

from pydantic import Field

from .answers import Answer, Count, DateTimeText, MoneyText
from .baskets.filters import BasketFilter
from .baskets.service import item_value_sum
from .calls import call_command
from .db import Base, UTCDateTime, for_update, is_sqlite, is_transient, locks_enabled
from .errors import (
    BadParam,
    Conflict,
    Forbidden,
    ItemRejected,
    NotFound,
    Unauthorized,
    XTSError,
)
from .hookspecs import hookimpl
from .items import ItemType, NewItem
from .mail import queue_mail
from .models import Basket, BasketItem, BigId, Terminal
from .offers import ShopOffer
from .params import (
    Bool,
    DateTime,
    Id,
    IdList,
    Int,
    ItemTypeName,
    ItemTypeNames,
    Key,
    MoneyParam,
    Name,
    NoParams,
    Params,
    ReportTypeName,
    Text,
    Words,
    parse_params,
)
from .payments import (
    OnlinePayment,
    PaymentMethod,
    cancel_payment,
    confirm_payment,
    fail_payment,
    find_payment,
    lock_payment,
    payment_methods,
    payment_of_item,
    payments_of,
    refund_key,
    refund_payment,
    settle_overdue,
    start_payment,
)
from .refunds import BasketRefunds, ClosedBasketFacts
from .render import E, elist, emap
from .reports import Column, Report, ReportType
from .season import (
    Entry,
    LoadContext,
    SeasonError,
    SeasonMoney,
    SeasonSection,
    TerminalField,
)
from .servlets import Command, Servlet, answers
from .static import StaticFiles
from .values import Money, format_datetime, format_money, parse_money

__all__ = [
    "Answer", "BadParam", "Base", "Basket", "BasketFilter", "BasketItem", "BasketRefunds", "BigId", "Bool",
    "ClosedBasketFacts",
    "Column",
    "Command", "Conflict", "Count", "DateTime", "DateTimeText", "E", "Entry", "Field",
    "Forbidden", "Id", "IdList", "Int", "ItemRejected", "ItemType", "ItemTypeName", "ItemTypeNames",
    "Key", "LoadContext",
    "Money", "MoneyParam", "MoneyText", "Name", "NewItem", "NoParams", "NotFound", "Params",
    "Report", "ReportType", "ReportTypeName", "SeasonError", "SeasonMoney", "SeasonSection", "Servlet",
    "StaticFiles", "Terminal", "TerminalField", "Text", "UTCDateTime", "Unauthorized", "Words",
    "XTSError", "answers", "elist", "emap", "for_update", "format_datetime", "format_money",
    "hookimpl", "call_command", "OnlinePayment", "PaymentMethod", "cancel_payment", "confirm_payment",
    "fail_payment", "find_payment", "lock_payment", "payment_methods", "payment_of_item", "payments_of",
    "refund_key", "refund_payment", "settle_overdue",
    "start_payment", "ShopOffer", "is_transient",
    "is_sqlite", "item_value_sum", "locks_enabled", "parse_money", "parse_params", "queue_mail",
]
