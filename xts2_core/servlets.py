"""Servlets and commands, as plugins declare them through ``register_servlets``.

A command is a function ``(request, params) -> E | list[E]`` with an access level and a parameter
schema. The :class:`CommandRegistry` merges every plugin's servlets at start-up; the same servlet
or command registered twice stops start-up with a message naming both plugins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .hookcalls import PluginError
from .params import NoParams, Params

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_LEVELS = ("public", "terminal", "admin")
#: Servlet and command names: what may stand in ``/v2/{servlet}/{command}`` (lower case).
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Command:
    """One API command.

    :param name: lower-case command name (``getshows``).
    :param func: ``func(request, params)`` returning an :class:`~xts2_core.render.E` or a list.
    :param access: ``public``, ``terminal`` or ``admin`` (API.md §4).
    :param params: the pydantic :class:`~xts2_core.params.Params` schema.
    :param changes_state: guarded against cross-site requests, takes ``opid``, opens a writing
        transaction.
    :param cache_seconds: for public reads, ``Cache-Control: max-age`` instead of ``no-store``.
    :param formats: answer formats besides ``xml`` and ``json`` that the command renders itself
        (it returns a Pyramid ``Response`` for them).
    :param answer: the schema of the answer's JSON payload (the keys beside ``status``,
        ``servlet`` and ``command``): an :class:`~xts2_core.Answer` model, or a JSON Schema dict;
        ``GET /v2/openapi.json`` publishes it. ``None``: the one the function was decorated with
        (:func:`answers`), else any object (allowed for a plugin's command; the core's and the
        shipped providers' commands declare theirs, and the tests check every answer against it).
    """

    name: str
    func: Callable[[Any, Any], Any]
    access: str = "public"
    params: type[Params] = NoParams
    changes_state: bool = False
    cache_seconds: int = 0
    formats: tuple[str, ...] = ()
    answer: Any = None

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name):
            raise ValueError(f"command {self.name!r}: a name is lower case a-z, 0-9 and _")
        if self.access not in ACCESS_LEVELS:
            raise ValueError(f"command {self.name}: access must be one of {ACCESS_LEVELS}")
        if self.answer is None:
            object.__setattr__(self, "answer", getattr(self.func, "xts2_answer", None))


def answers(schema: Any) -> Callable[[F], F]:
    """Declare a command function's answer schema where the function is written::

        @answers(GetShowsAnswer)
        def getshows(request, params): …

    the same as ``Command(…, answer=GetShowsAnswer)``.
    """

    def mark(func: F) -> F:
        func.xts2_answer = schema  # type: ignore[attr-defined]
        return func

    return mark


@dataclass(frozen=True)
class Servlet:
    """A servlet (``/v2/{name}/…``) and its commands."""

    name: str
    commands: list[Command] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name):
            raise ValueError(f"servlet {self.name!r}: a name is lower case a-z, 0-9 and _")


class DuplicateRegistration(PluginError):
    """Two plugins registered the same name; start-up stops."""


class CommandRegistry:
    """``servlets[servlet][command]`` → :class:`Command`, and who registered each."""

    def __init__(self) -> None:
        self.servlets: dict[str, dict[str, Command]] = {}
        self.owners: dict[str, str] = {}

    def add(self, servlet: Servlet, plugin: str) -> None:
        commands = self.servlets.setdefault(servlet.name, {})
        for cmd in servlet.commands:
            key = f"{servlet.name}/{cmd.name}"
            if cmd.name in commands:
                raise DuplicateRegistration(
                    f"command {key} is registered by both {self.owners[key]!r} and {plugin!r}")
            commands[cmd.name] = cmd
            self.owners[key] = plugin

    def get(self, servlet: str, command: str) -> Command | None:
        return self.servlets.get(servlet, {}).get(command)
