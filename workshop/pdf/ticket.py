"""The printable ticket: the officer's QR code with the workshop, sessions and venue in Thai."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from workshop.models import Registration
from workshop.pdf.archive import ArchivalCanvas
from workshop.pdf.fonts import BOLD, REGULAR
from workshop.pdf.qrdraw import draw_qr
from workshop.pdf.typeset import draw_paragraph, draw_text, fit_font_size
from workshop.services.tickets import ticket_token
from workshop.services.waitlist import waitlist_position
from workshop.thai.addresses import venue_place
from workshop.thai.dates import format_date, format_time_range

MARGIN = 8 * mm


def _venue_text(registration: Registration) -> str:
    venue = registration.workshop.venue
    return venue_place(venue.name, venue.district, venue.province)


def _draw_ticket(
    canvas: Canvas,
    left: float,
    bottom: float,
    width: float,
    height: float,
    registration: Registration,
) -> None:
    """One A6-sized ticket with its lower-left corner at (left, bottom)."""
    workshop = registration.workshop
    officer = registration.user
    inner = width - 2 * MARGIN
    x = left + MARGIN
    y = bottom + height - MARGIN

    canvas.setFillColorRGB(0.04, 0.36, 0.68)
    y = draw_paragraph(canvas, x, y, workshop.organizing_agency, REGULAR, 8.5, inner)
    canvas.setFillColorRGB(0, 0, 0)
    y = draw_paragraph(canvas, x, y - 1 * mm, "บัตรเข้าร่วมการอบรม", BOLD, 13, inner)
    y = draw_paragraph(canvas, x, y, workshop.full_title, REGULAR, 9.5, inner, leading=12.5)

    y -= 3 * mm
    name_size = fit_font_size(officer.full_name, BOLD, inner, 16, 8)
    draw_text(canvas, x, y - name_size, officer.full_name, BOLD, name_size)
    y -= name_size + 3
    details = " · ".join(part for part in (officer.position, officer.agency) if part)
    if details:
        y = draw_paragraph(canvas, x, y, details, REGULAR, 8.5, inner, leading=11)

    position = waitlist_position(registration)
    if position is not None:
        canvas.setFillColorRGB(0.63, 0.36, 0)
        y = draw_paragraph(
            canvas,
            x,
            y - 1 * mm,
            f"รายชื่อสำรองลำดับที่ {position}: บัตรนี้ใช้เช็กอินได้เมื่อได้ที่นั่งแล้ว",
            BOLD,
            9,
            inner,
            leading=11.5,
        )
        canvas.setFillColorRGB(0, 0, 0)

    qr_size = min(52 * mm, y - bottom - MARGIN - 40 * mm)
    qr_size = max(qr_size, 30 * mm)
    token = ticket_token(registration)
    qr_x = left + (width - qr_size) / 2
    qr_y = y - 2 * mm - qr_size
    draw_qr(canvas, qr_x, qr_y, qr_size, token)
    draw_text(canvas, left + width / 2, qr_y - 2.5 * mm, token, REGULAR, 6.5, align="center")
    y = qr_y - 5 * mm

    for session in workshop.sessions:
        line = (
            f"{format_date(session.starts_at, 'full')} "
            f"เวลา {format_time_range(session.starts_at, session.ends_at)}"
        )
        y = draw_paragraph(canvas, x, y, line, REGULAR, 8.5, inner, leading=11)
    y = draw_paragraph(
        canvas, x, y - 1, "สถานที่: " + _venue_text(registration), REGULAR, 8.5, inner, leading=11
    )
    canvas.setFillColorRGB(0.36, 0.39, 0.45)
    draw_text(
        canvas,
        left + width / 2,
        bottom + MARGIN / 2,
        "แสดงบัตรนี้ที่จุดลงทะเบียนหน้าห้องอบรม",
        REGULAR,
        7.5,
        align="center",
    )
    canvas.setFillColorRGB(0, 0, 0)


def render_ticket(registration: Registration, paper: str = "a6") -> bytes:
    """The ticket as PDF bytes, on A6 or at the top of an A4 sheet with cut marks."""
    buffer = io.BytesIO()
    page = A6 if paper == "a6" else A4
    canvas = ArchivalCanvas(buffer, pagesize=page, pageCompression=1)
    canvas.setTitle(f"บัตรเข้าร่วมการอบรม {registration.user.full_name}")
    canvas.setAuthor(registration.workshop.organizing_agency)
    width, height = A6
    if paper == "a6":
        _draw_ticket(canvas, 0, 0, width, height, registration)
    else:
        left, bottom = (page[0] - width) / 2, page[1] - height - 15 * mm
        canvas.setDash(3, 3)
        canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
        canvas.rect(left, bottom, width, height, stroke=1, fill=0)
        canvas.setDash()
        _draw_ticket(canvas, left, bottom, width, height, registration)
        draw_text(
            canvas,
            page[0] / 2,
            bottom - 8 * mm,
            "ตัดตามเส้นประ หรือแสดงบัตรบนหน้าจอโทรศัพท์ก็ได้",
            REGULAR,
            9,
            align="center",
        )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
