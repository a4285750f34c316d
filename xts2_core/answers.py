"""Answer schemas: what a command's JSON payload looks like, declared next to the command.

A command's ``answer`` (:class:`xts2_core.Command`) is a pydantic model whose fields are the keys
its payload puts beside ``status``, ``servlet`` and ``command`` (``shows`` for ``getshows``),
built from :class:`Answer` and the value types below. ``GET /v2/openapi.json`` publishes it (as
pydantic's JSON Schema), and the test client checks every JSON answer the tests receive against
it, so a schema that drifts from what the command renders fails the tests::

    class ShowOut(Answer):
        id: int
        name: str
        first: DateTimeText | None = None   # an attribute that may be left out

    class GetShowsAnswer(Answer):
        shows: list[ShowOut]

An optional field (``| None = None``) is a key that may be absent: the renderer leaves out
``None`` attributes, and never sends ``null`` for one.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

#: Money as answers carry it: a decimal string with exactly two places (``"12.00"``, ``"-8.50"``).
MoneyText = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$",
                                 json_schema_extra={"format": "decimal"})]
#: A datetime as answers carry it: ISO 8601 with the venue's UTC offset.
DateTimeText = Annotated[str, Field(
    pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?[+-][0-9]{2}:[0-9]{2}$",
    json_schema_extra={"format": "date-time"})]
#: A count: a whole number, never negative.
Count = Annotated[int, Field(ge=0)]


class Answer(BaseModel):
    """Base of an answer schema: an object with exactly the declared keys (an undeclared key in
    an answer fails the tests). Set ``model_config = ConfigDict(extra="allow")`` on a model whose
    keys are open (a report's attributes)."""

    model_config = ConfigDict(extra="forbid")


class AbsentNotNull(GenerateJsonSchema):
    """pydantic's JSON Schema where an optional value is one that may be absent, never ``null``:
    an answer's key (the renderer leaves out ``None``) and a parameter (a query string cannot
    say ``null``) alike."""

    def nullable_schema(self, schema: Any) -> Any:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: Any) -> Any:
        js = super().default_schema(schema)
        if js.get("default", 0) is None:
            del js["default"]
        return js


def answer_schemas(models: dict[str, type[BaseModel]], prefix: str
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """JSON Schemas of answer models: ``({key: schema of models[key]}, {name: shared definition})``
    with references ``#/components/schemas/{prefix}{Model}`` (pydantic names the definitions and
    tells apart two models of the same name). Cached: the same plugins give the same schemas
    (and test suites build many apps); the result is shared, so it must not be changed."""
    return _answer_schemas(tuple(sorted(models.items(), key=lambda kv: kv[0])), prefix)


@functools.lru_cache(maxsize=64)
def _answer_schemas(items: tuple[tuple[str, type[BaseModel]], ...], prefix: str
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    models = dict(items)
    if not models:
        return {}, {}
    keys = list(models)
    mapping, defs = models_json_schema(
        [(models[k], "validation") for k in keys], schema_generator=AbsentNotNull,
        ref_template=f"#/components/schemas/{prefix}" + "{model}")
    out = {k: mapping[(models[k], "validation")] for k in keys}
    return out, {f"{prefix}{name}": schema for name, schema in defs.get("$defs", {}).items()}
