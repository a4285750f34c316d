"""Server processes: ``pserve production.ini http_port=N`` with ``XTS2_DATABASE_URL`` set — the
way the operator's guide runs several of them — each logging to a file of its own. (Through a
pooler, the ini is a copy of production.ini with the pooler's settings: see :mod:`soak.run`.)"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from .database import BIN, PRODUCTION_INI


def compile_bytecode() -> None:
    """Compile XTS2's modules and its plugins' to bytecode, as installing them does (pip compiles
    what it installs). In a source checkout where writing bytecode is off (PYTHONDONTWRITEBYTECODE),
    every server start would otherwise compile them from source: a tenth of its CPU."""
    tops = {"xts2_core"} | {ep.value.split(":")[0].split(".")[0]
                            for ep in importlib.metadata.entry_points(group="xts2")}
    dirs = []
    for top in sorted(tops):
        spec = importlib.util.find_spec(top)
        if spec is not None and spec.origin:
            dirs.append(str(Path(spec.origin).parent))
    subprocess.run([str(BIN / "python"), "-m", "compileall", "-q", *dirs], check=True,
                   stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One ``pserve`` process on a fixed port (kept across a restart, as behind a proxy)."""

    def __init__(self, index: int, url: str, logdir: Path, ini: Path = PRODUCTION_INI,
                 own_session: bool = True) -> None:
        self.index, self.url, self.ini, self.port = index, url, ini, free_port()
        self.log = logdir / f"server{index}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.own_session = own_session
        #: Each start's seconds from the launch to listening and to the first good answer.
        self.start_seconds: list[tuple[float, float]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        env = dict(os.environ, XTS2_DATABASE_URL=self.url)
        with open(self.log, "ab" if self.starts else "wb") as log:
            # A session of its own, as systemd gives each unit (and a shell each pserve started
            # from it): Linux schedules a session's threads as one group (autogroup), so a server
            # restarting under load competes with the other groups, not with every client thread
            # of the soak's own session.
            self.proc = subprocess.Popen(
                [str(BIN / "pserve"), str(self.ini), f"http_port={self.port}"],
                stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=self.own_session)
        self.starts += 1
        started = time.monotonic()
        deadline = started + timeout
        # First the port (the process has loaded the app and listens), then an answer.
        while not self._listening():
            if self.proc.poll() is not None:
                raise SystemExit(f"soak: server {self.index} exited at start:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"soak: server {self.index} did not listen in {timeout}s:\n"
                                 f"{self.tail()}")
            time.sleep(0.02)
        listening = time.monotonic()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"soak: server {self.index} exited at start:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base + "/v2", timeout=timeout) as r:
                    r.read()
                self.start_seconds.append((listening - started, time.monotonic() - started))
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit(f"soak: server {self.index} did not answer in {timeout}s:\n{self.tail()}")

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL: no clean-up, open connections cut, its transactions left to the database."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""

    def errors(self) -> list[str]:
        """Log lines at ERROR or above, or that start a traceback (there must be none)."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        bad = re.compile(r"level=(ERROR|CRITICAL)|^Traceback|^ERROR|^CRITICAL")
        return [line for line in lines if bad.search(line)]
