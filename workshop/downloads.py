"""Files handed to the browser (PDF, CSV, XLSX, JSON): named one way, never cached by others.

Pages (``web``) and the API (``api``) serve the same reports, exports and certificates; both
take them from here, so neither borrows from the other.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _

from workshop.models import Certificate, User, Workshop
from workshop.pdf.certificate import render_certificates
from workshop.services.exports import attendance_csv, attendance_xlsx, fiscal_year_xlsx
from workshop.services.reports import fiscal_year_report, get_report_workshop, workshop_report
from workshop.services.signin_sheets import parse_blank_rows, signin_sheet

PDF = "application/pdf"
PNG = "image/png"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON = "application/json"


def content_disposition(kind: str, ascii_name: str, name: str | None = None) -> str:
    """``attachment; filename="report-12.pdf"; filename*=UTF-8''...`` (RFC 6266 / 5987):
    browsers that read ``filename*`` get the Thai name, others the ASCII one."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name) or "download"
    if name is None:
        return f'{kind}; filename="{fallback}"'
    name = unicodedata.normalize("NFC", name).replace("/", "-").replace("\\", "-")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(
    data: bytes | str,
    mimetype: str,
    ascii_name: str,
    name: str | None = None,
    inline: bool = False,
) -> Response:
    """A response that saves as (or, ``inline``, shows) a file and is never cached by others:
    these files hold personal data."""
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": content_disposition(
                "inline" if inline else "attachment", ascii_name, name
            ),
            "Cache-Control": "private, no-store",
        },
    )


# ---------------------------------------------------------------- the files themselves
# Built the same way for pages and the API, which both serve them.


def short_title(title: str, limit: int = 60) -> str:
    """A workshop title cut to fit in a file name."""
    title = " ".join(title.split())
    return title if len(title) <= limit else title[:limit].rstrip()


def report_pdf_download(workshop_id: int, inline: bool = False) -> Response:
    """The workshop's summary report as a PDF download."""
    from workshop.pdf.report import render_workshop_report

    report = workshop_report(workshop_id)
    return download(
        render_workshop_report(report),
        PDF,
        f"workshop-{workshop_id}-report.pdf",
        f"{_('รายงานสรุปผลการอบรม')} {short_title(report.title)}.pdf",
        inline=inline,
    )


def fiscal_year_pdf_download(year: int, viewer: User | None) -> Response:
    """The fiscal-year report of the viewer's offices as a PDF, shown in the browser."""
    from workshop.pdf.report import render_fiscal_year_report

    return download(
        render_fiscal_year_report(fiscal_year_report(year, viewer)),
        PDF,
        f"fiscal-year-{year}-report.pdf",
        f"{_('รายงานการอบรมประจำปีงบประมาณ')} {year}.pdf",
        inline=True,
    )


def fiscal_year_xlsx_download(year: int, viewer: User | None) -> Response:
    """The fiscal-year report of the viewer's offices as an XLSX workbook."""
    return download(
        fiscal_year_xlsx(fiscal_year_report(year, viewer)),
        XLSX,
        f"fiscal-year-{year}-report.xlsx",
        f"{_('รายงานการอบรมประจำปีงบประมาณ')} {year}.xlsx",
    )


def attendance_download(workshop_id: int, kind: str) -> Response:
    """The attendance export, ``kind`` "csv" or "xlsx", as a download."""
    workshop = get_report_workshop(workshop_id)
    build, mimetype = (attendance_csv, CSV) if kind == "csv" else (attendance_xlsx, XLSX)
    return download(
        build(workshop_id),
        mimetype,
        f"workshop-{workshop_id}-attendance.{kind}",
        f"{_('การเข้าร่วม')} {short_title(workshop.full_title)}.{kind}",
    )


def signin_sheet_download(
    workshop_id: int, session_id: int, blank: str | None, times: bool, inline: bool = False
) -> Response:
    """A session's sign-in sheet as a PDF; ``blank`` as typed (blank rows for walk-ins),
    ``times`` for the after-event sheet with check-in times."""
    from workshop.pdf.signin_sheet import render_signin_sheet

    sheet = signin_sheet(
        workshop_id, session_id, blank_rows=parse_blank_rows(blank), with_times=times
    )
    suffix = "-times" if times else ""
    return download(
        render_signin_sheet(sheet),
        PDF,
        f"workshop-{workshop_id}-session-{sheet.session_number}-signin{suffix}.pdf",
        f"{_('ใบลงลายมือชื่อ')} {_('ช่วงที่ %(n)d', n=sheet.session_number)} "
        f"{short_title(sheet.title)}.pdf",
        inline=inline,
    )


def certificate_download(certificate: Certificate) -> Response:
    """One certificate as a PDF, shown in the browser."""
    return download(
        render_certificates([certificate]),
        PDF,
        f"certificate-{certificate.number}-{certificate.fiscal_year}.pdf",
        inline=True,
    )


def certificate_preview_download(workshop: Workshop, picture: bool = False) -> Response:
    """One certificate of the workshop as it would be issued now (a sample number and code),
    as a PDF or, ``picture``, as the PNG the settings page shows."""
    from workshop.pdf.certificate import render_preview

    pdf = render_preview(workshop)
    if picture:
        from workshop.pdf.preview import first_page_png

        return download(
            first_page_png(pdf), PNG, f"certificate-preview-{workshop.id}.png", inline=True
        )
    return download(pdf, PDF, f"certificate-preview-{workshop.id}.pdf", inline=True)


def workshop_certificates_download(workshop_id: int, certificates: list[Certificate]) -> Response:
    """A workshop's certificates in one PDF, a page each, shown in the browser."""
    return download(
        render_certificates(certificates), PDF, f"certificates-{workshop_id}.pdf", inline=True
    )


def transcript_download(officer: User, file_format: str) -> Response:
    """An officer's transcript (ประวัติการอบรม) as PDF (with a verification code) or XLSX."""
    from workshop.services.exports import transcript_xlsx
    from workshop.services.transcripts import issue_transcript, officer_transcript

    transcript = officer_transcript(officer)
    name = f"{_('ประวัติการอบรม')} {officer.full_name}"
    if file_format == "xlsx":
        return download(
            transcript_xlsx(transcript), XLSX, f"transcript-{officer.id}.xlsx", f"{name}.xlsx"
        )
    from workshop.pdf.transcript import render_transcript

    issued = issue_transcript(transcript)
    return download(
        render_transcript(transcript, issued), PDF, f"transcript-{officer.id}.pdf", f"{name}.pdf"
    )


def hours_download(year: int, file_format: str, viewer: User) -> Response:
    """The HR export: officer × workshop × hours of one fiscal year, as CSV or XLSX (the
    officers whose transcripts ``viewer`` may open)."""
    from workshop.services.exports import hours_csv, hours_xlsx

    name = f"{_('ชั่วโมงอบรม ปีงบประมาณ')} {year}"
    if file_format == "xlsx":
        return download(
            hours_xlsx(year, viewer), XLSX, f"training-hours-{year}.xlsx", f"{name}.xlsx"
        )
    return download(hours_csv(year, viewer), CSV, f"training-hours-{year}.csv", f"{name}.csv")
