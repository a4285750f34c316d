#!/usr/bin/env python3
"""Refresh the client's vendored library from its npm package (needs npm; nothing else does).

    python3 xts2_jsclient/refresh_vendor.py

The client uses htm's "standalone" build of Preact (Preact, its hooks and htm in one ES module,
13 KB, no build step). It is pinned here; change HTM and PREACT_LICENCE_FROM, run this, look at
the diff, run the browser tests, commit. The browser tests' copy of axe-core is refreshed too.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

HTM = "htm@3.1.1"
#: The bundle contains Preact's code: its MIT licence goes beside htm's Apache-2.0 one.
PREACT_LICENCE_FROM = "preact@10.29.8"
#: axe-core, for the browser tests' accessibility checks only (not served to anyone).
AXE = "axe-core@4.11.1"
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
TESTS = Path(__file__).resolve().parents[1] / "tests" / "jsclient"


def unpack(spec: str, into: Path) -> Path:
    name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=into, check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    target = into / spec.split("@")[0]
    with tarfile.open(into / name) as tar:
        tar.extractall(target, filter="data")
    return target / "package"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        htm = unpack(HTM, Path(tmp))
        preact = unpack(PREACT_LICENCE_FROM, Path(tmp))
        VENDOR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(htm / "preact" / "standalone.module.js", VENDOR / "preact-htm.js")
        shutil.copyfile(htm / "LICENSE", VENDOR / "LICENSE.htm.txt")
        shutil.copyfile(preact / "LICENSE", VENDOR / "LICENSE.preact.txt")
        (VENDOR / "VERSIONS.txt").write_text(
            f"preact-htm.js: {HTM} preact/standalone.module.js (Preact, preact/hooks and htm)\n"
            f"LICENSE.htm.txt: {HTM}\nLICENSE.preact.txt: {PREACT_LICENCE_FROM}\n")
        axe = unpack(AXE, Path(tmp))
        shutil.copyfile(axe / "axe.min.js", TESTS / "axe.min.js")
        shutil.copyfile(axe / "LICENSE", TESTS / "axe.LICENSE.txt")
    print(f"vendored {HTM} into {VENDOR} and {AXE} into {TESTS}")


if __name__ == "__main__":
    main()
