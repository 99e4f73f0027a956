"""QR code images (PNG and SVG) for tickets and certificate verification links."""

from __future__ import annotations

import io
import re
from functools import lru_cache

import qrcode
import qrcode.constants
import zxingcpp
from PIL import Image
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M


def qr_matrix(text: str) -> list[list[bool]]:
    """The module matrix (True = dark), quiet zone included; for drawing QR codes as vectors."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=4)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return code.get_matrix()


QUIET_ZONE = 4  # modules of white around the code, as the standard asks
_DARK_RUN = re.compile(rb"\x01+")
_DARK_AS_ONE = bytes(1 if value < 128 else 0 for value in range(256))


def qr_rows(text: str) -> tuple[tuple[int, int, int], ...]:
    """The dark modules of ``text``'s QR code as horizontal runs ``(row, first column, length)``,
    row 0 at the top, quiet zone included (the same code as :func:`qr_matrix` reads back).

    Encoded by zxing-cpp's C++ encoder when it has one (zxing-cpp >= 2.3): about 30 times
    faster than the qrcode package, which matters when a batch prints a thousand codes.
    """
    create = getattr(zxingcpp, "create_barcode", None)
    if create is None:
        return tuple(
            (row, match.start(), match.end() - match.start())
            for row, line in enumerate(qr_matrix(text))
            for match in _DARK_RUN.finditer(bytes(line))
        )
    image = create(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False
    )
    size = image.shape[0]
    pixels = bytes(memoryview(image)).translate(_DARK_AS_ONE)
    runs: list[tuple[int, int, int]] = []
    for row in range(size):
        base = row * size
        for match in _DARK_RUN.finditer(pixels, base, base + size):
            runs.append(
                (row + QUIET_ZONE, match.start() - base + QUIET_ZONE, match.end() - match.start())
            )
    return tuple(runs)


def qr_version(text: str) -> int:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return int(code.version)


def _make(text: str, factory, box_size: int):
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECTION, box_size=box_size, border=4, image_factory=factory
    )
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return code.make_image()


@lru_cache(maxsize=512)
def qr_png(text: str, box_size: int = 10) -> bytes:
    """PNG bytes; 10-pixel modules print sharply and scale down cleanly on screens.

    The modules come from zxing-cpp's C++ encoder when it has one (:func:`qr_rows`), then
    Pillow scales and writes a 1-bit PNG: a ticket's QR in well under a millisecond, where the
    qrcode package took about 10 ms (most of building a confirmation mail).
    """
    buffer = io.BytesIO()
    if getattr(zxingcpp, "create_barcode", None) is None:
        _make(text, PilImage, box_size).save(buffer)
        return buffer.getvalue()
    modules = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    pixels = modules.to_image(scale=1, add_quiet_zones=False)
    size = pixels.shape[0]
    code = Image.frombytes("L", (size, size), bytes(memoryview(pixels)))
    side = size + 2 * QUIET_ZONE
    framed = Image.new("L", (side, side), 255)
    framed.paste(code, (QUIET_ZONE, QUIET_ZONE))
    scaled = framed.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    scaled.convert("1", dither=Image.Dither.NONE).save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


@lru_cache(maxsize=512)
def qr_svg(text: str) -> bytes:
    """SVG with one path: crisp at any size, a few hundred bytes."""
    buffer = io.BytesIO()
    _make(text, SvgPathImage, 10).save(buffer)
    return buffer.getvalue()
