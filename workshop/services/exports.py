"""Spreadsheet exports: attendance (the same rows as CSV, UTF-8 with BOM for Excel, and XLSX)
and evaluation results (XLSX).

Every text cell goes through :func:`neutralise`: a cell that a spreadsheet would read as a
formula (it starts with ``=``, ``+``, ``-`` or ``@``, or with a tab or carriage return, which
some spreadsheets skip before looking) gets a leading apostrophe, as OWASP's "CSV Injection"
advice says. Officers type their own names, agencies and phone numbers, so these cells are
untrusted input.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from workshop.extensions import db
from workshop.models import CheckIn, ExcusedAbsence, User, Workshop, WorkshopSession
from workshop.services.attendance import format_hours
from workshop.services.evaluations import SCALE_LABELS, FormResults
from workshop.services.excuses import excuse_text
from workshop.services.registrations import registration_status_label
from workshop.services.reports import (
    FiscalYearReport,
    format_rate,
    get_report_workshop,
    registration_rows,
)
from workshop.services.transcripts import OfficerTranscript, fiscal_year_hours
from workshop.thai.dates import (
    format_date,
    format_date_range,
    format_datetime,
    format_time,
    format_time_range,
)

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Cell = str | int | Decimal


def neutralise(value: Cell) -> Cell:
    """``value`` made safe for a spreadsheet cell: text that could start a formula gets a
    leading ``'`` (numbers are left alone: they are written as numbers, never as formulas)."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


@dataclass(frozen=True)
class AttendanceTable:
    """Header and rows of a workshop's attendance export (cells not yet neutralised)."""

    title: str
    header: list[str]
    rows: list[list[Cell]]


def attendance_table(workshop_id: int) -> AttendanceTable:
    """Every registration with its status, attendance and check-in time per session.

    Columns: number, title prefix, first name, last name, position, agency, district, province,
    phone, status, one column per session (Bangkok check-in time, and check-out time where the
    workshop scans out; the excuse, e.g. ``ลา``, for an excused absence; empty if absent),
    training hours present, sessions excused, sessions attended, eligible for a certificate
    (yes/no). In Thai (BE dates), like the report PDF, whatever the language of the
    organizer's screen.
    """
    with force_locale("th"):
        return _attendance_table(workshop_id)


def _attendance_table(workshop_id: int) -> AttendanceTable:
    workshop = get_report_workshop(workshop_id)
    sessions = workshop.sessions
    scans: dict[tuple[int, int], str] = {}
    for reg_id, session_id, kind, reason in db.session.execute(
        select(
            ExcusedAbsence.registration_id,
            ExcusedAbsence.session_id,
            ExcusedAbsence.kind,
            ExcusedAbsence.reason,
        )
        .join(WorkshopSession, WorkshopSession.id == ExcusedAbsence.session_id)
        .where(WorkshopSession.workshop_id == workshop.id)
    ):
        scans[(reg_id, session_id)] = excuse_text(kind, reason)
    for reg_id, session_id, scanned_at, checked_out_at in db.session.execute(
        select(
            CheckIn.registration_id, CheckIn.session_id, CheckIn.scanned_at, CheckIn.checked_out_at
        )
        .join(WorkshopSession, WorkshopSession.id == CheckIn.session_id)
        .where(WorkshopSession.workshop_id == workshop.id)
    ):
        text = format_datetime(scanned_at)  # a check-in outranks an excuse
        if checked_out_at is not None:
            text += f" – {format_time(checked_out_at)}"
        scans[(reg_id, session_id)] = text
    header = [
        _("ลำดับ"),
        _("คำนำหน้า"),
        _("ชื่อ"),
        _("นามสกุล"),
        _("ตำแหน่ง"),
        _("หน่วยงาน"),
        _("อำเภอ"),
        _("จังหวัด"),
        _("โทรศัพท์"),
        _("สถานะ"),
    ]
    for number, session in enumerate(sessions, start=1):
        label = session.title or _("ช่วงที่ %(n)d", n=number)
        header.append(
            f"{label} ({format_date(session.starts_at, 'short')} "
            f"{format_time_range(session.starts_at, session.ends_at)})"
        )
    header += [
        _("ชั่วโมงที่เข้าร่วม (จาก %(n)s)", n=format_hours(workshop.total_hours)),
        _("ลา/ไปราชการ (ช่วง)"),
        _("เข้าร่วม (ช่วง จาก %(n)d)", n=len(sessions)),
        _("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร"),
    ]
    labels = {s: registration_status_label(s) for s in ("confirmed", "waitlisted", "cancelled")}
    yes, no = _("ใช่"), _("ไม่")
    rows: list[list[Cell]] = []
    for number, row in enumerate(registration_rows(workshop), start=1):
        line: list[Cell] = [
            number,
            row.title_prefix,
            row.first_name,
            row.last_name,
            row.position,
            row.agency,
            row.district,
            row.province,
            row.phone,
            labels.get(row.status, row.status),
        ]
        line += [scans.get((row.registration_id, s.id), "") for s in sessions]
        line += [
            row.hours,
            row.sessions_excused,
            row.sessions_attended,
            yes if row.eligible else no,
        ]
        rows.append(line)
    return AttendanceTable(workshop.full_title, header, rows)


def _safe_rows(table: AttendanceTable) -> Iterator[list[Cell]]:
    yield [neutralise(cell) for cell in table.header]
    for row in table.rows:
        yield [neutralise(cell) for cell in row]


def attendance_csv(workshop_id: int) -> bytes:
    """The attendance export as CSV: UTF-8 with a byte-order mark (so Excel reads Thai),
    comma-separated, CRLF line ends, every text cell neutralised."""
    table = attendance_table(workshop_id)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_safe_rows(table))
    return out.getvalue().encode("utf-8")


def _column_widths(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[float]:
    """Rough Excel column widths from the longest text in the first rows."""
    widths = [len(str(h)) for h in header]
    for row in rows[:200]:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(str(cell)))
    return [min(max(w, 6), 50) * 1.1 + 2 for w in widths]


def _append_sheet(book, title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    """A sheet with a bold, frozen header row; every text cell neutralised, so none is stored
    as a formula (openpyxl reads a string that starts with "=" as one)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    for i, width in enumerate(_column_widths(header, rows), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])


def _workbook_bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def attendance_xlsx(workshop_id: int) -> bytes:
    """The attendance export as an XLSX workbook (one sheet, header row frozen and bold),
    written in openpyxl's write-only mode (rows streamed, not kept as cell objects)."""
    from openpyxl import Workbook

    table = attendance_table(workshop_id)
    book = Workbook(write_only=True)
    with force_locale("th"):
        _append_sheet(book, _("การเข้าร่วม"), table.header, table.rows)
    return _workbook_bytes(book)


def evaluation_xlsx(workshop: Workshop, results: FormResults) -> bytes:
    """An evaluation's results: per question n, mean, S.D., band and the count at each level;
    the comments; who has not answered; the tests' means. In Thai, like the report PDF. Below
    MIN_RESPONSES_SHOWN answers only the response figures are written (anonymity)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    with force_locale("th"):
        levels = sorted(SCALE_LABELS, reverse=True)
        summary = [
            [_("การอบรม"), workshop.full_title],
            [_("ผู้เข้าร่วมอบรม (คน)"), results.attendees],
            [_("ผู้ตอบแบบประเมิน (คน)"), results.responses],
            [_("ร้อยละของผู้ตอบ"), format_rate(results.response_rate)],
        ]
        if results.test is not None:
            test = results.test
            summary += [
                [_("คะแนนเฉลี่ยก่อนอบรม (เต็ม %(n)d)", n=test.questions), _number(test.pre_mean)],
                [_("คะแนนเฉลี่ยหลังอบรม (เต็ม %(n)d)", n=test.questions), _number(test.post_mean)],
                [_("คะแนนที่เพิ่มขึ้นโดยเฉลี่ย"), _number(test.gain)],
            ]
        _append_sheet(book, _("สรุป"), [_("รายการ"), _("ค่า")], summary)
        if results.shown:
            header = [_("ด้าน"), _("ข้อ"), "n", _("ค่าเฉลี่ย"), "S.D.", _("ระดับ")]
            header += [f"{level} {SCALE_LABELS[level]}" for level in levels]
            rows: list[list[Cell]] = []
            every = [*results.scale, *([results.overall] if results.overall else [])]
            for item in every:
                rows.append(
                    [
                        item.question.section,
                        item.question.text,
                        item.n,
                        _number(item.mean),
                        _number(item.sd),
                        item.band,
                        *(item.counts.get(level, 0) for level in levels),
                    ]
                )
            _append_sheet(book, _("ผลการประเมิน"), header, rows)
            comment_rows: list[list[Cell]] = [
                [question.text, text]
                for question in results.form.questions
                for text in results.comments.get(question.id, [])
            ]
            _append_sheet(book, _("ข้อเสนอแนะ"), [_("ข้อ"), _("ข้อความ")], comment_rows)
        _append_sheet(
            book,
            _("ผู้ยังไม่ตอบ"),
            [_("ลำดับ"), _("ชื่อ-สกุล")],
            [[n, name] for n, name in enumerate(results.non_responders, start=1)],
        )
    return _workbook_bytes(book)


def fiscal_year_xlsx(report: FiscalYearReport) -> bytes:
    """The fiscal-year report as a workbook: the totals, the roll-up by office and district
    (a provincial office's view), the workshops with their office, and the officers'
    districts. In Thai, like the PDF."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    with force_locale("th"):
        _append_sheet(
            book,
            _("สรุป"),
            [_("รายการ"), _("ค่า")],
            [
                [_("ปีงบประมาณ"), report.fiscal_year],
                [_("จำนวนการอบรม"), report.workshop_count],
                [_("ผู้ได้ที่นั่ง (นับทุกการอบรม)"), report.participants],
                [_("จำนวนเจ้าหน้าที่ (ไม่นับซ้ำ)"), report.officers],
                [_("เข้าร่วมอย่างน้อย 1 ช่วง"), report.attended],
                [_("อัตราการเข้าร่วม"), format_rate(report.attendance_rate)],
                [_("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร"), report.certificate_eligible],
            ],
        )
        figures = [_("ได้ที่นั่ง"), _("เข้าร่วม"), _("อัตราการเข้าร่วม")]
        figures.append(_("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร"))
        if report.rolls_up:
            _append_sheet(
                book,
                _("จำแนกตามหน่วยงาน"),
                [_("หน่วยงาน"), _("อำเภอ"), _("จำนวนการอบรม"), *figures],
                [
                    [
                        o.name,
                        o.district or _("ระดับจังหวัด"),
                        o.workshops,
                        o.confirmed,
                        o.attended,
                        format_rate(o.attendance_rate),
                        o.certificate_eligible,
                    ]
                    for o in report.by_office
                ],
            )
        _append_sheet(
            book,
            _("การอบรม"),
            [_("การอบรม"), _("หน่วยงาน"), _("วันเริ่ม"), *figures],
            [
                [
                    w.title,
                    w.office_name,
                    format_date(w.starts_at, "short") if w.starts_at else "",
                    w.confirmed,
                    w.attended,
                    format_rate(w.attendance_rate),
                    w.certificate_eligible,
                ]
                for w in report.workshops
            ],
        )
        _append_sheet(
            book,
            _("จำแนกตามอำเภอ"),
            [_("อำเภอของผู้เข้าอบรม"), *figures],
            [
                [
                    g.name or _("ไม่ระบุ"),
                    g.confirmed,
                    g.attended,
                    format_rate(g.attendance_rate),
                    g.eligible,
                ]
                for g in report.by_district
            ],
        )
    return _workbook_bytes(book)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


# ---------------------------------------------------------------- training records


def _transcript_rows(transcript: OfficerTranscript) -> tuple[list[str], list[list[Cell]]]:
    header = [
        _("ปีงบประมาณ"),
        _("หลักสูตร"),
        _("หน่วยงานผู้จัด"),
        _("วันที่อบรม"),
        _("ชั่วโมงที่เข้าอบรม"),
        _("ชั่วโมงของหลักสูตร"),
        _("เลขที่เกียรติบัตร"),
    ]
    rows: list[list[Cell]] = []
    for year in transcript.years:
        for line in year.lines:
            rows.append(
                [
                    year.year,
                    line.title,
                    line.organizing_agency,
                    format_date_range(line.starts_at, line.ends_at, style="short"),
                    line.hours,
                    line.workshop_hours,
                    line.certificate,
                ]
            )
        rows.append([year.year, _("รวมปีงบประมาณ %(year)d", year=year.year), "", "", year.hours])
    rows.append(
        [
            "",
            _("รวมทั้งหมด %(n)d หลักสูตร", n=transcript.workshop_count),
            "",
            "",
            transcript.total_hours,
        ]
    )
    return header, rows


def transcript_xlsx(transcript: OfficerTranscript) -> bytes:
    """An officer's transcript as XLSX: one row per workshop, a subtotal per fiscal year, the
    total; hours as numbers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    officer = transcript.officer
    with force_locale("th"):
        header, rows = _transcript_rows(transcript)
        _append_sheet(book, _("ประวัติการอบรม"), header, rows)
        about = [
            [_("ตำแหน่ง"), officer.position],
            [_("หน่วยงาน"), officer.agency],
            [_("จำนวนหลักสูตร"), transcript.workshop_count],
            [_("ชั่วโมงอบรมรวม"), transcript.total_hours],
        ]
        _append_sheet(book, _("ผู้เข้าอบรม"), [_("ชื่อ-สกุล"), officer.full_name], about)
    return _workbook_bytes(book)


def _hours_table(year: int, viewer: User) -> tuple[list[str], list[list[Cell]]]:
    header = [
        _("ลำดับ"),
        _("คำนำหน้า"),
        _("ชื่อ"),
        _("นามสกุล"),
        _("ตำแหน่ง"),
        _("หน่วยงาน"),
        _("อีเมล"),
        _("หลักสูตร"),
        _("วันที่อบรม"),
        _("ชั่วโมงที่เข้าอบรม"),
        _("ชั่วโมงของหลักสูตร"),
    ]
    rows: list[list[Cell]] = []
    for number, row in enumerate(fiscal_year_hours(year, viewer), start=1):
        officer, line = row.officer, row.line
        rows.append(
            [
                number,
                officer.title_prefix,
                officer.first_name,
                officer.last_name,
                officer.position,
                officer.agency,
                "" if officer.deleted else officer.email,
                line.title,
                format_date_range(line.starts_at, line.ends_at, style="short"),
                line.hours,
                line.workshop_hours,
            ]
        )
    return header, rows


def hours_csv(year: int, viewer: User) -> bytes:
    """The HR export (officer × workshop × hours of one fiscal year) as CSV, like the
    attendance export (BOM, CRLF, cells neutralised)."""
    with force_locale("th"):
        header, rows = _hours_table(year, viewer)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_safe_rows(AttendanceTable("", header, rows)))
    return out.getvalue().encode("utf-8")


def hours_xlsx(year: int, viewer: User) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    with force_locale("th"):
        header, rows = _hours_table(year, viewer)
        _append_sheet(book, _("ชั่วโมงอบรม %(year)d", year=year), header, rows)
    return _workbook_bytes(book)
