"""Summary report PDFs: one workshop's report and the fiscal-year report.

Layout with ReportLab platypus; every piece of text goes through the shared typesetter
(``ThaiParagraph`` in small tables, ``draw_text``/``wrap_lines`` in the long tables and the
chart), so Thai marks sit where they belong, cells wrap between words and the text layer
extracts exactly.

- Page numbers read ``หน้า 2/5``: the canvas keeps each finished page until the document is
  complete, then stamps the total on every page (one pass, no second build).
- Long lists (attendees, no-shows, workshops of a year) are ``pdf.tables.LongTable``s, which
  lay out 10,000 registrations in linear time; the chart by district is a ``pdf.charts.BarChart``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from workshop.pdf.archive import ArchivalCanvas
from workshop.pdf.charts import BarChart, MeanChart
from workshop.pdf.flowables import ThaiParagraph
from workshop.pdf.fonts import BOLD, REGULAR, register_sarabun
from workshop.pdf.tables import GRID, HEADER_FILL, HEADER_LEADING, PAD, TABLE_SIZE, LongTable
from workshop.pdf.typeset import Align, draw_text, text_width, wrap_lines
from workshop.services.attendance import format_hours
from workshop.services.evaluations import MIN_RESPONSES_SHOWN, FormResults, TestResult
from workshop.services.reports import (
    AttendeeRow,
    FiscalYearReport,
    GroupFigure,
    WorkshopReport,
    format_rate,
)
from workshop.services.workshops import certificate_kind_label
from workshop.thai.addresses import venue_place
from workshop.thai.dates import (
    format_date,
    format_date_range,
    format_datetime,
    format_time_range,
)
from workshop.thai.numerals import thai_digits


def fiscal_year_number(year: int) -> str:
    """``พ.ศ. 2559``: the year after a label that already says ปีงบประมาณ."""
    return f"พ.ศ. {year}"


_R = TypeVar("_R", WorkshopReport, FiscalYearReport)
# Thai numerals for the report being drawn (a workshop's option): every text but names.
_THAI_NUMERALS: ContextVar[bool] = ContextVar("thai_numerals", default=False)


def _d(text: str) -> str:
    return thai_digits(text) if _THAI_NUMERALS.get() else text


def _cells(
    rows: Sequence[Sequence[str]], name_column: int | None = None
) -> Sequence[Sequence[str]]:
    """Table rows with Thai numerals when the report has them, the name column as written."""
    if not _THAI_NUMERALS.get():
        return rows
    return [
        [cell if n == name_column else thai_digits(cell) for n, cell in enumerate(row)]
        for row in rows
    ]


PAGE = A4
MARGIN = 15 * mm
FOOTER_SIZE = 9
BODY_SIZE = 10.5
MUTED = colors.HexColor("#52606d")
CHART_GROUPS = 12  # bars per chart; the rest are summed into "others"


# ---------------------------------------------------------------- page numbers


class _NumberedCanvas(ArchivalCanvas):
    """Keeps finished pages until save(), then stamps ``หน้า n/total`` and the footer text on
    each: the total is known only when the last page is done."""

    footer = ""
    thai_numerals = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        state = dict(self.__dict__)
        del state["_pages"]
        self._pages.append(state)
        self._startPage()

    def save(self) -> None:
        pages, self._pages = self._pages, []
        total = len(pages)
        for number in range(1, total + 1):
            state = pages[number - 1]
            pages[number - 1] = None  # type: ignore[call-overload]  # drop the held page early
            self.__dict__.update(state)
            self._stamp(number, total)
            Canvas.showPage(self)
        Canvas.save(self)

    def _stamp(self, number: int, total: int) -> None:
        width, _height = self._pagesize
        y = MARGIN / 2
        self.saveState()
        self.setFillColor(MUTED)
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        self.line(MARGIN, y + FOOTER_SIZE + 2, width - MARGIN, y + FOOTER_SIZE + 2)
        if self.footer:
            limit = width - 2 * MARGIN - 30 * mm
            text = self.footer
            if text_width(text, REGULAR, FOOTER_SIZE) > limit:
                text = wrap_lines(text, REGULAR, FOOTER_SIZE, limit - 10)[0] + " …"
            draw_text(self, MARGIN, y, text, REGULAR, FOOTER_SIZE)
        page = f"หน้า {number}/{total}"
        page = thai_digits(page) if self.thai_numerals else page
        draw_text(self, width - MARGIN, y, page, REGULAR, FOOTER_SIZE, "right")
        self.restoreState()


def numbered_canvas(footer: str, thai_numerals: bool = False) -> type[_NumberedCanvas]:
    return type(
        "ReportCanvas",
        (_NumberedCanvas,),
        {
            "footer": thai_digits(footer) if thai_numerals else footer,
            "thai_numerals": thai_numerals,
        },
    )


# ---------------------------------------------------------------- small tables


def _p(text: str, font: str = REGULAR, size: float = TABLE_SIZE, align: Align = "left") -> Any:
    return ThaiParagraph(_d(text), font, size, align=align)


def _table(
    header: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    aligns: Sequence[Align] | None = None,
) -> Table:
    """A platypus table of ThaiParagraph cells (wrapping between words), header repeated."""
    aligns = aligns or ["left"] * len(widths)
    data: list[list[Any]] = []
    if header is not None:
        data.append(
            [
                ThaiParagraph(_d(h), BOLD, TABLE_SIZE, TABLE_SIZE * HEADER_LEADING, align=a)
                for h, a in zip(header, aligns, strict=True)
            ]
        )
    data += [[_p(c, align=a) for c, a in zip(row, aligns, strict=True)] for row in rows]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), PAD),
        ("BOTTOMPADDING", (0, 0), (-1, -1), PAD),
    ]
    if header is not None:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL))
    return Table(
        data,
        colWidths=list(widths),
        style=TableStyle(style),
        repeatRows=1 if header is not None else 0,
        hAlign="LEFT",
    )


class _Heading(ThaiParagraph):
    """A section heading: ``_keep_headings`` keeps it on the page of what follows it."""


def _heading(text: str) -> list[Flowable]:
    return [Spacer(1, 4 * mm), _Heading(_d(text), BOLD, 13), Spacer(1, 1.5 * mm)]


HEAD_ROWS = 3  # a long table starts under its heading with at least this many rows


def _start_height(flowable: Flowable, canvas: Canvas, width: float, frame_height: float) -> float:
    """How much of ``flowable`` must share the page with the heading above it: a long
    table's header and first rows, a paragraph's first lines, anything else whole."""
    if isinstance(flowable, LongTable):
        return flowable.head_height(HEAD_ROWS)
    if isinstance(flowable, KeepTogether):  # kept whole anyway
        return sum(_start_height(f, canvas, width, frame_height) for f in flowable._content)
    _w, height = flowable.wrapOn(canvas, width, frame_height)
    if isinstance(flowable, ThaiParagraph):
        return min(height, HEAD_ROWS * flowable.leading)
    return float(height)


class _KeepWithNext(CondPageBreak):
    """Starts a new page unless a heading and the start of what follows it both fit.

    ``CondPageBreak(30 * mm)`` was a guess smaller than the chart that follows "จำแนกตามอำเภอ",
    which left that heading alone at the foot of a page; this measures what follows instead.
    (Platypus' ``keepWithNext`` would move a 10,000-row table whole, leaving a page empty.)
    """

    def __init__(self, flowables: Sequence[Flowable]) -> None:
        super().__init__(0)
        self._flowables = list(flowables)

    def __repr__(self) -> str:
        return f"_KeepWithNext({self._flowables[0]!r})"

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        frame = self._doctemplateAttr("frame")
        frame_height = getattr(frame, "_height", availHeight) if frame is not None else availHeight
        if frame is not None and getattr(frame, "_atTop", False):
            return 0, 0  # already at the top of a page: a break would only add an empty page
        needed = sum(_start_height(f, self.canv, availWidth, frame_height) for f in self._flowables)
        self.height = min(needed, frame_height * 0.8)
        return super().wrap(availWidth, availHeight)


def _keep_headings(story: Sequence[Flowable]) -> list[Flowable]:
    """``story`` with a ``_KeepWithNext`` before each heading, measuring the heading and what
    follows it up to the first thing that is not a spacer."""
    out: list[Flowable] = []
    for i, flowable in enumerate(story):
        if isinstance(flowable, _Heading):
            group = [flowable]
            for following in story[i + 1 :]:
                group.append(following)
                if not isinstance(following, Spacer) or isinstance(following, CondPageBreak):
                    break
            out.append(_KeepWithNext(group))
        out.append(flowable)
    return out


def _note(text: str) -> Flowable:
    return ThaiParagraph(_d(text), REGULAR, 8.5, color=MUTED)


def _number(value: int) -> str:
    return f"{value:,}"


# ---------------------------------------------------------------- bar chart


def _group_chart(groups: Sequence[GroupFigure], width: float) -> BarChart:
    """Bars per group (confirmed, attended, eligible), largest group first; the groups past
    the twelfth are summed as "others"."""
    shown = list(groups[:CHART_GROUPS])
    rest = groups[CHART_GROUPS:]
    if rest:
        shown.append(
            GroupFigure(
                _("อื่น ๆ"),
                sum(g.confirmed for g in rest),
                sum(g.attended for g in rest),
                sum(g.eligible for g in rest),
                sum(g.check_ins for g in rest),
                sum(g.seat_sessions for g in rest),
            )
        )
    return BarChart(
        [g.name or _("ไม่ระบุ") for g in shown],
        [
            (_("ได้ที่นั่ง"), [g.confirmed for g in shown]),
            (_("เข้าร่วมอย่างน้อย 1 ช่วง"), [g.attended for g in shown]),
            (_("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร"), [g.eligible for g in shown]),
        ],
        width,
        thai_numerals=_THAI_NUMERALS.get(),
    )


def _decimal(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _evaluation_section(results: FormResults, width: float) -> list[Flowable]:
    """The participants' evaluation: response rate, then (from MIN_RESPONSES_SHOWN answers)
    per question n, mean, S.D. and band with a chart of the means, the comments, and the
    tests' means and gain."""
    flow = _heading(_("ผลการประเมินความพึงพอใจ"))
    flow.append(
        _p(
            _(
                "ผู้ตอบแบบประเมิน %(n)s จากผู้เข้าร่วม %(of)s คน (%(rate)s)",
                n=_number(results.responses),
                of=_number(results.attendees),
                rate=format_rate(results.response_rate),
            ),
            size=BODY_SIZE,
        )
    )
    if not results.shown:
        flow.append(
            _note(
                _(
                    "แสดงผลเมื่อมีผู้ตอบอย่างน้อย %(n)d คน เพื่อไม่ให้ระบุได้ว่าใครตอบอย่างไร",
                    n=MIN_RESPONSES_SHOWN,
                )
            )
        )
    else:
        flow += _question_results(results, width)
    if results.test is not None:
        flow += _test_results(results.test)
    return flow


def _question_results(results: FormResults, width: float) -> list[Flowable]:
    """Per question n, mean, S.D. and band, a chart of the means, and the comments."""
    flow: list[Flowable] = []
    rows, number = [], 0
    for section, items in results.sections():
        if section:
            rows.append(["", section, "", "", "", ""])
        for item in items:
            number += 1
            rows.append(
                [
                    str(number),
                    item.question.text,
                    str(item.n),
                    _decimal(item.mean),
                    _decimal(item.sd),
                    item.band,
                ]
            )
    if results.overall is not None:
        o = results.overall
        rows.append(["", _("ภาพรวม"), str(o.n), _decimal(o.mean), _decimal(o.sd), o.band])
    fixed = [10 * mm, 0.0, 12 * mm, 16 * mm, 16 * mm, 22 * mm]
    fixed[1] = width - sum(fixed)
    flow.append(
        _table(
            [_("ข้อ"), _("รายการประเมิน"), "n", _("ค่าเฉลี่ย"), "S.D.", _("ระดับ")],
            rows,
            fixed,
            ["center", "left", "right", "right", "right", "left"],
        )
    )
    flow.append(Spacer(1, 1.5 * mm))
    flow.append(
        _note(
            _(
                "เกณฑ์การแปลผล: 4.51–5.00 มากที่สุด, 3.51–4.50 มาก, 2.51–3.50 ปานกลาง, "
                "1.51–2.50 น้อย, 1.00–1.50 น้อยที่สุด; S.D. คือส่วนเบี่ยงเบนมาตรฐาน"
            )
        )
    )
    flow.append(Spacer(1, 2 * mm))
    means = [item.mean for item in results.scale]
    labels = [_d(_("ข้อ %(n)d", n=number)) for number in range(1, len(means) + 1)]
    chart = MeanChart(labels, means, width, thai_numerals=_THAI_NUMERALS.get())
    flow.append(KeepTogether([_note(_("ค่าเฉลี่ยรายข้อ (เต็ม 5)")), Spacer(1, 1 * mm), chart]))
    for question in results.form.questions:
        texts = results.comments.get(question.id)
        if texts:
            flow += _heading(question.text)
            flow += [_p(f"• {text}", size=BODY_SIZE) for text in texts]
    return flow


def _test_results(test: TestResult) -> list[Flowable]:
    """The pre- and post-tests' means and the gain."""
    flow = _heading(_("แบบทดสอบก่อนและหลังการอบรม"))
    rows = [
        [_("ก่อนการอบรม"), _number(test.pre_n), _decimal(test.pre_mean)],
        [_("หลังการอบรม"), _number(test.post_n), _decimal(test.post_mean)],
        [_("เพิ่มขึ้นโดยเฉลี่ย"), "", _decimal(test.gain)],
    ]
    flow.append(
        _table(
            ["", _("ผู้ทำแบบทดสอบ"), _("คะแนนเฉลี่ย (เต็ม %(n)d)", n=test.questions)],
            rows,
            [50 * mm, 35 * mm, 45 * mm],
            ["left", "right", "right"],
        )
    )
    return flow


# ---------------------------------------------------------------- documents


def build_document(
    story: list[Flowable],
    title: str,
    author: str,
    footer: str,
    **info: str,
) -> bytes:
    """An A4 portrait document on the numbered archival canvas (``footer`` and ``หน้า n/N``
    on every page), each heading kept with what follows it: the reports and transcripts.
    ``info``: more of the document information (``subject``, ``keywords``)."""
    register_sarabun()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        author=author,
        pageCompression=1,
        **info,
    )
    doc.build(_keep_headings(story), canvasmaker=numbered_canvas(footer, _THAI_NUMERALS.get()))
    return buffer.getvalue()


def _group_rows(groups: Sequence[GroupFigure]) -> list[list[str]]:
    return [
        [
            g.name or _("ไม่ระบุ"),
            _number(g.confirmed),
            _number(g.attended),
            _number(g.eligible),
            format_rate(g.attendance_rate),
        ]
        for g in groups
    ]


def _group_table(title: str, groups: Sequence[GroupFigure], width: float) -> Flowable:
    numbers = 22 * mm
    header = [
        title,
        _("ได้ที่นั่ง"),
        _("เข้าร่วม"),
        _("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร"),
        _("อัตราการเข้าร่วม"),
    ]
    return LongTable(
        header,
        _cells(_group_rows(groups)),
        [width - 4 * numbers, numbers, numbers, numbers, numbers],
        ["left", "right", "right", "right", "right"],
    )


def _dates(report: WorkshopReport) -> str:
    if report.starts_at is None or report.ends_at is None:
        return "–"
    return format_date_range(report.starts_at, report.ends_at)


def workshop_report_story(report: WorkshopReport, width: float) -> list[Flowable]:
    """The flowables of a workshop's summary report (exposed for tests and the bench)."""
    return [
        _p(_("รายงานสรุปผลการอบรม"), BOLD, 17),
        _p(report.title, BOLD, 14),
        Spacer(1, 2 * mm),
        _facts(report, width),
        *_heading(_("สรุปจำนวน")),
        _totals(report),
        *_heading(_("การเข้าร่วมแต่ละช่วง")),
        *_sessions(report, width),
        *_heading(_("จำแนกตามอำเภอ")),
        *_by_district(report, width),
        *_heading(_("จำแนกตามหน่วยงาน")),
        _by_agency(report, width),
        *(_evaluation_section(report.evaluation, width) if report.evaluation is not None else []),
        *_heading(_("รายชื่อผู้ได้ที่นั่ง (%(n)s คน)", n=_number(report.confirmed))),
        _attendees(report, width),
        # No section for nobody: the totals already say "ไม่มาเข้าร่วมเลย 0", and an empty
        # section could be all a last page holds.
        *(
            [
                *_heading(_("ผู้ไม่มาเข้าร่วม (%(n)s คน)", n=_number(len(report.no_shows)))),
                _no_shows(report, width),
            ]
            if report.no_shows
            else []
        ),
        Spacer(1, 4 * mm),
        _note(_("จัดทำเมื่อ %(when)s", when=format_datetime(report.generated_at, "long"))),
    ]


def _facts(report: WorkshopReport, width: float) -> Flowable:
    """Who organised it, when and where, and the attendance rule."""
    label_w = 38 * mm
    threshold = _("เข้าร่วม%(rule)s", rule=report.rule_text)
    facts = [
        [_("หน่วยงานผู้จัด"), report.organizing_agency],
        [_("ปีงบประมาณ"), fiscal_year_number(report.fiscal_year)],
        [
            _("สถานที่"),
            venue_place(report.venue_name, report.venue_district, report.venue_province),
        ],
        [_("วันที่อบรม"), _dates(report)],
        [_("ประธานในพิธี"), report.presiding_official or "–"],
        [_("เกณฑ์การเข้าร่วม"), threshold],
    ]
    return _table(None, facts, [label_w, width - label_w])


def _totals(report: WorkshopReport) -> Flowable:
    kind = certificate_kind_label(report.certificate_kind)  # in the report's language
    totals = [
        [_("ลงทะเบียนทั้งหมด (รวมที่ยกเลิก)"), _number(report.registered)],
        [_("ได้ที่นั่ง"), _number(report.confirmed)],
        [_("รายชื่อสำรอง"), _number(report.waitlisted)],
        [pgettext("count", "ยกเลิก"), _number(report.cancelled)],
        [_("เข้าร่วมอย่างน้อย 1 ช่วง"), _number(report.attended)],
        [_("ไม่มาเข้าร่วมเลย"), _number(len(report.no_shows))],
        [_("ลา/ไปราชการ (คน-ช่วง)"), _number(report.excused)],
        [_("ชั่วโมงอบรมทั้งหมด"), format_hours(report.total_hours)],
        [_("อัตราการเข้าร่วม"), format_rate(report.attendance_rate)],
        [
            _("มีสิทธิ์รับ%(kind)s (ตามเกณฑ์การเข้าร่วม)", kind=kind),
            _number(report.certificate_eligible),
        ],
        [pgettext("count", "ออก%(kind)sแล้ว", kind=kind), _number(report.certificates_issued)],
    ]
    return _table(None, totals, [90 * mm, 30 * mm], ["left", "right"])


def _sessions(report: WorkshopReport, width: float) -> list[Flowable]:
    """Hours, check-ins, excused and absent per session, and how every rate in the report is
    counted."""
    session_rows = [
        [
            str(number),
            s.title or "–",
            f"{format_date(s.starts_at, 'short')} {format_time_range(s.starts_at, s.ends_at)}",
            format_hours(s.hours),
            _number(s.checked_in),
            _number(s.excused),
            _number(s.absent),
            format_rate(s.rate),
        ]
        for number, s in enumerate(report.sessions, start=1)
    ]
    n_w = 10 * mm
    num_w = 15 * mm
    excused_w = 18 * mm  # "ไปราชการ" whole on its line
    when_w = 40 * mm
    rate_w = 22 * mm
    return [
        LongTable(
            [
                _("ที่"),
                _("ช่วง"),
                _("วันเวลา"),
                _("ชั่วโมง"),
                pgettext("column", "เช็กอิน"),
                _("ลา/ไปราชการ"),
                _("ขาด"),
                _("ร้อยละของผู้ได้ที่นั่ง"),
            ],
            _cells(session_rows),
            [
                n_w,
                width - n_w - when_w - 3 * num_w - excused_w - rate_w,
                when_w,
                num_w,
                num_w,
                excused_w,
                num_w,
                rate_w,
            ],
            ["center", "left", "left", "right", "right", "right", "right", "right"],
        ),
        Spacer(1, 2 * mm),
        _note(
            _(
                "อัตราการเข้าร่วม = จำนวนเช็กอินทุกช่วงของผู้ได้ที่นั่ง ÷ (ผู้ได้ที่นั่ง × จำนวนช่วง); "
                "ร้อยละแต่ละช่วง = ผู้ได้ที่นั่งที่เช็กอินช่วงนั้น ÷ ผู้ได้ที่นั่ง; "
                "ผู้ไม่มาเข้าร่วม = ผู้ได้ที่นั่งที่ไม่มีเช็กอินเลย; "
                "ลา/ไปราชการ = ผู้ได้ที่นั่งที่ผู้จัดบันทึกการลาและไม่ได้เช็กอินช่วงนั้น; "
                "ขาด = ไม่ได้เช็กอินและไม่ได้ลา; "
                "มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร = ผู้ได้ที่นั่งที่ผ่านเกณฑ์การเข้าร่วม"
            )
        ),
    ]


def _by_district(report: WorkshopReport, width: float) -> list[Flowable]:
    if not report.by_district:
        return [_note(_("ยังไม่มีผู้ได้ที่นั่ง"))]
    return [
        _group_chart(report.by_district, width),
        Spacer(1, 2 * mm),
        _group_table(_("อำเภอ"), report.by_district, width),
    ]


def _by_agency(report: WorkshopReport, width: float) -> Flowable:
    if not report.by_agency:
        return _note(_("ยังไม่มีผู้ได้ที่นั่ง"))
    return _group_table(_("หน่วยงาน"), report.by_agency, width)


def _attendees(report: WorkshopReport, width: float) -> Flowable:
    """Everyone with a seat: hours (or sessions, by the workshop's rule) attended, sessions
    excused, and whether they meet the rule."""
    if not report.attendees:
        return _note(_("ยังไม่มีผู้ได้ที่นั่ง"))
    total = report.session_count
    by_hours = report.rule is not None and report.rule.by_hours
    total_hours = format_hours(report.total_hours)
    yes = _("ผ่าน")

    def attended(r: AttendeeRow) -> str:
        text = (
            f"{format_hours(r.hours)}/{total_hours}"
            if by_hours
            else f"{r.sessions_attended}/{total}"
        )
        return text + "\n" + _("ลา %(n)d", n=r.sessions_excused) if r.sessions_excused else text

    rows = [
        [
            _number(number),
            r.name,
            r.position,
            r.agency,
            r.district,
            attended(r),
            yes if r.eligible else "",
        ]
        for number, r in enumerate(report.attendees, start=1)
    ]
    widths = [12 * mm, 44 * mm, 0.0, 0.0, 21 * mm, 18 * mm, 12 * mm]
    rest = width - sum(widths)
    widths[2], widths[3] = rest * 0.42, rest * 0.58
    return LongTable(
        [
            _("ที่"),
            _("ชื่อ-สกุล"),
            _("ตำแหน่ง"),
            _("หน่วยงาน"),
            _("อำเภอ"),
            _("ชั่วโมง") if by_hours else _("เข้าร่วม"),
            _("เกณฑ์"),
        ],
        _cells(rows, name_column=1),
        widths,
        ["right", "left", "left", "left", "left", "center", "center"],
        name_column=1,
    )


def _no_shows(report: WorkshopReport, width: float) -> Flowable:
    """Seated people who never checked in, with a phone number to follow up and the sessions
    they were excused from."""
    if not report.no_shows:
        return _note(_("ผู้ได้ที่นั่งทุกคนเช็กอินอย่างน้อย 1 ช่วง"))
    total = report.session_count
    rows = [
        [
            _number(number),
            r.name,
            r.agency,
            r.district,
            r.phone,
            f"{r.sessions_excused}/{total}" if r.sessions_excused else "",
        ]
        for number, r in enumerate(report.no_shows, start=1)
    ]
    widths = [12 * mm, 48 * mm, 0.0, 25 * mm, 28 * mm, 18 * mm]
    widths[2] = width - sum(widths)
    return LongTable(
        [_("ที่"), _("ชื่อ-สกุล"), _("หน่วยงาน"), _("อำเภอ"), _("โทรศัพท์"), _("ลา (ช่วง)")],
        _cells(rows, name_column=1),
        widths,
        ["right", "left", "left", "left", "left", "center"],
        name_column=1,
    )


def _thai(render: Callable[[_R], bytes]) -> Callable[[_R], bytes]:
    """Reports are Thai official documents (BE dates, ``หน้า n/N``) whatever the language of
    the organizer's screen: labels are rendered from the Thai catalog."""

    @wraps(render)
    def wrapped(report: _R) -> bytes:
        with force_locale("th"):
            return render(report)

    return wrapped


@_thai
def render_workshop_report(report: WorkshopReport) -> bytes:
    """The workshop's summary report as PDF bytes (A4 portrait), in Thai."""
    width = PAGE[0] - 2 * MARGIN
    footer = f"{_('รายงานสรุปผลการอบรม')}: {report.title}"
    token = _THAI_NUMERALS.set(report.thai_numerals)
    try:
        return build_document(
            workshop_report_story(report, width),
            f"{_('รายงานสรุปผลการอบรม')} {report.title}",
            report.organizing_agency,
            footer,
        )
    finally:
        _THAI_NUMERALS.reset(token)


@_thai
def _year_totals(report: FiscalYearReport) -> Flowable:
    """The year in six figures."""
    totals = [
        [_("จำนวนการอบรม"), _number(report.workshop_count)],
        [_("ผู้ได้ที่นั่ง (นับทุกการอบรม)"), _number(report.participants)],
        [_("จำนวนเจ้าหน้าที่ (ไม่นับซ้ำ)"), _number(report.officers)],
        [_("เข้าร่วมอย่างน้อย 1 ช่วง"), _number(report.attended)],
        [_("อัตราการเข้าร่วม"), format_rate(report.attendance_rate)],
        [
            _("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร (ตามเกณฑ์การเข้าร่วม)"),
            _number(report.certificate_eligible),
        ],
    ]
    return _table(None, totals, [90 * mm, 30 * mm], ["left", "right"])


def _by_office(report: FiscalYearReport, width: float) -> Flowable:
    """A provincial office's roll-up: one line per office, its district and figures."""
    num = 17 * mm
    fixed = [0.0, 26 * mm, num, num, num, num, num]
    fixed[0] = width - sum(fixed)
    return LongTable(
        [
            _("หน่วยงาน"),
            _("อำเภอ"),
            _("การอบรม"),
            _("ได้ที่นั่ง"),
            _("เข้าร่วม"),
            _("อัตราการเข้าร่วม"),
            _("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร"),
        ],
        [
            [
                o.name,
                o.district or _("ระดับจังหวัด"),
                _number(o.workshops),
                _number(o.confirmed),
                _number(o.attended),
                format_rate(o.attendance_rate),
                _number(o.certificate_eligible),
            ]
            for o in report.by_office
        ],
        fixed,
        ["left", "left", "right", "right", "right", "right", "right"],
    )


def _year_workshops(report: FiscalYearReport, width: float) -> Flowable:
    """The year's workshops, numbered, each with its figures (and its office in a roll-up)."""
    if not report.workshops:
        return _note(_("ไม่มีการอบรมในปีงบประมาณนี้"))
    rows = [
        [
            _number(number),
            f"{w.title} ({w.office_name})" if report.rolls_up else w.title,
            format_date(w.starts_at, "short") if w.starts_at else "–",
            _number(w.confirmed),
            _number(w.attended),
            format_rate(w.attendance_rate),
            _number(w.certificate_eligible),
        ]
        for number, w in enumerate(report.workshops, start=1)
    ]
    num = 18 * mm
    fixed = [10 * mm, 0.0, 20 * mm, num, num, num, num]
    fixed[1] = width - sum(fixed)
    return LongTable(
        [
            _("ที่"),
            _("การอบรม"),
            _("วันเริ่ม"),
            _("ได้ที่นั่ง"),
            _("เข้าร่วม"),
            _("อัตราการเข้าร่วม"),
            _("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร"),
        ],
        rows,
        fixed,
        ["right", "left", "left", "right", "right", "right", "right"],
    )


def render_fiscal_year_report(report: FiscalYearReport) -> bytes:
    """The fiscal-year report as PDF bytes (A4 portrait), in Thai."""
    width = PAGE[0] - 2 * MARGIN
    # "รายงานการอบรมประจำปีงบประมาณ พ.ศ. 2559": the year's own label would say ปีงบประมาณ twice.
    title = f"{_('รายงานการอบรมประจำปีงบประมาณ')} {fiscal_year_number(report.fiscal_year)}"
    story: list[Flowable] = [
        _p(title, BOLD, 17),
        _note(
            _(
                "การอบรมที่เผยแพร่หรือปิดรับสมัครแล้ว ซึ่งช่วงแรกจัดระหว่าง 1 ตุลาคม %(start)d "
                "ถึง 30 กันยายน %(end)d (ไม่รวมฉบับร่างและที่ยกเลิก)",
                start=report.fiscal_year - 1,
                end=report.fiscal_year,
            )
        ),
    ]
    story += _heading(_("สรุปจำนวน"))
    story.append(_year_totals(report))

    if report.rolls_up:  # a provincial office: its own and its district offices' figures
        story += _heading(_("จำแนกตามหน่วยงานและอำเภอ"))
        story.append(_by_office(report, width))

    story += _heading(_("การอบรมในปีงบประมาณ"))
    story.append(_year_workshops(report, width))

    story += _heading(_("จำแนกตามอำเภอของผู้เข้าอบรม"))
    if report.by_district:
        story.append(_group_chart(report.by_district, width))
        story.append(Spacer(1, 2 * mm))
        story.append(_group_table(_("อำเภอ"), report.by_district, width))
    else:
        story.append(_note(_("ยังไม่มีผู้ได้ที่นั่ง")))
    story.append(Spacer(1, 4 * mm))
    story.append(_note(_("จัดทำเมื่อ %(when)s", when=format_datetime(report.generated_at, "long"))))
    return build_document(story, title, "", title)
