"""Certificates (เกียรติบัตร / วุฒิบัตร) on A4 landscape, one page each, many in one PDF.

Thai government layout, centred: the organizer's logo, the organizing agency, the document's
title, "ขอมอบ...ฉบับนี้ไว้เพื่อแสดงว่า", the officer's name (shrunk to fit on one line, never
wrapped), what they attended, the dates and venue, "ให้ไว้ ณ วันที่ ...", then the signature, the
signatory's name and position. The number sits at the top right; a vector QR code and the
verification code, which lead to the public verification page, at the bottom left.

Everything but the name, the number and the code is the same on every page of a workshop: it is
laid out once per workshop (:class:`CertificateTemplate`) and, with the typesetter's shaping and
segmentation caches, a batch costs little more than drawing its strings.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from workshop.models import Certificate
from workshop.pdf.archive import ArchivalCanvas, archival_image
from workshop.pdf.fonts import BOLD, REGULAR
from workshop.pdf.qrdraw import draw_qr
from workshop.pdf.signing import sign_if_configured
from workshop.pdf.typeset import draw_text, fit_font_size, line_metrics, wrap_lines
from workshop.services.certificate_images import certificate_images
from workshop.services.certificates import format_code, verification_url
from workshop.thai.addresses import venue_place
from workshop.thai.dates import format_date_range, to_bangkok

PAGE = landscape(A4)
WIDTH, HEIGHT = PAGE
CENTRE = WIDTH / 2
TEXT_WIDTH = 640.0
NAME_MAX, NAME_MIN = 34.0, 14.0
BODY_SIZE, BODY_MIN = 17.0, 12.0
POSITION_LINES = 3  # the signatory's position: ผู้ว่าราชการ... / ปฏิบัติราชการแทน / อธิบดี...
BODY_LINES = 2  # what they attended: at most two lines, shrunk below BODY_SIZE to fit
QR_SIZE = 26 * mm
URL_SIZE, URL_LEADING, URL_WIDTH = 8.5, 11.0, 60 * mm  # the address beside the QR code

INK = (0.11, 0.13, 0.2)
NAVY = (0.08, 0.2, 0.45)
GOLD = (0.66, 0.52, 0.16)
MUTED = (0.35, 0.38, 0.45)


@dataclass(frozen=True)
class CertificateText:
    """What one page says; the strings the batch benchmark draws too."""

    agency: str
    kind: str  # เกียรติบัตร or วุฒิบัตร
    name: str
    attended: str  # "ได้เข้าร่วม..." (the workshop's title)
    dates: str  # "ระหว่างวันที่ 20–22 ตุลาคม พ.ศ. 2558"
    venue: str  # "ณ ..."
    given: str  # "ให้ไว้ ณ วันที่ 22 ตุลาคม พ.ศ. 2558"
    signatory_name: str
    signatory_position: str
    number: str  # "12/2559"
    code: str  # "7K2M-QD9X-4TNB-H8RW"
    url: str  # the verification page, inside the QR code
    revoked: bool = False

    @property
    def sentence(self) -> str:
        return f"ขอมอบ{self.kind}ฉบับนี้ไว้เพื่อแสดงว่า"

    @property
    def layout_key(self) -> tuple[str, ...]:
        """The strings shared by a workshop's pages (one layout for all of them)."""
        return (
            self.agency,
            self.kind,
            self.attended,
            self.dates,
            self.venue,
            self.given,
            self.signatory_name,
            self.signatory_position,
        )


@dataclass(frozen=True)
class CertificateArt:
    """The workshop's uploaded images (PNG or JPEG bytes), both optional."""

    logo: bytes | None = None
    signature: bytes | None = None


@dataclass(frozen=True)
class _Line:
    text: str
    font: str
    size: float
    y: float  # baseline
    colour: tuple[float, float, float] = INK


@dataclass(frozen=True)
class _Layout:
    """Positions of everything on a page of one workshop (computed once per workshop)."""

    lines: tuple[_Line, ...]
    name_y: float  # the name's baseline
    logo_box: tuple[float, float, float, float] | None  # x, y, width, height
    signature_box: tuple[float, float, float, float] | None


def _advance(y: float, font: str, size: float, lines: int = 1) -> tuple[float, float]:
    """(baseline of the first line, y below the last) for ``lines`` lines starting at ``y``."""
    leading, baseline = line_metrics(font, size)
    return y - baseline, y - leading * lines


@lru_cache(maxsize=64)
def _layout(key: tuple[str, ...], has_logo: bool, has_signature: bool) -> _Layout:
    agency, kind, attended, dates, venue, given, signer, position = key
    sentence = f"ขอมอบ{kind}ฉบับนี้ไว้เพื่อแสดงว่า"
    lines: list[_Line] = []
    y = HEIGHT - 34 * mm if has_logo else HEIGHT - 16 * mm
    logo_box = (CENTRE - 30 * mm, HEIGHT - 32 * mm, 60 * mm, 22 * mm) if has_logo else None

    def add(text: str, font: str, size: float, colour=INK, gap: float = 0.0) -> None:
        nonlocal y
        baseline, y = _advance(y - gap, font, size)
        lines.append(_Line(text, font, size, baseline, colour))

    for text in wrap_lines(agency, BOLD, 19, TEXT_WIDTH)[:2]:
        add(text, BOLD, 19, NAVY)
    add(kind, BOLD, 44, NAVY, gap=6)
    add(sentence, REGULAR, 18, gap=6)
    name_baseline, y = _advance(y - 10, BOLD, NAME_MAX)
    y -= 10
    size = BODY_SIZE
    body = wrap_lines(attended, REGULAR, size, TEXT_WIDTH)
    while len(body) > BODY_LINES and size > BODY_MIN:
        size -= 0.5
        body = wrap_lines(attended, REGULAR, size, TEXT_WIDTH)
    for text in body:
        add(text, REGULAR, size)
    for text in (
        *wrap_lines(dates, REGULAR, 16, TEXT_WIDTH),
        *wrap_lines(venue, REGULAR, 16, TEXT_WIDTH),
    ):
        add(text, REGULAR, 16)
    add(given, REGULAR, 16, gap=4)

    # The signature block from the bottom up: position lines, the name, the signature.
    # The organizer's own line breaks are kept (wrap_lines starts a line at each "\n").
    position_lines = wrap_lines(position, REGULAR, 15, 300)[:POSITION_LINES] if position else []
    leading, _ = line_metrics(REGULAR, 15)
    bottom = 24 * mm
    signature_box = None
    for i, text in enumerate(reversed(position_lines)):
        lines.append(_Line(text, REGULAR, 15, bottom + i * leading))
    name_y = bottom + len(position_lines) * leading
    if signer:
        lines.append(_Line(f"({signer})", REGULAR, 15, name_y))
    if has_signature:
        top_limit = y - 2
        box_height = min(16 * mm, top_limit - (name_y + 15))
        if box_height > 6 * mm:
            signature_box = (CENTRE - 30 * mm, name_y + 13, 60 * mm, box_height)
    return _Layout(tuple(lines), name_baseline, logo_box, signature_box)


def _border(canvas: Canvas) -> None:
    canvas.saveState()
    canvas.setStrokeColorRGB(*GOLD)
    canvas.setLineWidth(3)
    canvas.rect(9 * mm, 9 * mm, WIDTH - 18 * mm, HEIGHT - 18 * mm, stroke=1, fill=0)
    canvas.setLineWidth(0.8)
    canvas.rect(11.5 * mm, 11.5 * mm, WIDTH - 23 * mm, HEIGHT - 23 * mm, stroke=1, fill=0)
    canvas.restoreState()


@lru_cache(maxsize=64)
def _address_lines(address: str) -> tuple[str, ...]:
    return tuple(wrap_lines(address, REGULAR, URL_SIZE, URL_WIDTH))


def _url_lines(url: str) -> tuple[str, ...]:
    """The verification address, typed by whoever cannot scan the QR code: the part shared by
    a workshop's pages (``https://.../verify/``, wrapped once, after a slash if it must) and
    the code, which always starts a line of its own."""
    address, _, code = url.rpartition("/")
    if not address:
        return _address_lines(url)
    return (*_address_lines(address + "/"), code)


def _tag(canvas: Canvas, kind: str, top: float, left: float = 0.0, alt: str = "") -> Any:
    """A structure element around what is drawn next (a tagged canvas); nothing otherwise."""
    structure = getattr(canvas, "structure", None)
    return structure.tag(kind, top, left, alt) if structure else nullcontext()


def _artifact(canvas: Canvas) -> Any:
    structure = getattr(canvas, "structure", None)
    return structure.artifact() if structure else nullcontext()


def _draw_page(
    canvas: Canvas, text: CertificateText, layout: _Layout, images: dict[str, ImageReader]
) -> None:
    with _artifact(canvas):
        _border(canvas)
    if layout.logo_box and "logo" in images:
        x, y, w, h = layout.logo_box
        with _tag(canvas, "Figure", y + h, x, alt=text.agency):
            canvas.drawImage(images["logo"], x, y, w, h, preserveAspectRatio=True, mask="auto")
    if layout.signature_box and "signature" in images:
        x, y, w, h = layout.signature_box
        with _tag(canvas, "Figure", y + h, x, alt=f"ลายมือชื่อ {text.signatory_name}".strip()):
            canvas.drawImage(
                images["signature"], x, y, w, h, preserveAspectRatio=True, anchor="s", mask="auto"
            )
    colour = None
    # One structure element per block of lines set alike (the agency, the title, the body, the
    # signatory's name and position), not per line: fewer objects in a batch of thousands.
    structure = getattr(canvas, "structure", None)
    style: tuple[object, ...] = ()
    for line in layout.lines:
        if structure is not None and (line.font, line.size, line.colour) != style:
            if style:
                structure.end()
            style = (line.font, line.size, line.colour)
            structure.begin("H1" if line.text == text.kind else "P", line.y + line.size)
        if line.colour != colour:
            canvas.setFillColorRGB(*line.colour)
            colour = line.colour
        draw_text(canvas, CENTRE, line.y, line.text, line.font, line.size, align="center")
    if structure is not None and style:
        structure.end()
    canvas.setFillColorRGB(*INK)
    size = fit_font_size(text.name, BOLD, TEXT_WIDTH, NAME_MAX, NAME_MIN)
    with _tag(canvas, "P", layout.name_y + size):
        draw_text(canvas, CENTRE, layout.name_y, text.name, BOLD, size, align="center")

    # Number at the top right; verification at the bottom left.
    with _tag(canvas, "P", HEIGHT - 22 * mm + 13, WIDTH / 2):
        draw_text(
            canvas, WIDTH - 20 * mm, HEIGHT - 22 * mm, f"เลขที่ {text.number}", REGULAR, 13, "right"
        )
    qr_x, qr_y = 17 * mm, 16 * mm
    with _tag(canvas, "Figure", qr_y + QR_SIZE, qr_x, alt=f"QR: {text.url}"):
        draw_qr(canvas, qr_x, qr_y, QR_SIZE, text.url)
    canvas.setFillColorRGB(*MUTED)
    left = qr_x + QR_SIZE + 2 * mm
    y = qr_y + QR_SIZE - 10
    with _tag(canvas, "P", y + 10, left):
        draw_text(canvas, left, y, "ตรวจสอบความถูกต้องที่", REGULAR, 10)
        for line in _url_lines(text.url):
            y -= URL_LEADING
            if line.isascii():  # nothing to shape: ReportLab's own drawing, several times cheaper
                canvas.setFont(REGULAR, URL_SIZE)
                canvas.drawString(left, y, line)
            else:
                draw_text(canvas, left, y, line, REGULAR, URL_SIZE)
        draw_text(canvas, left, y - 14, f"รหัส {text.code}", BOLD, 11)
    canvas.setFillColorRGB(*INK)
    if text.revoked:
        canvas.saveState()
        canvas.setFillColorRGB(0.75, 0.1, 0.1)
        with _tag(canvas, "P", HEIGHT - 30 * mm + 14, WIDTH / 2):
            draw_text(canvas, WIDTH - 20 * mm, HEIGHT - 30 * mm, "ถูกเพิกถอนแล้ว", BOLD, 14, "right")
        canvas.restoreState()


def render_pages(
    pages: Iterable[CertificateText], art: CertificateArt | None = None, tagged: bool = False
) -> bytes:
    """Draw one certificate per page into one PDF and return its bytes.

    ``tagged``: with a structure tree (tagged PDF), for a certificate someone keeps and files;
    a workshop's batch for the printer goes without, since its ~10 structure elements a page
    would add a third to the batch's time.
    """
    art = art or CertificateArt()
    buffer = io.BytesIO()
    canvas = ArchivalCanvas(buffer, pagesize=PAGE, pageCompression=1, tagged=tagged)
    images = {
        kind: archival_image(data)
        for kind, data in (("logo", art.logo), ("signature", art.signature))
        if data
    }
    codes: list[str] = []
    first: CertificateText | None = None
    for text in pages:
        if first is None:
            first = text
            canvas.setTitle(f"{text.kind} {text.agency}")
            canvas.setAuthor(text.agency)
        codes.append(text.code)
        layout = _layout(text.layout_key, "logo" in images, "signature" in images)
        _draw_page(canvas, text, layout, images)
        canvas.showPage()
    if first is not None:
        if len(codes) == 1:
            canvas.setTitle(f"{first.kind} {first.name}")
            canvas.setSubject(f"{first.kind} เลขที่ {first.number} {first.attended}")
        else:
            canvas.setSubject(f"{first.kind} {len(codes)} ฉบับ {first.attended}")
        # The verification codes, for search and for /verify to read from a signed file.
        canvas.setKeywords(", ".join(codes))
    canvas.save()
    return buffer.getvalue()


def _venue(workshop) -> str:
    venue = workshop.venue
    return "ณ " + venue_place(venue.name, venue.district, venue.province)


def certificate_text(certificate: Certificate) -> CertificateText:
    """What the certificate's page says, from the database (dates in BE, Bangkok days)."""
    registration = certificate.registration
    workshop = registration.workshop
    first, last = workshop.starts_at, workshop.ends_at
    one_day = first is None or last is None or to_bangkok(first).date() == to_bangkok(last).date()
    span = format_date_range(first or last, last or first, era=True) if (first or last) else ""
    return CertificateText(
        agency=workshop.organizing_agency,
        kind=workshop.certificate_kind,
        name=registration.user.full_name,
        attended=f"ได้เข้าร่วม{workshop.full_title}",
        dates=("เมื่อวันที่ " if one_day else "ระหว่างวันที่ ") + span,
        venue=_venue(workshop),
        given="ให้ไว้ ณ วันที่ "
        + format_date_range(certificate.issued_on, certificate.issued_on, era=True),
        signatory_name=workshop.signatory_name,
        signatory_position=workshop.signatory_position,
        number=certificate.number_text,
        code=format_code(certificate.code),
        url=verification_url(certificate),
        revoked=certificate.revoked,
    )


def render_certificates(certificates: Sequence[Certificate]) -> bytes:
    """One workshop's certificates as one PDF, a page each, in the order given; signed when
    the installation has a key (``pdf.signing``); tagged when it is one."""
    if not certificates:
        raise ValueError("no certificates to render")
    workshop_ids = {c.registration.workshop_id for c in certificates}
    if len(workshop_ids) != 1:
        raise ValueError("render_certificates draws one workshop's certificates at a time")
    images = certificate_images(workshop_ids.pop())
    art = CertificateArt(
        logo=images["logo"].data if "logo" in images else None,
        signature=images["signature"].data if "signature" in images else None,
    )
    pages = [certificate_text(c) for c in certificates]
    first = pages[0]
    reason = (
        f"{first.kind} เลขที่ {first.number}" if len(pages) == 1 else f"{first.kind} {len(pages)} ฉบับ"
    )
    return sign_if_configured(render_pages(pages, art, tagged=len(pages) == 1), reason)
