"""Credentials never reach a log line (API.md §1); one line per record for log collectors.

A log-record factory, installed once per process, cleans every record of every logger (ours,
Pyramid's, waitress's, SQLAlchemy's) before any handler sees it, in two ways:

- by pattern: ``terminalkey=…``, ``password=…``, ``X-XTS2-Key: …``, ``"password": "…"`` become
  ``***`` wherever they appear (URLs, headers, dict reprs);
- by value: while a request is being handled, the credentials it carries (its ``terminalkey`` and
  ``password`` parameters and ``X-XTS2-Key``/``X-XTS2-Password`` headers) are replaced wherever
  they appear, also URL-encoded, so a plugin that logs ``request.params`` or puts a key in an
  exception message leaks nothing either.

Both apply to the message and to a logged exception's traceback text.

:class:`LogfmtFormatter` writes each record as one logfmt line (``production.ini`` uses it), so a
collector never splits a traceback or misreads a quote::

    time=2026-12-01T19:30:00.123Z level=ERROR logger=xts2_core.dispatch pid=812 msg="internal
    error on GET /v2/…" exc="Traceback (most recent call last):\n  File …"        (one line)
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from pyramid.threadlocal import get_current_request

CREDENTIAL_PARAMS = ("terminalkey", "password")
CREDENTIAL_HEADERS = ("X-XTS2-Key", "X-XTS2-Password")
#: Shorter values are not worth hiding (and hiding them would garble every line).
MIN_SECRET_LENGTH = 4

_SECRET_RE = re.compile(
    r"(?i)((?:terminalkey|password|x-xts2-key|x-xts2-password)['\"]?\s*[=:]\s*)"
    r"(?:'[^']*'|\"[^\"]*\"|[^&\s'\",;)}\]]+)")
_installed = False


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """``…?terminalkey=abc&…`` → ``…?terminalkey=***&…``; also every value in ``secrets``."""
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "***")
    return _SECRET_RE.sub(r"\1***", text)


def request_secrets(request: Any) -> list[str]:
    """The credentials ``request`` carries, longest first."""
    if request is None:
        return []
    values: list[str] = []
    try:
        for name in CREDENTIAL_PARAMS:
            values += request.params.getall(name)
    except (UnicodeDecodeError, AttributeError):
        pass
    headers = getattr(request, "headers", {})
    values += [headers.get(h) or "" for h in CREDENTIAL_HEADERS]
    return sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def install_redaction() -> None:
    """Wrap the log-record factory once per process so every record is cleaned."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return record
        secrets = request_secrets(get_current_request())
        clean = redact(message, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            clean = redact(text, secrets)
            if clean != text:
                record.exc_text = clean
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


_LOGFMT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LOGFMT_SPECIAL_RE = re.compile(r'[\\"\x00-\x1f\x7f\u2028\u2029]')


def logfmt_quote(value: str) -> str:
    """``value`` as a double-quoted logfmt value on one line: backslash, quote, newline, CR and
    tab escaped as in JSON, other control characters as ``\\u00XX``."""
    def escape(m: re.Match[str]) -> str:
        c = m.group()
        return _LOGFMT_ESCAPES.get(c) or f"\\u{ord(c):04x}"

    return '"' + _LOGFMT_SPECIAL_RE.sub(escape, value) + '"'


class LogfmtFormatter(logging.Formatter):
    """One line per record: ``time level logger pid msg`` and, for a logged exception, ``exc``.

    ``time`` is ISO 8601 UTC with milliseconds; ``msg`` and ``exc`` (the traceback, already
    cleaned of credentials by :func:`install_redaction`) are always quoted and escaped, so a
    message with quotes or a multi-line traceback stays one parseable line. Use it in an ini file
    (``class = xts2_core.logs.LogfmtFormatter`` in a ``[formatter_…]`` section); a ``format``
    given there is ignored.
    """

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        fields = [f"time={when.strftime('%Y-%m-%dT%H:%M:%S')}.{int(record.msecs):03d}Z",
                  f"level={record.levelname}", f"logger={_bare(record.name)}",
                  f"pid={record.process}", f"msg={logfmt_quote(record.getMessage())}"]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields.append(f"exc={logfmt_quote(record.exc_text)}")
        if record.stack_info:
            fields.append(f"stack={logfmt_quote(self.formatStack(record.stack_info))}")
        return " ".join(fields)


def _bare(value: str) -> str:
    """A logger name as a bare logfmt value (quoted if it has a space, quote or ``=``)."""
    return value if value and not re.search(r'[\s"=\\]', value) else logfmt_quote(value)
