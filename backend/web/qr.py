"""QR codes drawn on the server as SVG (segno): the page shows them as an image, no QR library in the browser."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str) -> str:
    """A standalone SVG document of `text` as a QR code (error correction M, 4-module quiet zone).

    Black on white whatever the page's colours: desk cameras read dark modules on a light background.
    """
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=8, border=4, dark="#000", light="#fff",
                                                   xmldecl=False, title="QR")
    return out.getvalue().decode("ascii")
