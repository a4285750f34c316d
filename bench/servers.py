"""Real servers for the benchmark: an ini made from ``production.ini`` and ``pserve`` processes.

The ini keeps production's ``[app:main]`` and ``[server:main]`` (waitress and its thread count, the
connection pool, the proxy settings: the load client stands where production's proxy stands, on
127.0.0.1) and changes only what a benchmark must: it listens on 127.0.0.1, its database URL
comes from ``XTS2_DATABASE_URL`` as in production, logging drops to warnings, and an ``[app:floor]``
section serves the baselines (:mod:`bench.floor`) on the same settings.
"""

from __future__ import annotations

import configparser
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_INI = ROOT / "production.ini"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_ini(path: Path, url: str, threads: int | None = None,
              extra: dict[str, str] | None = None, app_use: str | None = None) -> Path:
    """The bench ini: production's, on 127.0.0.1, with the floor app beside XTS2."""
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # keep keys' case
    cp.read(PRODUCTION_INI)
    app = cp["app:main"]
    app["sqlalchemy.url"] = url
    for k, v in (extra or {}).items():
        app[k] = v
    server = cp["server:main"]
    server["listen"] = "127.0.0.1:%(http_port)s"
    # PasteDeploy lets a [DEFAULT] value win over pserve's ``http_port=N``; drop them so the
    # port given on the command line is the one served.
    for k in ("http_port", "http_host"):
        cp.remove_option("DEFAULT", k)
    if threads is not None:
        server["threads"] = str(threads)
    floor = {k: v for k, v in app.items() if k != "use"}
    cp["app:floor"] = {"use": "call:bench.floor:main", **floor}
    if app_use:
        app["use"] = app_use
    for section in cp.sections():
        if section.startswith("logger_"):
            cp[section]["level"] = "WARN"
    with open(path, "w") as f:
        cp.write(f)
    return path


class Server:
    """One ``pserve`` process serving ``app`` (``main`` or ``floor``) of an ini."""

    def __init__(self, ini: Path, app: str = "main", env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.ini, self.app = ini, app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.log = ini.with_name(f"{ini.stem}.{app}.{self.port}.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, probe: str = "/v2", timeout: float = 60) -> Server:
        pserve = Path(sys.executable).with_name("pserve")
        env = dict(os.environ)
        env.update(self.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._logfile = open(self.log, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [str(pserve), "-n", self.app, str(self.ini), f"http_port={self.port}"],
            stdout=self._logfile, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pserve exited:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + probe, timeout=2) as r:
                    r.read()
                return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"pserve did not answer in {timeout}s:\n{self.tail()}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far (Linux ``/proc``)."""
        if self.proc is None:
            return 0.0
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_logfile", None):
            self._logfile.close()
            self._logfile = None

    def __enter__(self) -> Server:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
