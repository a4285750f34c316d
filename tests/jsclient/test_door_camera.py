"""The door's camera: Chromium's fake camera plays a short video of a ticket's QR code (made here
with segno, written as YUV4MPEG2 frames); the door reads it (BarcodeDetector where the browser
has one, else the vendored qr-scanner with its worker served from this server, under the
client's Content-Security-Policy) and admits the ticket, once however many frames show it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browser_till import run_axe
from playwright.sync_api import expect
from test_door_screen import sell

segno = pytest.importorskip("segno")

WIDTH, HEIGHT, FRAMES = 640, 480, 8
#: As conftest launches Chromium (``from conftest import`` could find another conftest).
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def qr_video(text: str, path: Path, scale: int = 8) -> Path:
    """A Y4M video (C420jpeg: Y, then U and V at half size) of ``text`` as a QR code, dark modules
    on white, centred, a quiet zone of 4 modules."""
    matrix = segno.make_qr(text, error="m").matrix
    n = len(matrix) + 8
    size = n * scale
    assert size <= min(WIDTH, HEIGHT)
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if not dark:
                continue
            for y in range(top + (r + 4) * scale, top + (r + 5) * scale):
                start = y * WIDTH + left + (c + 4) * scale
                luma[start:start + scale] = b"\x00" * scale
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            f.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


def test_the_camera_reads_a_qr_code_and_admits_once(till, chromium, tmp_path, shoot):
    t = till()
    dalloway = sell(t, "Mrs Dalloway", [("Adult", 1)])
    video = qr_video(dalloway["codes"][0], tmp_path / "ticket.y4m")
    executable = os.environ.get("XTS2_CHROMIUM") or shutil.which("chromium")
    camera = chromium.browser_type.launch(executable_path=executable, args=[
        *LAUNCH_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        ctx = camera.new_context(viewport={"width": 1280, "height": 800})
        ctx.grant_permissions(["camera"], origin=t.url)
        csp_reports: list[str] = []
        page = t.page(context=ctx)
        page.on("console", lambda m: csp_reports.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.get_by_role("button", name="Door", exact=True).click()
        expect(page.locator("#door-sold")).to_have_text("1")
        page.get_by_role("button", name="Camera").click()
        answer = page.locator("#door-answer")
        expect(answer).to_have_attribute("data-result", "admitted")
        expect(answer).to_contain_text("Adult · Mrs Dalloway")
        engine = page.locator(".door-camera").get_attribute("data-engine")
        assert engine in ("BarcodeDetector", "qr-scanner"), engine
        print(f"the door's camera read the code with {engine}")
        # The video loops: the same ticket in front of the camera is one scan, not "already
        # admitted" a moment later.
        page.wait_for_timeout(1500)
        expect(answer).to_have_attribute("data-result", "admitted")
        assert t.call("tickets/getdoorlist", {"performance": dalloway["performance"]}
                      )["doorlist"]["admitted"] == 1
        assert csp_reports == []
        shoot(page, "door-camera-1280")
        assert run_axe(page) == []
        page.get_by_role("button", name="Stop camera").click()
        expect(page.locator(".door-camera")).to_have_count(0)
        expect(page.get_by_label("Scan or type a ticket code")).to_be_focused()
    finally:
        camera.close()
