"""An officer's transcript (ประวัติการอบรม) as PDF: A4 portrait, in Thai, PDF/A-2u.

The officer's name, position and agency; then per fiscal year (newest first) a table of the
workshops attended with their dates and the hours trained, and the year's hours; the total;
and the verification code with its QR code, which the public /verify page answers. Drawn on the
report's numbered archival canvas and signed like a certificate when the installation holds a
signing key (``pdf.signing``).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from workshop.models import Transcript
from workshop.pdf.flowables import ThaiParagraph
from workshop.pdf.fonts import BOLD, REGULAR
from workshop.pdf.qrdraw import draw_qr
from workshop.pdf.report import MARGIN, MUTED, PAGE, build_document
from workshop.pdf.signing import sign_if_configured
from workshop.pdf.tables import PAD, LongTable
from workshop.pdf.typeset import draw_text, text_width
from workshop.services.attendance import format_hours
from workshop.services.certificates import format_code
from workshop.services.transcripts import OfficerTranscript
from workshop.thai.dates import format_date, format_date_range, format_fiscal_year

TABLE_SIZE = 10.0
QR_SIZE = 26 * mm


def transcript_url(issued: Transcript) -> str:
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return f"{base}/verify/{format_code(issued.code)}"


class _Verification(Flowable):
    """The QR code of the verification address, with the code and the address beside it."""

    def __init__(self, url: str, code: str, issued_on: str) -> None:
        super().__init__()
        self.url, self.code, self.issued_on = url, code, issued_on

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, QR_SIZE

    def draw(self) -> None:
        canvas = self.canv
        draw_qr(canvas, 0, 0, QR_SIZE, self.url)
        x = QR_SIZE + 4 * mm
        lines = [
            (_("รหัสตรวจสอบ %(code)s", code=self.code), BOLD, 11.0),
            (_("ตรวจสอบได้ที่ %(url)s", url=self.url), REGULAR, 9.5),
            (_("ข้อมูล ณ วันที่ %(date)s", date=self.issued_on), REGULAR, 9.5),
        ]
        y = QR_SIZE - 7 * mm
        for text, font, size in lines:
            draw_text(canvas, x, y, text, font, size)
            y -= size * 1.6


# The agency and date columns are as wide as their longest cell, within these bounds; the
# title (which wraps best: long, with many word breaks) takes the rest, but never less than
# TITLE_MIN. An office's name (สำนักงานพัฒนาชุมชนอำเภอเมืองพิษณุโลก, 61 mm at 10 pt) then
# stays on one line; a longer one wraps where a phrase ends (``thai.phrases``: before
# จังหวัด…, not inside a place name).
AGENCY_MAX = 66 * mm
DATES_MAX = 32 * mm
TITLE_MIN = 58 * mm
NUMBER_WIDTH = 11 * mm
HOURS_WIDTH = 14 * mm


def _fitted(texts: list[str], upper: float) -> float:
    """The width of a column holding ``texts`` (the header first) on one line each, up to
    ``upper``."""
    header, *cells = texts
    widest = max(
        [text_width(header, BOLD, TABLE_SIZE)]
        + [text_width(text, REGULAR, TABLE_SIZE) for text in cells]
    )
    return min(upper, widest + 2 * PAD + 1)  # a point to spare: shaped widths are exact


def column_widths(rows: list[list[str]], header: list[str], width: float) -> list[float]:
    """ลำดับ, หลักสูตร, หน่วยงานผู้จัด, วันที่อบรม, ชั่วโมง: see ``AGENCY_MAX``. Measured over
    every year's rows, so that the years' tables line up."""
    agency = _fitted([header[2], *(row[2] for row in rows)], AGENCY_MAX)
    dates = _fitted([header[3], *(row[3] for row in rows)], DATES_MAX)
    title = width - NUMBER_WIDTH - HOURS_WIDTH - agency - dates
    if title < TITLE_MIN:  # only with a narrower page than A4: the agency gives way
        agency -= TITLE_MIN - title
        title = TITLE_MIN
    return [NUMBER_WIDTH, title, agency, dates, HOURS_WIDTH]


def _header() -> list[str]:
    return [_("ลำดับ"), _("หลักสูตร"), _("หน่วยงานผู้จัด"), _("วันที่อบรม"), _("ชั่วโมง")]


def _rows(lines: Any) -> list[list[str]]:
    return [
        [
            str(number),
            line.title,
            line.organizing_agency,
            format_date_range(line.starts_at, line.ends_at, style="short"),
            format_hours(line.hours),
        ]
        for number, line in enumerate(lines, start=1)
    ]


def _year_table(lines: Any, widths: list[float]) -> LongTable:
    aligns: list[Any] = ["center", "left", "left", "left", "right"]
    return LongTable(_header(), _rows(lines), widths, aligns, size=TABLE_SIZE)


def render_transcript(transcript: OfficerTranscript, issued: Transcript) -> bytes:
    """The transcript as PDF bytes (signed when a key is configured), always in Thai."""
    with force_locale("th"):
        data = _render(transcript, issued)
        reason = _("ประวัติการอบรม %(code)s", code=format_code(issued.code))
    return sign_if_configured(data, reason)


def _title(transcript: OfficerTranscript) -> list[Flowable]:
    """Whose record it is, and how many workshops and hours it holds."""
    officer = transcript.officer
    about = " ".join(
        part
        for part in (
            _("ตำแหน่ง %(position)s", position=officer.position) if officer.position else "",
            _("สังกัด %(agency)s", agency=officer.agency) if officer.agency else "",
        )
        if part
    )
    story: list[Flowable] = [
        ThaiParagraph(_("ประวัติการอบรม"), BOLD, 18, align="center"),
        Spacer(1, 2 * mm),
        ThaiParagraph(officer.full_name, BOLD, 14, align="center"),
    ]
    if about:
        story.append(ThaiParagraph(about, REGULAR, 11.5, align="center"))
    story += [
        Spacer(1, 2 * mm),
        ThaiParagraph(
            _(
                "เข้ารับการอบรม %(n)d หลักสูตร รวม %(hours)s ชั่วโมง",
                n=transcript.workshop_count,
                hours=format_hours(transcript.total_hours),
            ),
            REGULAR,
            11.5,
            align="center",
        ),
        Spacer(1, 4 * mm),
    ]
    return story


def _years(transcript: OfficerTranscript, width: float) -> list[Flowable]:
    """A table per fiscal year, the columns alike in every year."""
    story: list[Flowable] = []
    if not transcript.years:
        story.append(ThaiParagraph(_("ยังไม่มีประวัติการเข้ารับการอบรม"), REGULAR, 11.5))
    widths = column_widths(_rows(transcript.lines), _header(), width)
    for year in transcript.years:
        story += [
            CondPageBreak(30 * mm),
            ThaiParagraph(
                _(
                    "%(year)s: %(n)d หลักสูตร %(hours)s ชั่วโมง",
                    year=format_fiscal_year(year.year),
                    n=len(year.lines),
                    hours=format_hours(year.hours),
                ),
                BOLD,
                12.5,
            ),
            Spacer(1, 1.5 * mm),
            _year_table(year.lines, widths),
            Spacer(1, 4 * mm),
        ]
    return story


def _verification(issued: Transcript) -> Flowable:
    """How the hours were counted, and the code and QR code that verify the document."""
    return KeepTogether(
        [
            ThaiParagraph(
                _(
                    "ชั่วโมงนับจากการเช็กอินเข้าอบรมแต่ละช่วงตามที่ระบบบันทึกไว้ "
                    "ตรวจสอบความถูกต้องของเอกสารนี้ได้ด้วยรหัสหรือคิวอาร์โค้ดด้านล่าง"
                ),
                REGULAR,
                9,
                color=MUTED,
            ),
            Spacer(1, 3 * mm),
            _Verification(
                transcript_url(issued),
                format_code(issued.code),
                format_date(issued.issued_at),
            ),
        ]
    )


def _render(transcript: OfficerTranscript, issued: Transcript) -> bytes:
    officer = transcript.officer
    width = PAGE[0] - 2 * MARGIN
    story = [
        *_title(transcript),
        *_years(transcript, width),
        Spacer(1, 2 * mm),
        _verification(issued),
    ]
    return build_document(
        story,
        f"{_('ประวัติการอบรม')} {officer.full_name}",
        "",
        _("ประวัติการอบรม: %(name)s", name=officer.full_name),
        subject=_(
            "ประวัติการอบรม %(n)d หลักสูตร %(hours)s ชั่วโมง รหัสตรวจสอบ %(code)s",
            n=transcript.workshop_count,
            hours=format_hours(transcript.total_hours),
            code=format_code(issued.code),
        ),
        keywords=format_code(issued.code),  # what /verify/file looks up in a signed file
    )
