"""Season files (API.md §10): YAML whose top-level sections belong to plugins.

Each plugin registers :class:`SeasonSection` objects: a pydantic model for one entry and a
``load`` that upserts the validated entries (matching by natural keys, so loading twice changes
nothing). The whole file loads in one transaction; the first bad value stops it and the error names
the section, the line and the field.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model
from pydantic import Field as PField

from .auth import MIN_KEY_LENGTH, hash_key
from .hookcalls import merge_named
from .hookspecs import hookimpl
from .models import Terminal
from .values import parse_money


class SeasonError(ValueError):
    """A season file that cannot be loaded; nothing was changed.

    A section's ``load`` raises it with a message for the operator; ``entry`` (the index of the
    entry at fault in its section) and ``field`` (dotted for nested ones: ``performances.0.start``)
    let the core name the line of the file as well::

        raise SeasonError(f"show {e.name!r} is listed twice", entry=i, field="name")
    """

    def __init__(self, message: str, *, entry: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message, self.entry, self.field = message, entry, field


class Entry(BaseModel):
    """Base of a season-section entry model: unknown keys are an error (typos are caught)."""

    model_config = ConfigDict(extra="forbid")


def _season_money(value: Any) -> Any:
    """A season file's amount → minor units, read exactly as written.

    YAML reads an unquoted ``12.5`` as a float; its shortest ``repr`` is the text that was
    written (for at most 15 significant digits), so that text is parsed — never float arithmetic.
    """
    if isinstance(value, bool):
        raise ValueError("must be an amount such as 12.50, not true or false")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be an amount such as 12.50, not NaN or infinity")
        value = repr(value)
        if "e" in value or "E" in value:
            raise ValueError("must be an amount such as 12.50 (write it in quotes)")
    elif isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        return parse_money(value)
    raise ValueError("must be an amount such as 12.50")


#: An amount of money in a season file → minor units: ``"12.00"``, ``"12.5"``, ``12`` or an
#: unquoted ``12.5`` (read as written); more than two decimal places, NaN, infinities and
#: booleans are refused. Bound it with ``Field(ge=0)`` where it must not be negative.
SeasonMoney = Annotated[int, BeforeValidator(_season_money)]


@dataclass
class LoadContext:
    """What a section's ``load`` gets: the session, the clock and the venue time zone."""

    dbsession: Any
    now: Any
    tz: Any
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SeasonSection:
    """A top-level section of the season file.

    :param name: the section key (``shows``).
    :param entry: the pydantic model of one entry (a subclass of :class:`Entry`); the section is
        a list of entries.
    :param load: ``load(ctx, entries)`` upserts the validated entries; it may raise
        :class:`SeasonError` with a message for the operator.
    :param demo: ``demo(today)`` returns the section's demo entries (plain data, as in a file).
    :param order: sections load in ascending order (payment types before terminals).
    """

    name: str
    entry: type[BaseModel]
    load: Callable[[LoadContext, list[Any]], None]
    demo: Callable[[date], list[dict[str, Any]]] | None = None
    order: int = 100


@dataclass(frozen=True)
class TerminalField:
    """A key a plugin owns inside each ``terminals`` entry (money owns ``paymenttypes``).

    :param name: the key.
    :param type: its type (a pydantic-compatible annotation).
    :param load: ``load(ctx, terminal, value)`` after the terminal row exists.
    :param demo: the value the demo terminal gets.
    :param online_demo: the value the demo season's online terminal (``Website``, the shop's)
        gets; ``None``: the same as ``demo``.
    """

    name: str
    type: Any
    load: Callable[[LoadContext, Terminal, Any], None]
    demo: Any = None
    online_demo: Any = None


# -- YAML with line numbers --------------------------------------------------------------------

def _compose(text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML safely; also return the line of every mapping key and sequence item."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise SeasonError(f"{where}not valid YAML: {getattr(exc, 'problem', exc)}") from None
    lines: dict[tuple[Any, ...], int] = {}

    def walk(n: Any, path: tuple[Any, ...]) -> None:
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                walk(v, (*path, k.value))
                lines[(*path, k.value)] = k.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, (*path, i))

    if node is None:
        return {}, lines
    walk(node, ())
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return data, lines


def _at(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> str:
    """``"line 12: "`` for a path into the file, or ``""`` when there is no file (plain data)."""
    line = _line(lines, path)
    return f"line {line}: " if line is not None else ""


def _line(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


#: Characters no text of a season may hold (YAML's escapes can write them): control characters
#: other than tab and newline, and what XML cannot carry.
_BAD_TEXT_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _where(path: tuple[Any, ...]) -> str:
    """``("shows", 0, "tickettypes", 1, "name")`` → ``shows[0] field 'tickettypes.1.name'``."""
    if len(path) < 2:
        return f"section {path[0]!r}" if path else "the file"
    fieldname = ".".join(str(x) for x in path[2:]) or "entry"
    return f"{path[0]}[{path[1]}] field {fieldname!r}"


def _check_text(data: Any, lines: dict[tuple[Any, ...], int], path: tuple[Any, ...] = ()) -> None:
    if isinstance(data, str):
        if _BAD_TEXT_RE.search(data):
            raise SeasonError(f"{_at(lines, path)}{_where(path)}: control characters "
                              "other than tab and newline are not allowed")
    elif isinstance(data, dict):
        for k, v in data.items():
            _check_text(k, lines, (*path, k))
            _check_text(v, lines, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            _check_text(v, lines, (*path, i))


def sections(pm: Any) -> dict[str, SeasonSection]:
    return merge_named(pm, "register_season_sections", pm=pm)


def validate(pm: Any, data: Any, lines: dict[tuple[Any, ...], int] | None = None
             ) -> list[tuple[SeasonSection, list[Any]]]:
    """Check every section against its owner's model; return them in load order."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise SeasonError("line 1: a season file is a mapping of sections (shows:, stock:, …)")
    _check_text(data, lines)
    known = sections(pm)
    out = []
    for name, entries in data.items():
        section = known.get(name)
        if section is None:
            raise SeasonError(
                f"{_at(lines, (name,))}section {name!r} belongs to no installed plugin "
                f"(installed sections: {', '.join(sorted(known)) or 'none'})")
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            raise SeasonError(f"{_at(lines, (name,))}section {name!r} must be a list")
        parsed = []
        for i, entry in enumerate(entries):
            try:
                parsed.append(section.entry.model_validate(entry))
            except ValidationError as exc:
                # A misspelt key also leaves the right one missing: name the misspelling.
                err = min(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")
                path = (name, i, *(err.get("loc") or ()))
                msg = err.get("msg", "is not valid").removeprefix("Value error, ")
                raise SeasonError(f"{_at(lines, path)}{_where(path)}: {msg}") from None
        out.append((section, parsed))
    out.sort(key=lambda sp: sp[0].order)
    return out


def load_text(pm: Any, ctx: LoadContext, text: str) -> dict[str, int]:
    """Validate and load a season file's text in the caller's transaction."""
    data, lines = _compose(text)
    return load_data(pm, ctx, data, lines)


def load_data(pm: Any, ctx: LoadContext, data: Any,
              lines: dict[tuple[Any, ...], int] | None = None) -> dict[str, int]:
    """Validate and load season data (a file's, or a dict) in the caller's transaction."""
    lines = lines or {}
    counts = {}
    for section, entries in validate(pm, data, lines):
        try:
            section.load(ctx, entries)
        except SeasonError as exc:
            if exc.entry is None:
                raise SeasonError(f"section {section.name!r}: {exc.message}") from None
            fields = exc.field.split(".") if exc.field else []
            path = (section.name, exc.entry, *(int(f) if f.isdigit() else f for f in fields))
            raise SeasonError(f"{_at(lines, path)}{_where(path)}: {exc.message}") from None
        counts[section.name] = len(entries)
    return counts


def demo_data(pm: Any, today: date, terminal_key: str | None = None) -> dict[str, Any]:
    """The demo season of the installed plugins around ``today``; with ``terminal_key``, also
    the demo terminal with that key (and the demo values of the plugins' terminal fields)."""
    data = {name: s.demo(today) for name, s in sections(pm).items() if s.demo is not None}
    if terminal_key is not None:
        fields = terminal_fields(pm)
        terminal = {"name": DEMO_TERMINAL, "key": terminal_key}
        terminal.update({name: f.demo for name, f in fields.items() if f.demo is not None})
        # The venue's online terminal, which the shop sells as (its key is never needed: the
        # shop runs in the server), with the longer expiry online baskets want.
        online = {"name": ONLINE_TERMINAL, "key": secrets.token_urlsafe(24), "expiry": 1800}
        online.update({name: f.online_demo if f.online_demo is not None else f.demo
                       for name, f in fields.items()
                       if f.online_demo is not None or f.demo is not None})
        data["terminals"] = [terminal, online]
    return data


# -- the core's own section: terminals ---------------------------------------------------------

DEMO_TERMINAL = "Demo terminal"
ONLINE_TERMINAL = "Website"


def terminal_fields(pm: Any) -> dict[str, TerminalField]:
    return merge_named(pm, "register_terminal_fields")


class _TerminalBase(Entry):
    name: str = PField(min_length=1, max_length=100)
    key: str | None = PField(None, min_length=MIN_KEY_LENGTH, max_length=200)
    expiry: int | None = PField(None, ge=30, le=604800)


def terminal_entry_model(pm: Any) -> type[BaseModel]:
    fields = {name: (f.type | None, None) for name, f in terminal_fields(pm).items()}
    return create_model("TerminalEntry", __base__=_TerminalBase, **fields)


def upsert_terminal(ctx: LoadContext, name: str, key: str | None, expiry: int | None
                    ) -> Terminal:
    """The terminal called ``name``, made or updated (a new one needs a key)."""
    import sqlalchemy as sa

    terminal = ctx.dbsession.execute(
        sa.select(Terminal).where(Terminal.name == name)).scalar_one_or_none()
    if terminal is None:
        if key is None:
            raise SeasonError(f"terminal {name!r} is new and needs a key")
        terminal = Terminal(name=name, key_hash=hash_key(key), active=True, expiry=expiry,
                            created=ctx.now)
        ctx.dbsession.add(terminal)
    else:
        if key is not None:
            terminal.key_hash = hash_key(key)
        terminal.expiry = expiry
        terminal.active = True
    ctx.dbsession.flush()
    return terminal


def _check_unique(ctx: LoadContext, entries: list[Any]) -> None:
    """Each terminal once, and each key for one terminal (here or already in the database)."""
    import sqlalchemy as sa

    names: set[str] = set()
    keys: dict[str, str] = {}
    for i, e in enumerate(entries):
        if e.name in names:
            raise SeasonError(f"terminal {e.name!r} is in the file twice", entry=i, field="name")
        names.add(e.name)
        if e.key is None:
            continue
        digest = hash_key(e.key)
        if digest in keys:
            raise SeasonError(f"terminal {e.name!r} has the key of terminal {keys[digest]!r}; "
                              "every terminal needs its own key", entry=i, field="key")
        keys[digest] = e.name
        other = ctx.dbsession.execute(sa.select(Terminal.name).where(
            Terminal.key_hash == digest, Terminal.name != e.name)).scalar_one_or_none()
        if other is not None:
            raise SeasonError(f"terminal {e.name!r} has the key of terminal {other!r}; "
                              "every terminal needs its own key", entry=i, field="key")


@hookimpl
def register_season_sections(pm: Any) -> list[SeasonSection]:
    """The core's own section, ``terminals``; plugins add keys to it with TerminalField."""
    fields = terminal_fields(pm)

    def load(ctx: LoadContext, entries: list[Any]) -> None:
        _check_unique(ctx, entries)
        for i, e in enumerate(entries):
            try:
                terminal = upsert_terminal(ctx, e.name, e.key, e.expiry)
            except SeasonError as exc:
                raise SeasonError(exc.message, entry=i, field="key") from None
            for name, f in fields.items():
                value = getattr(e, name)
                if value is None:
                    continue
                try:
                    f.load(ctx, terminal, value)
                except SeasonError as exc:  # a plugin's key: name its line
                    raise SeasonError(exc.message, entry=i, field=exc.field or name) from None

    return [SeasonSection("terminals", terminal_entry_model(pm), load, order=900)]
