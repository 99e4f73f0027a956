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

from workshop.models import Certificate, CertificateImageKind, Workshop
from workshop.pdf.archive import ArchivalCanvas, archival_image
from workshop.pdf.fonts import BOLD, REGULAR
from workshop.pdf.qrdraw import draw_qr
from workshop.pdf.signing import sign_if_configured
from workshop.pdf.typeset import draw_text, fit_font_size, line_metrics, wrap_lines
from workshop.services.certificate_design import (
    CertificatePage,
    certificate_page,
    preview_page,
    signatories_of,
)
from workshop.services.certificate_images import certificate_images
from workshop.services.certificates import format_code, verification_url, verification_url_for
from workshop.thai.numerals import digits

PAGE = landscape(A4)
WIDTH, HEIGHT = PAGE
CENTRE = WIDTH / 2
TEXT_WIDTH = 640.0
NAME_MAX, NAME_MIN = 34.0, 14.0
# What they attended: the largest size from BODY_SIZE down to BODY_READABLE (the date lines'
# size) that sets it in at most BODY_LINES lines; only a longer text shrinks further.
BODY_SIZE, BODY_READABLE, BODY_MIN = 17.0, 16.0, 12.0
FIT_MIN = 9.0  # the least any text under the name is set at when the page is full
BODY_LINES = 3
DETAIL_SIZE = 16.0  # the dates, the venue, "ให้ไว้ ณ วันที่"
POSITION_LINES = 3  # the signatory's position: ผู้ว่าราชการ... / ปฏิบัติราชการแทน / อธิบดี...
POSITION_SIZE = 15.0
MAX_SIGNATORIES = 2
QR_X, QR_Y, QR_SIZE = 17 * mm, 16 * mm, 26 * mm
URL_SIZE, URL_LEADING, URL_WIDTH = 8.5, 11.0, 60 * mm  # the address beside the QR code
NUMBER_SIZE, NUMBER_Y = 13.0, HEIGHT - 22 * mm  # "เลขที่ 12/2559" at the top right
# Where the page's text may start: under the logo's top, or without a logo under the number at
# the top right, which a long agency name centred at the top would otherwise run into.
TOP_WITH_LOGO = HEIGHT - 14 * mm
TOP_WITHOUT_LOGO = NUMBER_Y - 5 * mm
LOGO_W, LOGO_H = 60 * mm, 22 * mm
SIGNATURE_BOTTOM = 24 * mm  # baseline of the last position line
SIGNATURE_ROOM = 16 * mm  # above the signatory's name: the image, or room to sign by hand
# Two signatories stand side by side right of the verification block (QR and address).
PAIR_LEFT, PAIR_RIGHT = QR_X + QR_SIZE + 2 * mm + URL_WIDTH + 4 * mm, WIDTH - 17 * mm
GAP_MAX = 9 * mm  # the most a gap between blocks grows when the text is short

INK = (0.11, 0.13, 0.2)
NAVY = (0.08, 0.2, 0.45)
GOLD = (0.66, 0.52, 0.16)
MUTED = (0.35, 0.38, 0.45)


@dataclass(frozen=True)
class Signatory:
    name: str
    position: str  # "\n" keeps the organizer's own line breaks


@dataclass(frozen=True)
class CertificateText:
    """What one page says; the strings the batch benchmark draws too."""

    agency: str
    kind: str  # เกียรติบัตร or วุฒิบัตร
    name: str
    body: str  # the workshop's wording, filled in: "ได้เข้าร่วม...\nระหว่างวันที่...\nณ ..."
    given: str  # "ให้ไว้ ณ วันที่ 22 ตุลาคม พ.ศ. 2558"
    signatories: tuple[Signatory, ...]
    number: str  # "12/2559" (or "๑๒/๒๕๕๙")
    code: str  # "7K2M-QD9X-4TNB-H8RW"
    url: str  # the verification page, inside the QR code
    revoked: bool = False

    @property
    def sentence(self) -> str:
        return f"ขอมอบ{self.kind}ฉบับนี้ไว้เพื่อแสดงว่า"

    @property
    def attended(self) -> str:
        """The first line of the wording (what they attended), for the file's subject."""
        return self.body.split("\n", 1)[0]

    @property
    def layout_key(self) -> tuple[object, ...]:
        """What a workshop's pages share (one layout for all of them)."""
        return (self.agency, self.kind, self.body, self.given, self.signatories)


@dataclass(frozen=True)
class CertificateArt:
    """The workshop's uploaded images (PNG or JPEG bytes, all optional) and its frame."""

    logo: bytes | None = None
    signatures: tuple[bytes | None, ...] = ()  # one per signatory, in order
    background: bytes | None = None  # a whole-page design; replaces the frame
    frame: str = "classic"  # one of services.certificate_design.FRAMES


@dataclass(frozen=True)
class _Line:
    text: str
    font: str
    size: float
    y: float  # baseline
    colour: tuple[float, float, float] = INK
    x: float = CENTRE


@dataclass(frozen=True)
class _Layout:
    """Positions of everything on a page of one workshop (computed once per workshop)."""

    lines: tuple[_Line, ...]
    name_y: float  # the name's baseline
    logo_box: tuple[float, float, float, float] | None  # x, y, width, height
    signature_boxes: tuple[tuple[float, float, float, float] | None, ...]  # per signatory


def _body_lines(body: str, ceiling: float = BODY_SIZE) -> tuple[float, list[str], list[str]]:
    """(size, lines of the first paragraph, lines of the rest at DETAIL_SIZE or smaller).

    The first paragraph (what they attended) takes up to BODY_LINES lines at a readable size
    before it shrinks: a long title at 12 pt under 16 pt dates looked like small print.
    ``ceiling`` lowers every size when the page has no room for more."""
    first, _, rest = body.partition("\n")
    size = min(BODY_SIZE, ceiling)
    lines = wrap_lines(first, REGULAR, size, TEXT_WIDTH)
    while len(lines) > BODY_LINES and size > BODY_MIN:
        size -= 0.5
        lines = wrap_lines(first, REGULAR, size, TEXT_WIDTH)
    detail = min(DETAIL_SIZE, size, ceiling)
    return size, lines, (wrap_lines(rest, REGULAR, detail, TEXT_WIDTH) if rest else [])


def _signature_columns(count: int) -> list[tuple[float, float]]:
    """(centre, width) of each signatory's column."""
    if count <= 1:
        return [(CENTRE, 300.0)]
    width = (PAIR_RIGHT - PAIR_LEFT) / count
    return [(PAIR_LEFT + width * (i + 0.5), width - 10) for i in range(count)]


_Box = tuple[float, float, float, float]


def _signature_block(
    signatories: tuple, signature_images: tuple[bool, ...]
) -> tuple[list[_Line], list[_Box | None], float, float]:
    """The signature block, from the bottom up: position lines, the name, room to sign. Returns
    its lines, each signature image's box (None without an image), and how high the images
    and the names reach."""
    lines: list[_Line] = []
    boxes: list[_Box | None] = []
    leading, _ = line_metrics(REGULAR, POSITION_SIZE)
    columns = _signature_columns(len(signatories))
    signature_top = names_top = SIGNATURE_BOTTOM
    for i, (signer, (x, width)) in enumerate(zip(signatories, columns, strict=False)):
        position = signer.position
        position_lines = wrap_lines(position, REGULAR, POSITION_SIZE, width)[:POSITION_LINES]
        for n, text in enumerate(reversed(position_lines)):
            lines.append(_Line(text, REGULAR, POSITION_SIZE, SIGNATURE_BOTTOM + n * leading, x=x))
        name_y = SIGNATURE_BOTTOM + len(position_lines) * leading
        if signer.name:
            lines.append(_Line(f"({signer.name})", REGULAR, POSITION_SIZE, name_y, x=x))
        box_w = min(55 * mm, width)
        has_image = i < len(signature_images) and signature_images[i]
        boxes.append((x - box_w / 2, name_y + 13, box_w, SIGNATURE_ROOM) if has_image else None)
        signature_top = max(signature_top, name_y + 13 + SIGNATURE_ROOM)
        names_top = max(names_top, name_y + 13)
    return lines, boxes, signature_top, names_top


def _below(box: _Box | None, limit: float) -> _Box | None:
    """A signature image's box cut to end below ``limit`` (the text above), or None when too
    little of it would be left."""
    if box is None or box[1] + box[3] <= limit:
        return box
    h = limit - box[1]
    return (box[0], box[1], box[2], h) if h > 6 * mm else None


@lru_cache(maxsize=64)
def _layout(key: tuple[object, ...], has_logo: bool, signature_images: tuple[bool, ...]) -> _Layout:
    agency, kind, body, given, signatories = key
    assert isinstance(agency, str) and isinstance(kind, str)
    assert isinstance(body, str) and isinstance(given, str) and isinstance(signatories, tuple)

    lines, boxes, signature_top, names_top = _signature_block(signatories, signature_images)

    # The text above it, in blocks separated by gaps that grow to fill the page evenly: with
    # fixed gaps everything sat in the top half, over an empty band above the signature.
    Block = list[tuple[str, str, float, tuple[float, float, float]]]

    def text_blocks(ceiling: float) -> list[Block]:
        size, first, rest = _body_lines(body, ceiling)
        detail = min(DETAIL_SIZE, size, ceiling)
        return [
            [(t, BOLD, 19.0, NAVY) for t in wrap_lines(agency, BOLD, 19, TEXT_WIDTH)[:2]],
            [(kind, BOLD, 44.0, NAVY)],
            [(f"ขอมอบ{kind}ฉบับนี้ไว้เพื่อแสดงว่า", REGULAR, 18.0, INK)],
            [],  # the name: drawn per page, at the size that fits
            [(t, REGULAR, size, INK) for t in first] + [(t, REGULAR, detail, INK) for t in rest],
            [(given, REGULAR, min(DETAIL_SIZE, ceiling), INK)],
        ]

    min_gaps = [6.0, 4.0, 10.0, 10.0, 8.0]  # after each block but the last

    def height(block: Block) -> float:
        if not block:
            return line_metrics(BOLD, NAME_MAX)[0]
        return sum(line_metrics(font, size)[0] for _, font, size, _ in block)

    top = TOP_WITH_LOGO if has_logo else TOP_WITHOUT_LOGO
    logo_height = LOGO_H + 3 * mm if has_logo else 0.0
    room = top - (signature_top + 5 * mm)
    # Text that does not fit is set smaller, down to the dates' size to keep the space to sign;
    # beyond that the signature images shrink (down to the names) before the text shrinks more.
    ceiling = BODY_SIZE
    while True:
        blocks = text_blocks(ceiling)
        natural = logo_height + sum(map(height, blocks)) + sum(min_gaps)
        if ceiling <= FIT_MIN or natural <= room:
            break
        if ceiling <= BODY_READABLE and natural <= top - (names_top + 2 * mm):
            break
        ceiling -= 0.5
    extra = max(0.0, room - natural)
    # Equal shares for the margins above and below and each gap; gaps stop at GAP_MAX and
    # what they cannot take goes to the margins, which centres the text in its room.
    grow = min(extra / (len(min_gaps) + 2), GAP_MAX)
    margin = (extra - grow * len(min_gaps)) / 2
    y = top - margin
    logo_box = None
    if has_logo:
        logo_box = (CENTRE - LOGO_W / 2, y - LOGO_H, LOGO_W, LOGO_H)
        y -= logo_height
    name_baseline = 0.0
    for n, block in enumerate(blocks):
        if not block:
            leading_, baseline = line_metrics(BOLD, NAME_MAX)
            name_baseline = y - baseline
            y -= leading_
        for text, font, size_, colour in block:
            leading_, baseline = line_metrics(font, size_)
            lines.append(_Line(text, font, size_, y - baseline, colour))
            y -= leading_
        if n < len(min_gaps):
            y -= min_gaps[n] + grow
    # A very long text leaves less room to sign: the images shrink rather than overlap it.
    limit = y + 2
    fitted = [_below(box, limit) for box in boxes]
    return _Layout(tuple(lines), name_baseline, logo_box, tuple(fitted))


def _frame_classic(canvas: Canvas) -> None:
    canvas.setStrokeColorRGB(*GOLD)
    canvas.setLineWidth(3)
    canvas.rect(9 * mm, 9 * mm, WIDTH - 18 * mm, HEIGHT - 18 * mm, stroke=1, fill=0)
    canvas.setLineWidth(0.8)
    canvas.rect(11.5 * mm, 11.5 * mm, WIDTH - 23 * mm, HEIGHT - 23 * mm, stroke=1, fill=0)


def _frame_ornate(canvas: Canvas) -> None:
    canvas.setStrokeColorRGB(*NAVY)
    canvas.setLineWidth(4)
    canvas.rect(8 * mm, 8 * mm, WIDTH - 16 * mm, HEIGHT - 16 * mm, stroke=1, fill=0)
    canvas.setStrokeColorRGB(*GOLD)
    canvas.setLineWidth(1.2)
    canvas.rect(11 * mm, 11 * mm, WIDTH - 22 * mm, HEIGHT - 22 * mm, stroke=1, fill=0)
    canvas.setLineWidth(0.6)
    canvas.rect(12.5 * mm, 12.5 * mm, WIDTH - 25 * mm, HEIGHT - 25 * mm, stroke=1, fill=0)
    # A gold lozenge with a navy heart in each corner, over the rules.
    for cx, cy in (
        (11 * mm, 11 * mm),
        (WIDTH - 11 * mm, 11 * mm),
        (11 * mm, HEIGHT - 11 * mm),
        (WIDTH - 11 * mm, HEIGHT - 11 * mm),
    ):
        for radius, colour in ((6 * mm, GOLD), (3 * mm, NAVY)):
            path = canvas.beginPath()
            path.moveTo(cx, cy + radius)
            path.lineTo(cx + radius, cy)
            path.lineTo(cx, cy - radius)
            path.lineTo(cx - radius, cy)
            path.close()
            canvas.setFillColorRGB(*colour)
            canvas.drawPath(path, stroke=0, fill=1)


def _frame_modern(canvas: Canvas) -> None:
    canvas.setFillColorRGB(*NAVY)
    canvas.rect(0, HEIGHT - 7 * mm, WIDTH, 7 * mm, stroke=0, fill=1)
    canvas.rect(0, 0, WIDTH, 7 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(*GOLD)
    canvas.rect(0, HEIGHT - 8.5 * mm, WIDTH, 1.5 * mm, stroke=0, fill=1)
    canvas.rect(0, 7 * mm, WIDTH, 1.5 * mm, stroke=0, fill=1)


FRAMES = {"classic": _frame_classic, "ornate": _frame_ornate, "modern": _frame_modern}


def _define_frame(canvas: Canvas, frame: str) -> str:
    """Draw the frame once as a form XObject (each page then places it by name)."""
    name = f"frame-{frame}"
    canvas.beginForm(name)
    canvas.saveState()
    FRAMES.get(frame, _frame_classic)(canvas)
    canvas.restoreState()
    canvas.endForm()
    return name


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
    canvas: Canvas,
    text: CertificateText,
    layout: _Layout,
    images: dict[str, ImageReader],
    backdrop: str,
) -> None:
    with _artifact(canvas):
        if "background" in images:
            canvas.drawImage(
                images["background"], 0, 0, WIDTH, HEIGHT, preserveAspectRatio=True, anchor="c"
            )
        else:
            canvas.doForm(backdrop)
    if layout.logo_box and "logo" in images:
        x, y, w, h = layout.logo_box
        with _tag(canvas, "Figure", y + h, x, alt=text.agency):
            canvas.drawImage(images["logo"], x, y, w, h, preserveAspectRatio=True, mask="auto")
    for i, box in enumerate(layout.signature_boxes):
        key = f"signature{i}"
        if box is None or key not in images:
            continue
        x, y, w, h = box
        signer = text.signatories[i].name if i < len(text.signatories) else ""
        with _tag(canvas, "Figure", y + h, x, alt=f"ลายมือชื่อ {signer}".strip()):
            canvas.drawImage(
                images[key], x, y, w, h, preserveAspectRatio=True, anchor="s", mask="auto"
            )
    colour = None
    # One structure element per block of lines set alike (the agency, the title, the body, the
    # signatory's name and position), not per line: fewer objects in a batch of thousands.
    structure = getattr(canvas, "structure", None)
    style: tuple[object, ...] = ()
    for line in layout.lines:
        if structure is not None and (line.font, line.size, line.colour, line.x) != style:
            if style:
                structure.end()
            style = (line.font, line.size, line.colour, line.x)
            structure.begin("H1" if line.text == text.kind else "P", line.y + line.size)
        if line.colour != colour:
            canvas.setFillColorRGB(*line.colour)
            colour = line.colour
        draw_text(canvas, line.x, line.y, line.text, line.font, line.size, align="center")
    if structure is not None and style:
        structure.end()
    canvas.setFillColorRGB(*INK)
    size = fit_font_size(text.name, BOLD, TEXT_WIDTH, NAME_MAX, NAME_MIN)
    with _tag(canvas, "P", layout.name_y + size):
        draw_text(canvas, CENTRE, layout.name_y, text.name, BOLD, size, align="center")

    # Number at the top right; verification at the bottom left.
    with _tag(canvas, "P", NUMBER_Y + NUMBER_SIZE, WIDTH / 2):
        draw_text(
            canvas, WIDTH - 20 * mm, NUMBER_Y, f"เลขที่ {text.number}", REGULAR, NUMBER_SIZE, "right"
        )
    with _tag(canvas, "Figure", QR_Y + QR_SIZE, QR_X, alt=f"QR: {text.url}"):
        draw_qr(canvas, QR_X, QR_Y, QR_SIZE, text.url)
    canvas.setFillColorRGB(*MUTED)
    left = QR_X + QR_SIZE + 2 * mm
    y = QR_Y + QR_SIZE - 10
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
    sources = [("logo", art.logo), ("background", art.background)]
    sources += [(f"signature{i}", data) for i, data in enumerate(art.signatures)]
    images = {kind: archival_image(data) for kind, data in sources if data}
    signed = tuple(f"signature{i}" in images for i in range(len(art.signatures)))
    backdrop = "" if "background" in images else _define_frame(canvas, art.frame)
    codes: list[str] = []
    first: CertificateText | None = None
    for text in pages:
        if first is None:
            first = text
            canvas.setTitle(f"{text.kind} {text.agency}")
            canvas.setAuthor(text.agency)
        codes.append(text.code)
        layout = _layout(text.layout_key, "logo" in images, signed)
        _draw_page(canvas, text, layout, images, backdrop)
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


def certificate_text(certificate: Certificate) -> CertificateText:
    """What the certificate's page says, from the database: the workshop's wording filled in
    (``services.certificate_design``), dates in BE and Bangkok days, Thai numerals if chosen
    (never in the name)."""
    registration = certificate.registration
    workshop = registration.workshop
    page = certificate_page(workshop, registration.user.full_name, certificate.issued_on)
    return _page_text(
        page,
        certificate.number_text,
        format_code(certificate.code),
        verification_url(certificate),
        revoked=certificate.revoked,
    )


def _page_text(
    page: CertificatePage, number: str, code: str, url: str, *, revoked: bool = False
) -> CertificateText:
    """The page's wording with the certificate's number (Thai numerals if the design says so),
    code and verification address."""
    return CertificateText(
        agency=page.agency,
        kind=page.kind,
        name=page.name,
        body=page.body,
        given=page.given,
        signatories=tuple(Signatory(s.name, s.position) for s in page.signatories),
        number=digits(number, page.thai_numerals),
        code=code,
        url=url,
        revoked=revoked,
    )


def certificate_art(workshop: Workshop) -> CertificateArt:
    """The workshop's images and frame, as the page draws them."""
    images = certificate_images(workshop.id)
    count = len(signatories_of(workshop))
    kinds = (CertificateImageKind.SIGNATURE.value, CertificateImageKind.SIGNATURE_2.value)
    return CertificateArt(
        logo=images["logo"].data if "logo" in images else None,
        signatures=tuple(
            images[kind].data if kind in images else None for kind in kinds[: max(count, 1)]
        ),
        background=images["background"].data if "background" in images else None,
        frame=workshop.certificate_frame,
    )


def render_preview(workshop: Workshop) -> bytes:
    """One certificate of the workshop as it would be issued now, for the settings page:
    a sample name and number, a code that verifies nothing."""
    code = "XXXX-XXXX-XXXX-XXXX"
    text = _page_text(
        preview_page(workshop), f"1/{workshop.fiscal_year}", code, verification_url_for(code)
    )
    return render_pages([text], certificate_art(workshop))


def render_certificates(certificates: Sequence[Certificate]) -> bytes:
    """One workshop's certificates as one PDF, a page each, in the order given; signed when
    the installation has a key (``pdf.signing``); tagged when it is one."""
    if not certificates:
        raise ValueError("no certificates to render")
    workshop_ids = {c.registration.workshop_id for c in certificates}
    if len(workshop_ids) != 1:
        raise ValueError("render_certificates draws one workshop's certificates at a time")
    art = certificate_art(certificates[0].registration.workshop)
    pages = [certificate_text(c) for c in certificates]
    first = pages[0]
    reason = (
        f"{first.kind} เลขที่ {first.number}" if len(pages) == 1 else f"{first.kind} {len(pages)} ฉบับ"
    )
    return sign_if_configured(render_pages(pages, art, tagged=len(pages) == 1), reason)
