#!/usr/bin/env python3
"""Refresh the client's vendored library from its npm package (needs npm; nothing else does).

    python3 xts2_jsclient/refresh_vendor.py

The client uses htm's "standalone" build of Preact (Preact, its hooks and htm in one ES module,
13 KB, no build step). It is pinned here; change HTM and PREACT_LICENCE_FROM, run this, look at
the diff, run the browser tests, commit. The browser tests' copy of axe-core is refreshed too.

The door screen's camera falls back to qr-scanner (MIT) where the browser has no BarcodeDetector.
Its npm worker file makes the worker from a ``blob:`` URL, which the client's Content-Security-
Policy (``script-src 'self'``, no ``worker-src``) refuses; so the worker's own source is taken
out of that file into ``qr-scanner-worker.js``, a plain worker script served from this server,
and the door passes ``new Worker("vendor/qr-scanner-worker.js")`` to ``QrScanner.scanImage`` as
its ``qrEngine``: qr-scanner's own ``blob:`` path is never taken.
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
#: The door's QR decoder where the browser has no BarcodeDetector.
QR_SCANNER = "qr-scanner@1.4.2"
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
TESTS = Path(__file__).resolve().parents[1] / "tests" / "jsclient"


def unpack(spec: str, into: Path) -> Path:
    name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=into, check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    target = into / spec.split("@")[0]
    with tarfile.open(into / name) as tar:
        tar.extractall(target, filter="data")
    return target / "package"


def _no_source_map(text: str) -> str:
    """The file without its ``//# sourceMappingURL`` comment (the map is not vendored)."""
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith("//# sourceMappingURL")) + "\n"


def worker_source(module: str) -> str:
    """The worker's code from qr-scanner's ``qr-scanner-worker.min.js``, which is
    ``export const createWorker=()=>new Worker(URL.createObjectURL(new Blob([`…`])))``: the
    template literal's text, unescaped (it escapes only ````` and ``$``)."""
    start = module.index("new Blob([`") + len("new Blob([`")
    end = module.rindex("`]")
    body = module[start:end]
    rest = body.replace("\\`", "").replace("\\$", "")
    if "\\" in rest or "`" in rest or "${" in rest:
        raise SystemExit("qr-scanner's worker changed shape: look at it before vendoring it")
    return body.replace("\\`", "`").replace("\\$", "$") + "\n"


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
            f"LICENSE.htm.txt: {HTM}\nLICENSE.preact.txt: {PREACT_LICENCE_FROM}\n"
            f"qr-scanner.min.js: {QR_SCANNER} qr-scanner.min.js (source map comment dropped)\n"
            f"qr-scanner-worker.js: {QR_SCANNER} qr-scanner-worker.min.js, the worker's code "
            "taken out of its blob: (see refresh_vendor.py)\n"
            f"LICENSE.qr-scanner.txt: {QR_SCANNER}\n")
        qr = unpack(QR_SCANNER, Path(tmp))
        (VENDOR / "qr-scanner.min.js").write_text(
            _no_source_map((qr / "qr-scanner.min.js").read_text(encoding="utf-8")),
            encoding="utf-8")
        (VENDOR / "qr-scanner-worker.js").write_text(
            worker_source((qr / "qr-scanner-worker.min.js").read_text(encoding="utf-8")),
            encoding="utf-8")
        shutil.copyfile(qr / "LICENSE", VENDOR / "LICENSE.qr-scanner.txt")
        axe = unpack(AXE, Path(tmp))
        shutil.copyfile(axe / "axe.min.js", TESTS / "axe.min.js")
        shutil.copyfile(axe / "LICENSE", TESTS / "axe.LICENSE.txt")
    print(f"vendored {HTM} and {QR_SCANNER} into {VENDOR} and {AXE} into {TESTS}")


if __name__ == "__main__":
    main()
