"""The core's ``baskets`` servlet, registered through the same hooks as any plugin."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from ..params import NoParams
from ..servlets import Command, Servlet
from . import commands as c


@hookimpl
def register_servlets() -> list[Servlet]:
    T = "terminal"
    B: dict[str, Any] = {"answer": c.BasketAnswer}
    W: dict[str, Any] = {"changes_state": True}
    return [Servlet("baskets", [
        Command("getbaskets", c.getbaskets, T, c.GetBaskets, answer=c.BasketsAnswer),
        Command("getbasket", c.getbasket, T, c.BasketParam, **B),
        Command("newbasket", c.newbasket, T, c.NewBasket, **W, **B),
        Command("touchbasket", c.touchbasket, T, c.TouchBasket, **W, **B),
        Command("revivebasket", c.revivebasket, T, c.TouchBasket, **W, **B),
        Command("savebasket", c.savebasket, T, c.SaveBasket, **W, **B),
        Command("additem", c.additem, T, c.AddItem, **W, answer=c.AddItemAnswer),
        Command("moveitem", c.moveitem, T, c.MoveItem, **W, answer=c.MoveItemAnswer),
        Command("removeitem", c.removeitem, T, c.RemoveItem, **W, **B),
        Command("closebasket", c.closebasket, T, c.CloseBasket, **W, **B),
        Command("openbasket", c.openbasket, "admin", c.BasketParam, **W, **B),
        Command("setmetadata", c.setmetadata, T, c.SetMetadata, **W, answer=c.MetadataAnswer),
        Command("getmetadata", c.getmetadata, T, c.BasketParam, answer=c.MetadataAnswer),
        Command("getitemtypes", c.getitemtypes, T, NoParams, answer=c.ItemTypesAnswer),
    ])]
