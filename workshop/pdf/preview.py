"""A PDF page as a PNG picture, for previews shown in a page (PDFium, through pypdfium2).

Browsers are not asked to frame the PDF itself: every response forbids framing
(``frame-ancestors 'none'``), and a picture shows the same on every phone.
"""

from __future__ import annotations

import io


def first_page_png(pdf: bytes, width: int = 1100) -> bytes:
    """The PDF's first page, ``width`` pixels wide, as PNG bytes."""
    import pypdfium2 as pdfium  # PDFium loads on the first preview, not at start-up

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        page_width, _height = page.get_size()
        image = page.render(scale=width / page_width).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
