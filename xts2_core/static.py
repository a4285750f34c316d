"""Files that plugins serve beside the API: a browser client, its pages, a plugin's client panel.

A plugin returns :class:`StaticFiles` from ``register_static_files``; the core serves the folder
at ``/{name}/`` with

* an ``ETag`` (a hash of the content) and ``Cache-Control: no-cache``, so a browser keeps every file
  and asks with ``If-None-Match`` whether it changed (``304 Not Modified``, no body) — an upgrade
  is seen at the next load, with no versioned URLs to keep in step;
* on HTML pages, a ``Content-Security-Policy`` (scripts and styles only from this server, no
  inline scripts, no framing unless the plugin allows it), ``X-Content-Type-Options: nosniff``
  and ``Referrer-Policy: no-referrer``;
* ``/`` leading to the one folder that asks to be the server's home page (``home=True``).

Only ``GET`` and ``HEAD``; a path outside the folder, a hidden file or a missing one is ``404``.
``GET /v2`` lists the folders (``<files><directory name url plugin/></files>``), so a client finds
what plugins ship for it.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.response import Response

from .errors import MethodNotAllowed, NotFound
from .hookcalls import PluginError, collect_by_plugin
from .servlets import NAME_RE

#: The policy of an HTML page served from a plugin's folder; ``frame-ancestors`` is ``'none'``
#: unless :attr:`StaticFiles.embeddable` names the page.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'")
RESERVED = {"v2"}
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
          ".html": "text/html", ".svg": "image/svg+xml", ".json": "application/json",
          ".txt": "text/plain", ".png": "image/png", ".ico": "image/x-icon",
          ".woff2": "font/woff2", ".webmanifest": "application/manifest+json"}
_PAGE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
#: Characters no served file's name may hold: a NUL would make the file system call fail (an
#: ``internal`` error instead of 404), and a backslash or a control character has no business in
#: a URL of a plugin's file.
_BAD_PART = re.compile(r"[\x00-\x1f\x7f\\]")
#: How long after its last change a file's stamp (modification and change times, size, inode)
#: is trusted to tell a change: a file rewritten twice within the file system's timestamp
#: granularity keeps its stamp, so a file changed this recently is read again on every request
#: (as git does with its index).
SETTLE_NS = 2_000_000_000
ALLOW = "GET, HEAD"


@dataclass(frozen=True)
class StaticFiles:
    """A folder of files a plugin serves at ``/{name}/``.

    :param name: the URL's first segment (lower case ``a-z0-9_``; not ``v2``).
    :param directory: the folder (every file below it is served, hidden ones excepted).
    :param index: the page served at ``/{name}/`` (``None``: none, for a folder that only holds
        a panel).
    :param pages: more pages by name: ``{"whatson": "whatson.html"}`` serves ``/{name}/whatson``.
    :param home: ``/`` leads here (one folder at most may ask).
    :param embeddable: pages other sites may show in a frame, each with the origins that may
        (``{"whatson": ("https://venue.example",)}``: its ``frame-ancestors``); every other page
        may not be framed at all.
    :param panel: a module (path in the folder, ``panel.js``) that the browser client imports
        as a panel for the plugin's item types; ``GET /v2`` lists its URL.
    """

    name: str
    directory: str | Path
    index: str | None = "index.html"
    pages: dict[str, str] = field(default_factory=dict)
    home: bool = False
    embeddable: dict[str, tuple[str, ...]] = field(default_factory=dict)
    panel: str | None = None

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name) or self.name in RESERVED:
            raise ValueError(f"static files {self.name!r}: a name is lower case a-z, 0-9 and _, "
                             f"not {', '.join(sorted(RESERVED))}")
        bad = [p for p in self.pages if not _PAGE_RE.match(p)]
        if bad:
            raise ValueError(f"static files {self.name!r}: page names {bad} must be lower case "
                             "a-z, 0-9, _ and -")
        unknown = sorted(set(self.embeddable) - set(self.pages))
        if unknown:
            raise ValueError(f"static files {self.name!r}: embeddable names {unknown}, which "
                             "are not among its pages")
        origins = [o for page in self.embeddable.values() for o in page]
        if any(not _ORIGIN_RE.match(o) for o in origins):
            raise ValueError(f"static files {self.name!r}: embeddable origins must be "
                             f"scheme://host[:port], not {origins}")

    def csp(self, page: str | None) -> str:
        """The policy of a page (``None``: the index or a file reached by its path)."""
        ancestors = " ".join(self.embeddable.get(page or "", ())) or "'none'"
        return f"{CSP}; frame-ancestors {ancestors}"


class _Folder:
    """One registered folder: resolves a URL path to a file and answers it."""

    def __init__(self, files: StaticFiles, plugin: str) -> None:
        self.files, self.plugin = files, plugin
        self.root = Path(files.directory).resolve()
        if files.index is not None and not (self.root / files.index).is_file():
            raise PluginError(f"register_static_files: plugin {plugin!r} serves {self.root} "
                              f"at /{files.name}/, which has no {files.index}")
        missing = sorted(f for f in [*files.pages.values(), files.panel]
                         if f is not None and not (self.root / f).is_file())
        if missing:
            raise PluginError(f"register_static_files: plugin {plugin!r} serves {self.root} "
                              f"at /{files.name}/, which has no {', '.join(missing)} (pages, panel)")
        self._cache: dict[Path, tuple[tuple[int, ...], bytes, str, bool]] = {}

    def resolve(self, subpath: tuple[str, ...]) -> Path:
        if not subpath or subpath == ("",):
            if self.files.index is None:
                raise NotFound("no such file")
            return self.root / self.files.index
        if len(subpath) == 1 and subpath[0] in self.files.pages:
            return self.root / self.files.pages[subpath[0]]
        if any(part.startswith(".") or not part or _BAD_PART.search(part) for part in subpath):
            raise NotFound("no such file")
        path = self.root.joinpath(*subpath).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise NotFound("no such file")
        return path

    def read(self, path: Path) -> tuple[bytes, str]:
        """The file's bytes and ETag, kept until the file changes on disk.

        The stamp (modification and change times, size, inode) tells a change; a file changed
        less than :data:`SETTLE_NS` ago is read again each time, since a second change within
        the file system's timestamp granularity would keep its stamp. A file gone since it was
        resolved is ``404``.
        """
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
            cached = self._cache.get(path)
            if cached is None or cached[0] != stamp or not cached[3]:
                settled = time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLE_NS
                body = path.read_bytes()
                cached = (stamp, body, hashlib.sha256(body).hexdigest()[:32], settled)
                self._cache[path] = cached
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound("no such file") from None
        return cached[1], cached[2]

    def answer(self, request: Any, subpath: tuple[str, ...]) -> Response:
        _only_get(request)
        path = self.resolve(subpath)
        body, etag = self.read(path)
        ctype = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] \
            or "application/octet-stream"
        response = Response(content_type=ctype, conditional_response=True)
        if ctype.startswith("text/") or ctype.endswith(("json", "javascript")):
            response.charset = "utf-8"
        response.body = body
        response.etag = etag
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if ctype == "text/html":
            page = subpath[0] if len(subpath) == 1 and subpath[0] in self.files.pages else None
            response.headers["Content-Security-Policy"] = self.files.csp(page)
            response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _only_get(request: Any) -> None:
    """Files are read with ``GET`` or ``HEAD``; anything else is ``405`` with ``Allow: GET, HEAD``
    (the error view's ``Allow`` names the API's methods, which include ``POST``)."""
    if request.method not in ("GET", "HEAD"):

        def allow(request: Any, response: Response) -> None:
            if response.status_code == 405:
                response.headers["Allow"] = ALLOW

        request.add_response_callback(allow)
        raise MethodNotAllowed(f"method {request.method} is not allowed here; use GET")


def collect(pm: Any, settings: dict[str, Any]) -> dict[str, _Folder]:
    """Every plugin's folders by name; a name served twice, or two homes, stops start-up."""
    folders: dict[str, _Folder] = {}
    for plugin, items in collect_by_plugin(pm, "register_static_files", settings=settings):
        for files in items:
            if files.name in folders:
                raise PluginError(f"register_static_files: {files.name!r} is registered by both "
                                  f"{folders[files.name].plugin!r} and {plugin!r}")
            folders[files.name] = _Folder(files, plugin)
    homes = [f"{name!r} of plugin {f.plugin!r}" for name, f in folders.items() if f.files.home]
    if len(homes) > 1:
        raise PluginError(f"register_static_files: both {homes[0]} and {homes[1]} ask to be "
                          "the home page (home=True)")
    return folders


def includeme(config: Configurator) -> None:
    folders = collect(config.registry["xts2.pm"], config.get_settings())
    config.registry["xts2.static"] = folders
    for name, folder in folders.items():
        def view(request: Any, folder: _Folder = folder) -> Response:
            return folder.answer(request, request.matchdict["subpath"])

        def bare(request: Any, name: str = name) -> Response:
            _only_get(request)
            location = request.route_path(f"xts2.static.{name}", subpath=())
            if request.query_string:  # /?x=1 → /client/?x=1: a link's parameters are kept
                location += "?" + request.query_string
            return HTTPFound(location=location)

        config.add_route(f"xts2.static.{name}", f"/{name}/*subpath")
        config.add_route(f"xts2.static.{name}.bare", f"/{name}")
        config.add_view(view, route_name=f"xts2.static.{name}")
        config.add_view(bare, route_name=f"xts2.static.{name}.bare")
        if folder.files.home:
            config.add_route("xts2.home", "/")
            config.add_view(bare, route_name="xts2.home")
