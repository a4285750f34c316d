"""The application factory: reads as the list of subsystems XTS2 is made of."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.config import Configurator

from ._startup import gc_paused
from .logs import install_redaction
from .plugins import get_plugin_manager


def make_app(settings: dict[str, Any], *, extra_plugins: list[tuple[str, Any]] | None = None,
             ) -> Any:
    """Build the WSGI app. ``extra_plugins`` (name, plugin) are registered too (tests)."""
    with gc_paused():  # the plugins' imports and the configuration: objects that stay
        return _make_app(settings, extra_plugins)


def _make_app(settings: dict[str, Any], extra_plugins: list[tuple[str, Any]] | None) -> Any:
    install_redaction()
    settings = dict(settings)
    config = Configurator(settings=settings)
    # The plugin manager first: every subsystem below asks it what the plugins provide.
    config.registry["xts2.pm"] = get_plugin_manager(settings, extra_plugins)
    config.registry["xts2.started"] = datetime.now(UTC)
    # request.now and request.tz: one clock, one venue time zone.
    config.include(".clock")
    # Engine, request.dbsession in the request's transaction; pyramid_retry + pyramid_tm.
    config.include(".db")
    # request.terminal, request.is_admin, the password rate limiter.
    config.include(".auth")
    # What plugins register at start-up: item types, basket filters, report types.
    config.include(".baskets")
    config.include(".reports")
    # GET /v2/openapi.json, the OpenAPI description of what is installed, and GET /v2/docs, the
    # reference rendered from it (their routes come before /v2/{servlet}/{command}).
    config.include(".openapi")
    config.include(".apidocs")
    # /v2 routes, the command registry, the guards and the error envelope.
    config.include(".dispatch")
    # Plugins' folders of files (the browser client) beside the API, and / leading to one.
    config.include(".static")
    return config.make_wsgi_app()


def main(global_config: dict[str, Any], **settings: Any) -> Any:
    """PasteDeploy entry point (``use = egg:xts2``)."""
    return make_app(settings)
