"""How heavy the box-office client is, and how soon it is usable (figures, never assertions).

    python -m bench.client_load [--runs 5]

Starts one production-like server (``production.ini``'s app and waitress, on a scratch SQLite
database with the demo season), then opens ``/client/`` in Debian's Chromium (Playwright) with
the demo terminal key already signed in, and reports:

* bytes transferred on a first load (empty cache) and on a reload (the browser asks with ETags);
* the time from navigation to a usable selling screen: the programme listed, the cafe and the
  payment types known (the first performance button can be pressed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .servers import Server, write_ini

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def demo_database(workdir: Path) -> tuple[str, str]:
    url = f"sqlite:///{workdir / 'client.sqlite'}"
    ini = write_ini(workdir / "client.ini", url)
    xts2 = str(Path(sys.executable).with_name("xts2"))
    env = {**os.environ, "XTS2_DATABASE_URL": url}
    subprocess.run([xts2, "initdb", str(ini)], check=True, capture_output=True, env=env)
    out = subprocess.run([xts2, "demo", str(ini)], check=True, capture_output=True, text=True,
                         env=env).stdout
    key = next(line.split(": ", 1)[1] for line in out.splitlines()
               if line.startswith("demo terminal key"))
    return url, key


def load_once(context, url: str, key: str) -> tuple[int, float, int]:
    """(bytes transferred, ms to a usable screen, requests) for one load in ``context``."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished",
           lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.add_init_script(f"localStorage.setItem('xts2.terminalkey', {key!r})")
    start = time.perf_counter()
    page.goto(url + "/client/")
    page.locator("#whatson .perf").first.wait_for()
    page.locator("#cafe button.stock").first.wait_for()
    usable_ms = (time.perf_counter() - start) * 1000
    page.wait_for_load_state("networkidle")
    page.close()
    return sum(sizes.values()), usable_ms, len(sizes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("XTS2_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        print("needs Debian's Chromium: apt-get install chromium")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db, key = demo_database(workdir)
        ini = write_ini(workdir / "client.ini", db)
        with Server(ini, env={"XTS2_DATABASE_URL": db}) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            firsts, reloads = [], []
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                firsts.append(load_once(context, server.url, key))
                reloads.append(load_once(context, server.url, key))
                context.close()
            browser.close()
    for name, runs in (("first load (empty cache)", firsts), ("reload (cached, ETags)", reloads)):
        size = statistics.median(r[0] for r in runs)
        ms = statistics.median(r[1] for r in runs)
        requests = statistics.median(r[2] for r in runs)
        print(f"{name:26} {size / 1024:7.1f} KiB transferred in {requests:.0f} requests; "
              f"usable after {ms:6.0f} ms (median of {len(runs)}; "
              f"{min(r[1] for r in runs):.0f}–{max(r[1] for r in runs):.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
