"""QR codes drawn as vector squares: sharp at any print size and cheaper than embedded images."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from workshop.qr import qr_matrix


def draw_qr(canvas: Canvas, x: float, y: float, size: float, text: str) -> None:
    """Draw ``text`` as a QR code whose bottom-left corner (quiet zone included) is at x, y."""
    matrix = qr_matrix(text)
    modules = len(matrix)
    step = size / modules
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * step
        col = 0
        while col < modules:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < modules and row[col]:
                col += 1
            # One rectangle per horizontal run: fewer path operators, no hairline seams.
            path.rect(x + start * step, top, (col - start) * step, step)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
