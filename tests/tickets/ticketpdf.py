"""Reading a tickets PDF back, for the tests: its pages' text and the QR codes on them.

pypdfium2 renders and reads the pages and zxing-cpp decodes the QR codes: wheels from PyPI that
``python3 dev.py test`` installs (the tickets distribution's ``testing`` extra), no system
package. A missing one fails the test that needs it, naming the install.
"""

from __future__ import annotations

from typing import Any

INSTALL = "pip install pypdfium2 zxing-cpp pillow (python3 dev.py test installs them)"


def _modules() -> tuple[Any, Any]:
    try:
        import pypdfium2
        import zxingcpp
    except ImportError as exc:  # pragma: no cover - a broken install
        raise AssertionError(f"reading tickets PDFs needs {exc.name}: {INSTALL}") from exc
    return pypdfium2, zxingcpp


def pages(pdf: bytes, dpi: int = 150) -> list[dict[str, Any]]:
    """Each page's ``text``, ``codes`` (the QR codes decoded), ``size`` (points) and ``image``
    (a PIL image at ``dpi``)."""
    pdfium, zxing = _modules()
    doc = pdfium.PdfDocument(pdf)
    out = []
    try:
        for page in doc:
            text = page.get_textpage().get_text_range()
            image = page.render(scale=dpi / 72).to_pil()
            codes = [r.text for r in zxing.read_barcodes(image)
                     if r.format == zxing.BarcodeFormat.QRCode]
            out.append({"text": text, "codes": codes, "size": page.get_size(), "image": image})
    finally:
        doc.close()
    return out


def qr_codes_in_image(image: Any) -> list[str]:
    """The QR codes in a PIL image."""
    _, zxing = _modules()
    return [r.text for r in zxing.read_barcodes(image) if r.format == zxing.BarcodeFormat.QRCode]
