"""Credentials never reach a log line: a log-record factory redacts terminal keys and passwords
from every record of every logger (ours, Pyramid's, waitress's)."""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_RE = re.compile(
    r"(?i)((?:terminalkey|password|x-xts2-key|x-xts2-password)(?:['\"]?\s*[=:]\s*['\"]?))"
    r"([^&\s'\",;]+)")
_installed = False


def redact(text: str) -> str:
    """``…?terminalkey=abc&…`` → ``…?terminalkey=***&…`` (also headers and dict reprs)."""
    return _SECRET_RE.sub(r"\1***", text)


def install_redaction() -> None:
    """Wrap the log-record factory once per process so every message is redacted."""
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
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text = str(exc)
            if redact(text) != text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
