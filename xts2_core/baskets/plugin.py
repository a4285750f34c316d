"""The core's ``baskets`` servlet, registered through the same hooks as any plugin."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..servlets import Command, Servlet
from . import commands as c


@hookimpl
def register_servlets() -> list[Servlet]:
    T = "terminal"
    return [Servlet("baskets", [
        Command("getbaskets", c.getbaskets, T, c.GetBaskets),
        Command("getbasket", c.getbasket, T, c.BasketParam),
        Command("newbasket", c.newbasket, T, c.NewBasket, changes_state=True),
        Command("touchbasket", c.touchbasket, T, c.TouchBasket, changes_state=True),
        Command("savebasket", c.savebasket, T, c.SaveBasket, changes_state=True),
        Command("additem", c.additem, T, c.AddItem, changes_state=True),
        Command("moveitem", c.moveitem, T, c.MoveItem, changes_state=True),
        Command("removeitem", c.removeitem, T, c.RemoveItem, changes_state=True),
        Command("closebasket", c.closebasket, T, c.CloseBasket, changes_state=True),
        Command("openbasket", c.openbasket, "admin", c.BasketParam, changes_state=True),
        Command("setmetadata", c.setmetadata, T, c.SetMetadata, changes_state=True),
        Command("getmetadata", c.getmetadata, T, c.BasketParam),
    ])]
