"""Log lines for a collector: one logfmt line per record, whatever the message or traceback holds,
and credentials still redacted (``xts2_core.logs``, production.ini)."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xts2_core import Command, NoParams, Servlet
from xts2_core.logs import LogfmtFormatter

ROOT = Path(__file__).resolve().parents[2]
_PAIR_RE = re.compile(r'([a-z]+)=("(?:[^"\\]|\\.)*"|[^\s"]+)(?: |$)')


def parse_logfmt(line: str) -> dict[str, str]:
    """One logfmt line → its fields; fails unless the whole line is ``key=value`` pairs."""
    assert "\n" not in line and "\r" not in line
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(line):
        m = _PAIR_RE.match(line, pos)
        assert m, f"not logfmt at {line[pos:pos + 40]!r}"
        key, value = m.groups()
        fields[key] = json.loads(value) if value.startswith('"') else value
        pos = m.end()
    return fields


@pytest.fixture
def collected():
    """``collected(logger name)`` → a StringIO that receives that logger's records as logfmt."""
    handlers = []

    def attach(name: str) -> io.StringIO:
        out = io.StringIO()
        handler = logging.StreamHandler(out)
        handler.setFormatter(LogfmtFormatter())
        logging.getLogger(name).addHandler(handler)
        handlers.append((name, handler))
        return out

    yield attach
    for name, handler in handlers:
        logging.getLogger(name).removeHandler(handler)


def test_a_record_with_quotes_and_a_traceback_is_one_line(collected):
    out = collected("xts2_test.logs")
    log = logging.getLogger("xts2_test.logs")
    message = 'sold "Hamlet" x=1\nsecond line \\ tab\there'
    try:
        raise ValueError('bad "value"\nand a second line')
    except ValueError:
        log.error("%s", message, exc_info=True)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    fields = parse_logfmt(text.rstrip("\n"))
    assert list(fields) == ["time", "level", "logger", "pid", "msg", "exc"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", fields["time"])
    assert (fields["level"], fields["logger"]) == ("ERROR", "xts2_test.logs")
    assert fields["pid"].isdigit()
    assert fields["msg"] == message
    assert fields["exc"].startswith("Traceback (most recent call last):\n")
    assert fields["exc"].endswith('ValueError: bad "value"\nand a second line')


def test_a_record_without_an_exception_has_no_exc(collected):
    out = collected("xts2_test.plain")
    logging.getLogger("xts2_test.plain").warning("plain %d", 5)
    fields = parse_logfmt(out.getvalue().rstrip("\n"))
    assert fields["msg"] == "plain 5" and "exc" not in fields


def test_an_internal_error_is_one_line_with_credentials_redacted(xts2_app_factory, xts2_plugin,
                                                                 collected):
    def leak(request, p):
        raise RuntimeError(f'key "{request.params["terminalkey"]}" and password '
                           f'"{request.params["password"]}"\nrejected')

    plugin = xts2_plugin(register_servlets=lambda: [
        Servlet("leaky", [Command("boom", leak, "terminal", NoParams)])])
    app = xts2_app_factory(plugins=[], extra=[("leaky", plugin)])
    out = collected("xts2_core.dispatch")
    app.call("leaky/boom", {"password": app.admin_password}, status=500)
    text = out.getvalue()
    assert text.count("\n") == 1
    fields = parse_logfmt(text.rstrip("\n"))
    assert fields["level"] == "ERROR"
    assert "internal error on GET /v2/leaky/boom?" in fields["msg"]
    assert "terminalkey=***" in fields["msg"] and "password=***" in fields["msg"]
    assert 'RuntimeError: key "***" and password "***"\nrejected' in fields["exc"]
    assert app.terminal_key not in text and app.admin_password not in text


def test_production_ini_logs_one_logfmt_line_per_record(tmp_path):
    """The shipped production.ini's formatter, as pserve sets it up."""
    script = tmp_path / "log.py"
    script.write_text(
        "import logging, sys\n"
        "from pyramid.paster import setup_logging\n"
        "from xts2_core.logs import install_redaction\n"
        "setup_logging(sys.argv[1])\n"
        "install_redaction()\n"
        "log = logging.getLogger('xts2_core.anything')\n"
        "try:\n"
        "    raise KeyError('no \"such\" thing')\n"
        "except KeyError:\n"
        "    log.error('GET /v2/x?terminalkey=secret-key-000001 said \"no\"', exc_info=True)\n"
        "log.info('second record')\n")
    run = subprocess.run([sys.executable, str(script), str(ROOT / "production.ini")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 2, run.stderr
    first, second = (parse_logfmt(line) for line in lines)
    assert first["logger"] == "xts2_core.anything"
    assert first["msg"] == 'GET /v2/x?terminalkey=*** said "no"'
    assert "KeyError: 'no \"such\" thing'" in first["exc"]
    assert "secret-key-000001" not in run.stderr
    assert (second["level"], second["msg"]) == ("INFO", "second record")
