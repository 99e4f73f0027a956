"""QR codes drawn as vector squares: sharp at any print size and cheaper than embedded images."""

from __future__ import annotations

from functools import lru_cache

from reportlab.pdfgen.canvas import Canvas

from workshop.qr import qr_rows


@lru_cache(maxsize=1024)
def _modules(text: str) -> tuple[int, str]:
    """(modules per side, PDF path operators in module units) for ``text``'s QR code."""
    runs = qr_rows(text)
    modules = max(row for row, _, _ in runs) + 1 + 4 if runs else 0  # the quiet zone below
    # One rectangle per horizontal run of dark modules (fewer operators, no hairline seams),
    # in integer module units: a transformation scales them once.
    path = "\n".join(f"{col} {modules - row - 1} {length} 1 re" for row, col, length in runs)
    return modules, path


def draw_qr(canvas: Canvas, x: float, y: float, size: float, text: str) -> None:
    """Draw ``text`` as a QR code whose bottom-left corner (quiet zone included) is at x, y."""
    modules, path = _modules(text)
    step = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(f"q {step:.6f} 0 0 {step:.6f} {x:.3f} {y:.3f} cm\n{path}\nf Q")
    canvas.restoreState()
