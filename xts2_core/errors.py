"""The ``XTSError`` family: every error a client can see, with its API code and HTTP status.

Raise one of these anywhere below a command (params, auth, basket rules, providers); the one
exception view in :mod:`xts2_core.dispatch` turns it into the error envelope of API.md §2.
"""

from __future__ import annotations


class XTSError(Exception):
    """Base of every error that reaches a client as an error envelope."""

    code = "internal"
    status = 500

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code


class BadParam(XTSError):
    """A parameter is missing, malformed or out of range; ``param`` names it."""

    code = "bad_param"
    status = 400

    def __init__(self, param: str | None, message: str):
        super().__init__(message, param=param)


class Unauthorized(XTSError):
    """The command needs a credential that is missing or wrong."""

    code = "unauthorized"
    status = 401


class Forbidden(XTSError):
    """The credential is valid but may not do this."""

    code = "forbidden"
    status = 403


class NotFound(XTSError):
    """No such object; ``param`` names the id parameter. Also ``unknown_servlet``/``unknown_command``."""

    code = "not_found"
    status = 404


class MethodNotAllowed(XTSError):
    """Not GET, HEAD or POST (the answer carries ``Allow``)."""

    code = "method_not_allowed"
    status = 405


class Conflict(XTSError):
    """Well formed, but the state does not allow it.

    ``code`` is one of ``basket_closed``, ``basket_open``, ``basket_expired``,
    ``basket_not_balanced``, ``basket_empty``, ``item_rejected`` or ``conflict``.
    """

    code = "conflict"
    status = 409


class ItemRejected(Conflict):
    """A provider refuses an addition, removal, move, close or reopen.

    Raise it from a ``validate_*`` hook; the message reaches the client as is, so write it for
    box-office staff ("Only 2 tickets are available for Hamlet, Tue 1 Dec 19:30"). ``param`` may name
    the item parameter at fault (``item.quantity``).
    """

    code = "item_rejected"


class RateLimited(XTSError):
    """Too many failed password checks from this client address."""

    code = "rate_limited"
    status = 429


class Unavailable(XTSError):
    """The server cannot reach its database: not a bug, and the same request may work later
    (``xts/health`` answers it; supervisors and monitoring watch for it)."""

    code = "unavailable"
    status = 503


class Internal(XTSError):
    """A bug; the details are in the server log, never in the answer."""

    code = "internal"
    status = 500
