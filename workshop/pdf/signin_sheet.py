"""Sign-in sheets (ใบลงลายมือชื่อ) as PDF: one session, A4 portrait, in Thai.

Every page starts with the same heading (the workshop, the session's day and time in Buddhist
Era, the venue) and the table's header row; the footer numbers the pages ``หน้า n/N``. Rows
are at least tall enough to sign in, and the list is a :class:`~workshop.pdf.tables.LongTable`
(rows measured once, split across pages in linear time), so a sheet of a thousand people takes
well under the three seconds the issue allows. The sheet ends with the organizer's
certification, which finance offices ask for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

from workshop.pdf.flowables import ThaiParagraph
from workshop.pdf.fonts import BOLD, REGULAR, register_sarabun
from workshop.pdf.report import MARGIN, MUTED, PAGE, numbered_canvas
from workshop.pdf.tables import INK, LongTable
from workshop.pdf.typeset import draw_text, line_metrics, wrap_lines
from workshop.services.attendance import format_hours
from workshop.services.signin_sheets import SignInSheet
from workshop.thai.addresses import venue_place
from workshop.thai.dates import (
    THAI_WEEKDAYS,
    format_date_range,
    format_time,
    format_time_range,
    to_bangkok,
)

TITLE_SIZE = 15.0
HEADING_SIZE = 11.5
TABLE_SIZE = 10.0
ROW_HEIGHT = 11 * mm  # room for a signature
HEADER_GAP = 4 * mm  # between the page heading and the table


@dataclass(frozen=True)
class _HeadingLine:
    text: str
    font: str
    size: float


def _when(sheet: SignInSheet) -> str:
    """``วันอังคารที่ 20 ตุลาคม พ.ศ. 2558 เวลา 08.30–12.00 น. (3.5 ชั่วโมง)``."""
    day = to_bangkok(sheet.starts_at).date()
    date_text = f"วัน{THAI_WEEKDAYS[day.weekday()]}ที่ {format_date_range(day, day, era=True)}"
    return _(
        "%(date)s เวลา %(time)s (%(hours)s ชั่วโมง)",
        date=date_text,
        time=format_time_range(sheet.starts_at, sheet.ends_at),
        hours=format_hours(sheet.hours),
    )


def _venue(sheet: SignInSheet) -> str:
    return _(
        "ณ %(venue)s",
        venue=venue_place(sheet.venue_name, sheet.venue_district, sheet.venue_province),
    )


def _heading(sheet: SignInSheet, width: float) -> list[_HeadingLine]:
    """The lines printed at the top of every page, wrapped to the page's width."""
    title = (
        _("ใบลงลายมือชื่อผู้เข้ารับการอบรม (พร้อมเวลาเช็กอิน)")
        if sheet.with_times
        else _("ใบลงลายมือชื่อผู้เข้ารับการอบรม")
    )
    session = _("ช่วงที่ %(n)d จาก %(total)d", n=sheet.session_number, total=sheet.session_count)
    if sheet.session_title:
        session = f"{session}: {sheet.session_title}"
    pieces = [
        (title, BOLD, TITLE_SIZE),
        (sheet.title, BOLD, HEADING_SIZE),
        (session, REGULAR, HEADING_SIZE),
        (_when(sheet), REGULAR, HEADING_SIZE),
        (_venue(sheet), REGULAR, HEADING_SIZE),
    ]
    return [
        _HeadingLine(line, font, size)
        for text, font, size in pieces
        for line in wrap_lines(text, font, size, width)
    ]


def _heading_height(lines: list[_HeadingLine]) -> float:
    return sum(line_metrics(line.font, line.size)[0] for line in lines)


def _draw_heading(canvas: Canvas, lines: list[_HeadingLine]) -> None:
    page_width, page_height = PAGE
    y = page_height - MARGIN
    canvas.saveState()
    canvas.setFillColor(INK)
    for line in lines:
        leading, baseline = line_metrics(line.font, line.size)
        draw_text(canvas, page_width / 2, y - baseline, line.text, line.font, line.size, "center")
        y -= leading
    canvas.restoreState()


def _table(sheet: SignInSheet, width: float) -> LongTable:
    if sheet.with_times:
        header = [
            _("ลำดับ"),
            _("ชื่อ-สกุล"),
            _("ตำแหน่ง"),
            _("หน่วยงาน"),
            _("เวลาเช็กอิน"),
            _("ลายมือชื่อ"),
            _("หมายเหตุ"),
        ]
        widths = [12 * mm, 42 * mm, 0.0, 0.0, 17 * mm, 30 * mm, 19 * mm]
        aligns: list[Any] = ["center", "left", "left", "left", "center", "left", "left"]
    else:
        header = [_("ลำดับ"), _("ชื่อ-สกุล"), _("ตำแหน่ง"), _("หน่วยงาน"), _("ลายมือชื่อ"), _("หมายเหตุ")]
        widths = [12 * mm, 45 * mm, 0.0, 0.0, 34 * mm, 17 * mm]
        aligns = ["center", "left", "left", "left", "left", "left"]
    rest = width - sum(widths)
    widths[2], widths[3] = rest * 0.42, rest * 0.58
    rows: list[list[str]] = []
    for number, row in enumerate(sheet.rows, start=1):
        cells = [str(number), row.name, row.position, row.agency]
        if sheet.with_times:
            cells.append(format_time(row.checked_in_at) if row.checked_in_at else "")
        rows.append([*cells, "", row.note])
    blank = [""] * (len(header) - 1)
    first_blank = len(sheet.rows) + 1
    rows += [[str(n), *blank] for n in range(first_blank, first_blank + sheet.blank_rows)]
    return LongTable(
        header, rows, widths, aligns, size=TABLE_SIZE, name_column=1, min_row_height=ROW_HEIGHT
    )


def _certification() -> KeepTogether:
    """The organizer's statement under the list, with room to sign."""
    dots = "." * 60

    def line(text: str) -> ThaiParagraph:
        return ThaiParagraph(text, REGULAR, 11, align="center")

    return KeepTogether(
        [
            Spacer(1, 8 * mm),
            ThaiParagraph(_("ขอรับรองว่าผู้มีรายชื่อข้างต้นเข้ารับการอบรมจริง"), REGULAR, 11),
            Spacer(1, 12 * mm),
            line(_("ลงชื่อ %(dots)s ผู้รับรอง", dots=dots)),
            line(f"({dots})"),
            line(_("ตำแหน่ง %(dots)s", dots=dots)),
        ]
    )


def render_signin_sheet(sheet: SignInSheet) -> bytes:
    """The session's sign-in sheet as PDF bytes, in Thai whatever the screen's language."""
    with force_locale("th"):
        return _render(sheet)


def _render(sheet: SignInSheet) -> bytes:
    register_sarabun()
    width = PAGE[0] - 2 * MARGIN
    heading = _heading(sheet, width)
    top = MARGIN + _heading_height(heading) + HEADER_GAP
    buffer = io.BytesIO()
    title = f"{_('ใบลงลายมือชื่อผู้เข้ารับการอบรม')} {sheet.title}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        author=sheet.organizing_agency,
        pageCompression=1,
    )
    count = _("ผู้ได้ที่นั่ง %(n)s คน", n=f"{len(sheet.rows):,}")
    if sheet.blank_rows:
        count += " " + _("และแถวว่างสำหรับผู้ลงทะเบียนหน้างาน %(n)d แถว", n=sheet.blank_rows)
    story = [
        ThaiParagraph(count, REGULAR, 9, color=MUTED),
        Spacer(1, 1.5 * mm),
        _table(sheet, width),
        _certification(),
    ]

    def on_page(canvas: Canvas, _doc: Any) -> None:
        _draw_heading(canvas, heading)

    footer = _("ใบลงลายมือชื่อ ช่วงที่ %(n)d: %(title)s", n=sheet.session_number, title=sheet.title)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=numbered_canvas(footer))
    return buffer.getvalue()
