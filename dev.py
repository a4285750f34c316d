#!/usr/bin/env python3
"""Set up and run XTS2 on a fresh machine (Python 3.11+); the README's two commands.

    python3 dev.py serve [PORT]     install, create var/xts2.sqlite with the demo season, serve
    python3 dev.py test [ARGS…]     install with the test tools, run ruff and pytest ARGS

Everything goes into ./.venv; the install is redone only when a setup.cfg changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PROVIDERS = ["xts2_tickets", "xts2_cafe", "xts2_money"]


def _packages() -> list[str]:
    plugins = sorted(p.name for p in (ROOT / "plugins").glob("*") if (p / "setup.cfg").exists())
    return ["."] + [f"./{p}" for p in PROVIDERS] + [f"./plugins/{p}" for p in plugins]


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
    args = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*args, "--upgrade", "pip", "setuptools<80.9", "wheel"], check=True)
    editable = []
    for p in pkgs:
        editable += ["-e", f"{p}[{extra}]" if p == "." else p]
    subprocess.run([*args, *editable], check=True, cwd=ROOT)
    stamp.write_text(digest)


def serve(argv: list[str]) -> int:
    install("dev")
    port = argv[0] if argv else "6543"
    ini = ROOT / "development.ini"
    xts2 = str(BIN / "xts2")
    subprocess.run([xts2, "initdb", str(ini)], check=True)
    out = subprocess.run([xts2, "demo", str(ini)], check=True, capture_output=True, text=True)
    print(out.stdout, end="")
    key = next((line.split(": ", 1)[1] for line in out.stdout.splitlines()
                if line.startswith("demo terminal key")), "KEY")
    print(f"""
XTS2 is starting on http://localhost:{port}/v2
  curl 'http://localhost:{port}/v2/tickets/getprogramme'
  curl 'http://localhost:{port}/v2/baskets/newbasket?terminalkey={key}'
Set an admin password with:  .venv/bin/xts2 setpassword development.ini
""", flush=True)
    return subprocess.call([str(BIN / "pserve"), str(ini), f"http_port={port}"])


def test(argv: list[str]) -> int:
    install("testing")
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
