"""The application factory: reads as the list of subsystems XTS2 is made of."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyramid.config import Configurator
from pyramid.threadlocal import RequestContext

from ._startup import freeze_startup_objects, gc_paused
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
    # registry["xts2.mailer"]: queue_mail's outbox, and its sender thread once the app is made.
    config.include(".mail")
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
    # The payment methods plugins offer (register_payment_methods) and the currency they take.
    config.include(".payments")
    # Plugins' folders of files (the browser client) beside the API, and / leading to one.
    config.include(".static")
    # A plugin's own Pyramid configuration (the shop's pages): its module's includeme, if any.
    for name, plugin in config.registry["xts2.pm"].list_name_plugin():
        if not name.startswith("xts2_core.") and callable(getattr(plugin, "includeme", None)):
            config.include(plugin.includeme)
    return bake_request_extensions(config.make_wsgi_app())


def bake_request_extensions(router: Any) -> Any:
    """Give ``router``'s requests the request methods and properties (``request.dbsession``,
    ``request.tm``, ``request.now``…) from a class made once, at start-up.

    Pyramid applies them to every request it makes by making a new subclass of the request's
    class for that request (``apply_request_extensions``): about 5 % of the CPU of a small answer.
    Here the same subclass is made once and is the class of every request the router makes from
    a WSGI environ; a subrequest (``invoke_subrequest``) is left to Pyramid's own way. A request
    method that cannot be a method of a class (no ``__get__``) leaves the router as it was.
    """
    extensions = router.request_extensions
    if extensions is None:
        return router
    if not all(hasattr(fn, "__get__") for fn in extensions.methods.values()):
        return router
    factory = router.request_factory
    if not isinstance(factory, type):
        return router
    attrs: dict[str, Any] = {**extensions.methods, **dict(extensions.descriptors),
                             "__module__": factory.__module__}
    baked = type(factory.__name__, (factory,), attrs)
    # As Pyramid does for its per-request class: the interfaces the parent provides, so that
    # adapter look-ups see the parent (and make nothing new on the subclass).
    for name in ("__implemented__", "__provides__"):
        value = getattr(factory, name, _MISSING)
        if value is not _MISSING:
            setattr(baked, name, value)
    registry, invoke_subrequest = router.registry, router.invoke_subrequest

    def request_context(environ: dict[str, Any]) -> RequestContext:
        request = baked(environ)
        request.registry = registry
        request.invoke_subrequest = invoke_subrequest
        return RequestContext(request)

    router.request_factory = baked
    router.request_context = request_context
    return router


_MISSING = object()


def main(global_config: dict[str, Any], **settings: Any) -> Any:
    """PasteDeploy entry point (``use = egg:xts2``): the server's one app, whose start-up
    objects are then frozen out of the garbage collector's way (``freeze_startup_objects``)."""
    app = make_app(settings)
    freeze_startup_objects()
    return app
