#!/usr/bin/env python3
"""Set up and run XTS2 on a fresh machine (Python 3.11+); the README's two commands.

    python3 dev.py serve [PORT]     install, create var/xts2.sqlite with the demo season, serve
    python3 dev.py test [ARGS…]     install with the test tools, run ruff and pytest ARGS

Everything goes into ./.venv; the install is redone only when a setup.cfg changes.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PROVIDERS = ["xts2_tickets", "xts2_cafe", "xts2_money", "xts2_jsclient", "xts2_shop"]


def _packages() -> list[str]:
    plugins = sorted(p.name for p in (ROOT / "plugins").glob("*") if (p / "setup.cfg").exists())
    return ["."] + [f"./{p}" for p in PROVIDERS] + [f"./plugins/{p}" for p in plugins]


def _extras(package: str) -> set[str]:
    """The extras a package's setup.cfg declares (asking pip for one it lacks prints a warning)."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / package / "setup.cfg")
    return set(cfg["options.extras_require"]) if cfg.has_section("options.extras_require") else set()


def install(extra: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"XTS2 needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pkgs = _packages()
    stamp_text = extra + "".join(
        (ROOT / p / "setup.cfg").read_text() for p in pkgs) + sys.version
    digest = hashlib.sha256(stamp_text.encode()).hexdigest()
    stamp = VENV / f".xts2-installed-{extra}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"installing XTS2 ({extra}) into .venv …", flush=True)
    # -qq: pip's errors only (a machine's pip configuration can add a page of notices).
    args = [str(BIN / "python"), "-m", "pip", "install", "-qq", "--disable-pip-version-check"]
    subprocess.run([*args, "--upgrade", "pip", "setuptools<80.9", "wheel"], check=True)
    editable = []
    for p in pkgs:
        editable += ["-e", f"{p}[{extra}]" if extra in _extras(p) else p]
    # pip's notices (a new pip, setuptools' deprecations while building) are not the user's
    # business; its errors still show, and a failure stops here.
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    subprocess.run([*args, "--no-warn-script-location", *editable], check=True, cwd=ROOT,
                   env=env)
    stamp.write_text(digest)


def serve(argv: list[str]) -> int:
    install("dev")
    port = argv[0] if argv else "6543"
    ini = ROOT / "development.ini"
    xts2 = str(BIN / "xts2")
    initdb = subprocess.run([xts2, "initdb", str(ini)], capture_output=True, text=True)
    if initdb.returncode:
        print(initdb.stdout + initdb.stderr, end="")
        sys.exit(initdb.returncode)
    print(initdb.stdout, end="")
    out = subprocess.run([xts2, "demo", str(ini)], check=True, capture_output=True, text=True)
    print(out.stdout, end="")
    key = next((line.split(": ", 1)[1] for line in out.stdout.splitlines()
                if line.startswith("demo terminal key")), "KEY")
    print(f"""
XTS2 is starting.
  Box office (in a browser):  http://localhost:{port}/client/
  Terminal key to paste:      {key}
  The shop (as a customer):   http://localhost:{port}/shop/
    pay with the test payment service; the mail it sends lands in var/mail/
  The API:                    http://localhost:{port}/v2
    curl 'http://localhost:{port}/v2/tickets/getprogramme'
Set an admin password with:  .venv/bin/xts2 setpassword development.ini
""", flush=True)
    return subprocess.call([str(BIN / "pserve"), str(ini), f"http_port={port}"])


def _browser_note() -> None:
    """Say how the browser tests will go: they need Debian's Chromium (nothing downloads one)."""
    if os.environ.get("XTS2_CHROMIUM") or shutil.which("chromium"):
        return
    required = os.environ.get("XTS2_BROWSER_TESTS") == "1"
    print("browser tests: Chromium is not installed, so they will "
          f"{'FAIL (XTS2_BROWSER_TESTS=1)' if required else 'be skipped'}; "
          "to run them: apt-get install chromium", flush=True)


def test(argv: list[str]) -> int:
    install("testing")
    _browser_note()
    rc = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
    if rc:
        return rc
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *argv], cwd=ROOT)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "test"):
        print(__doc__)
        return 2
    return {"serve": serve, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
