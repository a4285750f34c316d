"""``GET /v2/docs``: the API reference, rendered in the browser from ``GET /v2/openapi.json``.

The page is Swagger UI (the npm package ``swagger-ui-dist``, vendored unmodified and pinned in
``apidocs_files/swagger-ui``; ``VERSION`` there says which and how), served by the server itself, so
reading the reference needs no network beyond this server. The page carries a strict
Content-Security-Policy: scripts, styles and connections from this server only, no inline script
(the initialiser is ``apidocs_files/apidocs.js``), no frames, no forms, no plugins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyramid.config import Configurator
from pyramid.response import FileResponse, Response

from .dispatch import check_decodable
from .errors import MethodNotAllowed, NotFound

DOCS_PATH = "/v2/docs"
#: Asset URLs: ``-`` is never in a servlet name, so these can never shadow a command.
ASSETS_PATH = "/v2/docs-assets/{file}"
STATIC = Path(__file__).parent / "apidocs_files"
ASSETS = {
    "swagger-ui-bundle.js": (STATIC / "swagger-ui" / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (STATIC / "swagger-ui" / "swagger-ui.css", "text/css"),
    "apidocs.js": (STATIC / "apidocs.js", "text/javascript"),
    "LICENSE": (STATIC / "swagger-ui" / "LICENSE", "text/plain"),
}
#: What the page may load: everything from this server only, nothing inline but style attributes
#: set by script (Swagger UI sets element styles), images also as data: URIs (its icons).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
CACHE_SECONDS = 300

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>XTS2 API reference</title>
<link rel="stylesheet" href="docs-assets/swagger-ui.css">
</head>
<body>
<noscript>This reference needs JavaScript. The same description is at
<a href="openapi.json">/v2/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="docs-assets/swagger-ui-bundle.js"></script>
<script src="docs-assets/apidocs.js"></script>
</body>
</html>
"""


def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def _get_only(request: Any) -> None:
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(f"method {request.method} is not allowed; use GET")
    check_decodable(request)


def docs_view(request: Any) -> Response:
    """``GET /v2/docs``: the page (public)."""
    _get_only(request)
    return _secure(Response(body=PAGE.encode("utf-8"), content_type="text/html",
                            charset="utf-8"))


def asset_view(request: Any) -> Response:
    """``GET /v2/docs-assets/{file}``: one of the page's files."""
    _get_only(request)
    found = ASSETS.get(request.matchdict["file"])
    if found is None:
        raise NotFound(f"no such path {request.path}; the API is at /v2")
    path, ctype = found
    response = FileResponse(str(path), request=request, content_type=ctype)
    if ctype.startswith("text/"):
        response.charset = "utf-8"
    return _secure(response)


def includeme(config: Configurator) -> None:
    config.add_route("xts2.docs", DOCS_PATH)
    config.add_route("xts2.docs.asset", ASSETS_PATH)
    config.add_view(docs_view, route_name="xts2.docs")
    config.add_view(asset_view, route_name="xts2.docs.asset")
