"""Summary report PDFs: one workshop's report and the fiscal-year report.

Layout with ReportLab platypus; every piece of text goes through the shared typesetter
(``ThaiParagraph`` in small tables, ``draw_text``/``wrap_lines`` in the long tables and the
chart), so Thai marks sit where they belong, cells wrap between words and the text layer
extracts exactly.

- Page numbers read ``หน้า 2/5``: the canvas keeps each finished page until the document is
  complete, then stamps the total on every page (one pass, no second build).
- Long lists (attendees, no-shows, workshops of a year) are :class:`LongTable` flowables:
  rows are measured once, each page takes as many as fit and starts with the header row again.
  Splitting costs nothing per remaining row, so 10,000 registrations lay out in linear time.
- The bar chart is drawn with ``reportlab.graphics`` (bars, axis, value labels in digits); its
  Thai labels and legend are drawn with the typesetter, since the chart's ``String`` cannot
  shape Thai.
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Callable, Sequence
from functools import lru_cache, wraps
from typing import Any, TypeVar

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
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
from workshop.pdf.flowables import ThaiParagraph
from workshop.pdf.fonts import BOLD, REGULAR, register_sarabun
from workshop.pdf.typeset import (
    Align,
    draw_text,
    fit_font_size,
    line_metrics,
    text_width,
    wrap_lines,
)
from workshop.services.evaluations import MIN_RESPONSES_SHOWN, FormResults
from workshop.services.reports import (
    FiscalYearReport,
    GroupFigure,
    WorkshopReport,
    format_rate,
)
from workshop.thai.dates import (
    format_date,
    format_datetime,
    format_fiscal_year,
    format_time_range,
)
from workshop.thai.names import name_parts

_R = TypeVar("_R", WorkshopReport, FiscalYearReport)

PAGE = A4
MARGIN = 15 * mm
FOOTER_SIZE = 9
BODY_SIZE = 10.5
TABLE_SIZE = 9.5
PAD = 3.0  # cell padding, points
HEADER_FILL = colors.HexColor("#e8eef6")
ZEBRA_FILL = colors.HexColor("#f7f8fa")
GRID = colors.HexColor("#9aa5b1")
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
SERIES = (colors.HexColor("#2f6fb3"), colors.HexColor("#e0892b"), colors.HexColor("#3a9d5d"))
CHART_GROUPS = 12  # bars per chart; the rest are summed into "others"


# ---------------------------------------------------------------- page numbers


class _NumberedCanvas(ArchivalCanvas):
    """Keeps finished pages until save(), then stamps ``หน้า n/total`` and the footer text on
    each: the total is known only when the last page is done."""

    footer = ""

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
        draw_text(self, width - MARGIN, y, f"หน้า {number}/{total}", REGULAR, FOOTER_SIZE, "right")
        self.restoreState()


def _canvasmaker(footer: str) -> type[_NumberedCanvas]:
    return type("ReportCanvas", (_NumberedCanvas,), {"footer": footer})


# ---------------------------------------------------------------- long tables


def _plain(text: str) -> bool:
    """ASCII text (numbers, phone numbers, Latin): nothing to shape, no marks, no Thai word
    breaks; drawn and measured by ReportLab directly, which is much cheaper per cell."""
    return text.isascii()


def _width(text: str, font: str, size: float) -> float:
    if _plain(text):
        return pdfmetrics.stringWidth(text, font, size)
    return text_width(text, font, size)


@lru_cache(maxsize=8192)
def _cell_lines(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """Lines of a cell (cached: agencies, positions and districts repeat down a long list)."""
    if "\n" not in text and _width(text, font, size) <= width:
        return (text,)  # fits: no word segmentation needed (most cells)
    return tuple(wrap_lines(text, font, size, width))


def _name_lines(name: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """A person's name breaks only between its parts (``name_parts``: prefix and first name,
    surname): a dictionary segmenter does not know names and would cut one apart. A part wider
    than the column stays whole and is drawn smaller (``LongTable._draw_row``)."""
    if _width(name, font, size) <= width:
        return (name,)
    lines: list[str] = []
    for part in name_parts(name):
        if lines and _width(f"{lines[-1]} {part}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {part}"
        else:
            lines.append(part)
    return tuple(lines) or ("",)


class _Recorder:
    """Stands in for the canvas while ``draw_text`` runs, keeping the operators it would add
    (shaped glyph codes, /ActualText span) so that they can be placed again and again."""

    def __init__(self, canvas: Canvas) -> None:
        self._doc = canvas._doc  # the document whose font subsets the glyph codes belong to
        self.bottomup = canvas.bottomup
        self.operators = ""

    def addLiteral(self, literal: str) -> None:
        self.operators = literal


class _Rows:
    """A long table's rows, measured lazily: a page's rows are wrapped just before the page
    is drawn, so their shaped runs are still in the typesetter's cache when drawn (10,000
    distinct names would not all fit in it)."""

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        aligns: Sequence[Align],
        size: float,
        name_column: int | None,
    ) -> None:
        self.rows = rows
        self.widths = list(widths)
        self.aligns = list(aligns)
        self.size = size
        self.leading, self.baseline = line_metrics(REGULAR, size)
        self.inner = [w - 2 * PAD for w in widths]
        self.header = [
            _cell_lines(h, BOLD, size, w) for h, w in zip(header, self.inner, strict=True)
        ]
        self.header_height = max(map(len, self.header)) * self.leading + 2 * PAD
        self.wrappers = [_cell_lines] * len(widths)
        if name_column is not None:
            self.wrappers[name_column] = _name_lines
        self.name_column = name_column
        self.lines: list[list[tuple[str, ...]]] = []
        self.tops = [0.0]  # tops[i]: height of the rows before row i (measured rows only)
        # Operators of repeated cell lines (agencies, positions, districts) drawn at the
        # origin, per document: placing them again costs one translation.
        self.placed: dict[tuple[str, str], tuple[str, float]] = {}
        self.placed_doc: object = None

    def measure(self, first: int, height: float) -> None:
        """Measure rows until those from ``first`` on are taller than ``height`` (or all)."""
        rows, tops, size = self.rows, self.tops, self.size
        while len(self.lines) < len(rows) and tops[-1] - tops[first] <= height:
            cells = [
                wrap(text, REGULAR, size, w)
                for wrap, text, w in zip(
                    self.wrappers, rows[len(self.lines)], self.inner, strict=True
                )
            ]
            self.lines.append(cells)
            tops.append(tops[-1] + max(map(len, cells)) * self.leading + 2 * PAD)

    @property
    def complete(self) -> bool:
        return len(self.lines) == len(self.rows)


class LongTable(Flowable):
    """Rows of shaped text in fixed columns, split across pages with the header repeated.

    Rows never split; a row taller than a page would overflow (the cells here are short).
    """

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        aligns: Sequence[Align] | None = None,
        size: float = TABLE_SIZE,
        name_column: int | None = None,
    ) -> None:
        super().__init__()
        aligns = aligns or ["left"] * len(widths)
        self.data = _Rows(header, rows, widths, aligns, size, name_column)
        self.first, self.end = 0, len(rows)

    def _part(self, first: int, end: int) -> LongTable:
        part = LongTable.__new__(LongTable)
        Flowable.__init__(part)
        part.data, part.first, part.end = self.data, first, end
        return part

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        data = self.data
        data.measure(self.first, availHeight - data.header_height)
        self.width = sum(data.widths)
        end = min(self.end, len(data.lines))
        # Not all measured: the rows measured are already taller than the room, which is
        # all the frame needs to know before it asks for a split.
        self.height = data.header_height + data.tops[end] - data.tops[self.first]
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        data = self.data
        room = availHeight - data.header_height
        data.measure(self.first, room)
        tops = data.tops
        last = min(self.end, len(data.lines))
        # The last row whose bottom is within the room (rows from self.first).
        end = bisect.bisect_right(tops, tops[self.first] + room, self.first, last + 1) - 1
        if end <= self.first:
            return []  # not even one row: start on the next page
        return [self._part(self.first, end), self._part(end, self.end)]

    def _draw_row(
        self,
        y_top: float,
        height: float,
        cells: list[tuple[str, ...]],
        font: str,
        fill: Any,
    ) -> None:
        canvas, data = self.canv, self.data
        size = data.size
        if fill is not None:
            canvas.setFillColor(fill)
            canvas.rect(0, y_top - height, self.width, height, stroke=0, fill=1)
            canvas.setFillColor(INK)
        if data.placed_doc is not canvas._doc:
            data.placed, data.placed_doc = {}, canvas._doc
        placed = data.placed
        x = 0.0
        for column, (lines, width, align) in enumerate(
            zip(cells, data.widths, data.aligns, strict=True)
        ):
            anchor = {"left": x + PAD, "center": x + width / 2, "right": x + width - PAD}[align]
            y = y_top - PAD - data.baseline
            for line in lines:
                if not line:
                    pass
                elif column == data.name_column:  # names are all different: draw directly
                    fitted = fit_font_size(line, font, width - 2 * PAD, size, size * 0.6)
                    draw_text(canvas, anchor, y, line, font, fitted, align)
                elif _plain(line) and column == 0:  # running numbers, all different
                    canvas.setFont(font, size)
                    canvas.drawRightString(anchor, y, line) if align == "right" else (
                        canvas.drawString(anchor, y, line)
                    )
                else:
                    found = placed.get((line, font))
                    if found is None:
                        recorder = _Recorder(canvas)
                        drawn = draw_text(recorder, 0, 0, line, font, size)  # type: ignore[arg-type]
                        found = placed[(line, font)] = (recorder.operators, drawn)
                    operators, drawn = found
                    left = anchor - {"left": 0.0, "center": drawn / 2, "right": drawn}[align]
                    canvas.addLiteral(f"q 1 0 0 1 {left:.2f} {y:.2f} cm\n{operators}\nQ")
                y -= data.leading
            x += width
        canvas.line(0, y_top - height, self.width, y_top - height)

    def draw(self) -> None:
        canvas, data = self.canv, self.data
        canvas.saveState()
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.4)
        canvas.setFillColor(INK)
        y = self.height
        canvas.line(0, y, self.width, y)
        self._draw_row(y, data.header_height, data.header, BOLD, HEADER_FILL)
        y -= data.header_height
        for i in range(self.first, self.end):
            height = data.tops[i + 1] - data.tops[i]
            self._draw_row(y, height, data.lines[i], REGULAR, ZEBRA_FILL if i % 2 else None)
            y -= height
        x = 0.0
        for width in [0.0, *data.widths]:
            x += width
            canvas.line(x, 0, x, self.height)
        canvas.restoreState()


# ---------------------------------------------------------------- small tables


def _p(text: str, font: str = REGULAR, size: float = TABLE_SIZE, align: Align = "left") -> Any:
    return ThaiParagraph(text, font, size, align=align)


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
        data.append([_p(h, BOLD, align=a) for h, a in zip(header, aligns, strict=True)])
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


def _heading(text: str) -> list[Flowable]:
    return [Spacer(1, 4 * mm), CondPageBreak(30 * mm), _p(text, BOLD, 13), Spacer(1, 1.5 * mm)]


def _note(text: str) -> Flowable:
    return ThaiParagraph(text, REGULAR, 8.5, color=MUTED)


def _number(value: int) -> str:
    return f"{value:,}"


# ---------------------------------------------------------------- bar chart


class GroupChart(Flowable):
    """Horizontal bars per group (confirmed, attended, eligible) with Thai labels."""

    LABEL_WIDTH = 45 * mm
    BAR_ROW = 19.0  # points per group

    def __init__(self, groups: Sequence[GroupFigure], width: float, others: str) -> None:
        super().__init__()
        shown = list(groups[:CHART_GROUPS])
        rest = groups[CHART_GROUPS:]
        if rest:
            shown.append(
                GroupFigure(
                    others,
                    sum(g.confirmed for g in rest),
                    sum(g.attended for g in rest),
                    sum(g.eligible for g in rest),
                    sum(g.check_ins for g in rest),
                    sum(g.seat_sessions for g in rest),
                )
            )
        self.groups = shown
        self.labels = [g.name or _("ไม่ระบุ") for g in shown]
        self.series = [
            _("ได้ที่นั่ง"),
            _("เข้าร่วมอย่างน้อย 1 ช่วง"),
            _("มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร"),
        ]
        self.width = width
        self.legend_height = 16.0
        self.axis_height = 16.0
        self.height = len(shown) * self.BAR_ROW + self.legend_height + self.axis_height + 4

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        n = len(self.groups)
        plot_x = self.LABEL_WIDTH + 4
        plot_w = self.width - plot_x - 24
        plot_h = n * self.BAR_ROW
        drawing = Drawing(self.width, self.height)
        chart = HorizontalBarChart()
        chart.x, chart.y = plot_x, self.axis_height
        chart.width, chart.height = plot_w, plot_h
        # With the category axis reversed, a group's first series is drawn lowest: list them
        # last to first so that "confirmed" is the top bar of each group, as in the legend.
        chart.data = [
            [g.eligible for g in self.groups],
            [g.attended for g in self.groups],
            [g.confirmed for g in self.groups],
        ]
        chart.categoryAxis.categoryNames = [""] * n  # Thai labels drawn below, shaped
        chart.categoryAxis.reverseDirection = 1  # largest group at the top
        chart.categoryAxis.visibleTicks = 0
        chart.categoryAxis.strokeColor = GRID
        chart.valueAxis.valueMin = 0
        top = max((max(row) for row in chart.data), default=0)
        chart.valueAxis.valueMax = max(top, 1) * 1.12
        chart.valueAxis.labels.fontName = REGULAR  # digits only: no shaping needed
        chart.valueAxis.labels.fontSize = 7.5
        chart.valueAxis.strokeColor = GRID
        chart.valueAxis.gridStrokeColor = colors.HexColor("#e4e7eb")
        chart.valueAxis.visibleGrid = 1
        chart.valueAxis.labelTextFormat = lambda v: f"{int(v):,}" if v == int(v) else ""
        chart.barSpacing = 0.5
        chart.groupSpacing = 4
        chart.barLabelFormat = "%d"
        chart.barLabels.fontName = REGULAR
        chart.barLabels.fontSize = 6.5
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 2
        for i, color in enumerate(reversed(SERIES)):
            chart.bars[i].fillColor = color
            chart.bars[i].strokeColor = None
        drawing.add(chart)
        renderPDF.draw(drawing, canvas, 0, 0)

        canvas.saveState()
        canvas.setFillColor(INK)
        for i, label in enumerate(self.labels):
            middle = self.axis_height + plot_h - (i + 0.5) * self.BAR_ROW
            lines = wrap_lines(label, REGULAR, 8.5, self.LABEL_WIDTH)
            if len(lines) > 1:  # keep to one line: shrink a long name rather than overlap
                size = max(6.0, 8.5 * self.LABEL_WIDTH / text_width(label, REGULAR, 8.5))
                draw_text(canvas, plot_x - 4, middle - size / 3, label, REGULAR, size, "right")
            else:
                draw_text(canvas, plot_x - 4, middle - 8.5 / 3, label, REGULAR, 8.5, "right")
        # Legend along the top.
        x = plot_x
        y = self.height - self.legend_height + 5
        for name, color in zip(self.series, SERIES, strict=True):
            canvas.setFillColor(color)
            canvas.rect(x, y, 8, 8, stroke=0, fill=1)
            canvas.setFillColor(INK)
            x += 11 + draw_text(canvas, x + 11, y + 1, name, REGULAR, 8.5) + 12
        canvas.restoreState()


class MeanChart(Flowable):
    """One horizontal bar per evaluation question: its mean on the 1–5 scale, labelled by the
    question's number in the table beside it (the questions are too long for a chart)."""

    ROW = 13.0  # points per question
    LABEL_WIDTH = 14 * mm

    def __init__(self, means: Sequence[float | None], width: float) -> None:
        super().__init__()
        self.means = list(means)
        self.width = width
        self.axis_height = 14.0
        self.height = len(self.means) * self.ROW + self.axis_height + 4

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        plot_x = self.LABEL_WIDTH
        plot_w = self.width - plot_x - 30
        top = self.height
        canvas.saveState()
        canvas.setLineWidth(0.4)
        for level in range(0, 6):  # grid at 0 … 5
            x = plot_x + plot_w * level / 5
            canvas.setStrokeColor(GRID if level == 0 else colors.HexColor("#e4e7eb"))
            canvas.line(x, self.axis_height, x, top - 2)
            draw_text(canvas, x, 3, str(level), REGULAR, 7.5, "center")
        for i, mean in enumerate(self.means):
            y = top - (i + 1) * self.ROW
            canvas.setFillColor(INK)
            draw_text(canvas, plot_x - 4, y + 3, _("ข้อ %(n)d", n=i + 1), REGULAR, 8, "right")
            if mean is None:
                continue
            canvas.setFillColor(SERIES[0])
            canvas.rect(plot_x, y + 2, plot_w * mean / 5, self.ROW - 4, stroke=0, fill=1)
            canvas.setFillColor(INK)
            draw_text(canvas, plot_x + plot_w * mean / 5 + 3, y + 3, f"{mean:.2f}", REGULAR, 7.5)
        canvas.restoreState()


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
        chart = MeanChart([item.mean for item in results.scale], width)
        flow.append(KeepTogether([_note(_("ค่าเฉลี่ยรายข้อ (เต็ม 5)")), Spacer(1, 1 * mm), chart]))
        for question in results.form.questions:
            texts = results.comments.get(question.id)
            if texts:
                flow += _heading(question.text)
                flow += [_p(f"• {text}", size=BODY_SIZE) for text in texts]
    if results.test is not None:
        test = results.test
        flow += _heading(_("แบบทดสอบก่อนและหลังการอบรม"))
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


def _build(story: list[Flowable], title: str, author: str, footer: str) -> bytes:
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
    )
    doc.build(story, canvasmaker=_canvasmaker(footer))
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
        _group_rows(groups),
        [width - 4 * numbers, numbers, numbers, numbers, numbers],
        ["left", "right", "right", "right", "right"],
    )


def _venue(report: WorkshopReport) -> str:
    parts = [report.venue_name]
    if report.venue_district:
        parts.append(f"อำเภอ{report.venue_district}")
    if report.venue_province:
        parts.append(f"จังหวัด{report.venue_province}")
    return " ".join(parts)


def _dates(report: WorkshopReport) -> str:
    if report.starts_at is None or report.ends_at is None:
        return "–"
    first, last = format_date(report.starts_at), format_date(report.ends_at)
    return first if first == last else f"{first} – {last}"


def workshop_report_story(report: WorkshopReport, width: float) -> list[Flowable]:
    """The flowables of a workshop's summary report (exposed for tests and the bench)."""
    story: list[Flowable] = [
        _p(_("รายงานสรุปผลการอบรม"), BOLD, 17),
        _p(report.title, BOLD, 14),
        Spacer(1, 2 * mm),
    ]
    label_w = 38 * mm
    threshold = _(
        "เข้าร่วมอย่างน้อย %(pct)d%% ของจำนวนช่วง (%(need)d จาก %(n)d ช่วง)",
        pct=report.attendance_threshold,
        need=report.sessions_required,
        n=report.session_count,
    )
    facts = [
        [_("หน่วยงานผู้จัด"), report.organizing_agency],
        [_("ปีงบประมาณ"), format_fiscal_year(report.fiscal_year)],
        [_("สถานที่"), _venue(report)],
        [_("วันที่อบรม"), _dates(report)],
        [_("ประธานในพิธี"), report.presiding_official or "–"],
        [_("เกณฑ์การเข้าร่วม"), threshold],
    ]
    story.append(_table(None, facts, [label_w, width - label_w]))

    story += _heading(_("สรุปจำนวน"))
    totals = [
        [_("ลงทะเบียนทั้งหมด (รวมที่ยกเลิก)"), _number(report.registered)],
        [_("ได้ที่นั่ง"), _number(report.confirmed)],
        [_("รายชื่อสำรอง"), _number(report.waitlisted)],
        [_("ยกเลิก"), _number(report.cancelled)],
        [_("เข้าร่วมอย่างน้อย 1 ช่วง"), _number(report.attended)],
        [_("ไม่มาเข้าร่วมเลย"), _number(len(report.no_shows))],
        [_("อัตราการเข้าร่วม"), format_rate(report.attendance_rate)],
        [
            _("มีสิทธิ์รับ%(kind)s (ตามเกณฑ์การเข้าร่วม)", kind=report.certificate_kind),
            _number(report.certificate_eligible),
        ],
        [_("ออก%(kind)sแล้ว", kind=report.certificate_kind), _number(report.certificates_issued)],
    ]
    story.append(_table(None, totals, [90 * mm, 30 * mm], ["left", "right"]))

    story += _heading(_("การเข้าร่วมแต่ละช่วง"))
    session_rows = [
        [
            str(number),
            s.title or "–",
            f"{format_date(s.starts_at, 'short')} {format_time_range(s.starts_at, s.ends_at)}",
            _number(s.checked_in),
            format_rate(s.rate),
        ]
        for number, s in enumerate(report.sessions, start=1)
    ]
    n_w = 10 * mm
    num_w = 24 * mm
    when_w = 45 * mm
    story.append(
        LongTable(
            [_("ที่"), _("ช่วง"), _("วันเวลา"), _("เช็กอิน"), _("ร้อยละของผู้ได้ที่นั่ง")],
            session_rows,
            [n_w, width - n_w - when_w - 2 * num_w, when_w, num_w, num_w],
            ["center", "left", "left", "right", "right"],
        )
    )
    story.append(Spacer(1, 2 * mm))
    story.append(
        _note(
            _(
                "อัตราการเข้าร่วม = จำนวนเช็กอินทุกช่วงของผู้ได้ที่นั่ง ÷ (ผู้ได้ที่นั่ง × จำนวนช่วง); "
                "ร้อยละแต่ละช่วง = ผู้ได้ที่นั่งที่เช็กอินช่วงนั้น ÷ ผู้ได้ที่นั่ง; "
                "ผู้ไม่มาเข้าร่วม = ผู้ได้ที่นั่งที่ไม่มีเช็กอินเลย; "
                "มีสิทธิ์รับเกียรติบัตร/วุฒิบัตร = ผู้ได้ที่นั่งที่ผ่านเกณฑ์การเข้าร่วม"
            )
        )
    )

    story += _heading(_("จำแนกตามอำเภอ"))
    if report.by_district:
        story.append(GroupChart(report.by_district, width, _("อื่น ๆ")))
        story.append(Spacer(1, 2 * mm))
        story.append(_group_table(_("อำเภอ"), report.by_district, width))
    else:
        story.append(_note(_("ยังไม่มีผู้ได้ที่นั่ง")))
    story += _heading(_("จำแนกตามหน่วยงาน"))
    if report.by_agency:
        story.append(_group_table(_("หน่วยงาน"), report.by_agency, width))
    else:
        story.append(_note(_("ยังไม่มีผู้ได้ที่นั่ง")))

    if report.evaluation is not None:
        story += _evaluation_section(report.evaluation, width)

    story += _heading(_("รายชื่อผู้ได้ที่นั่ง (%(n)s คน)", n=_number(report.confirmed)))
    total = report.session_count
    yes = _("ผ่าน")
    if report.attendees:
        rows = [
            [
                _number(number),
                r.name,
                r.position,
                r.agency,
                r.district,
                f"{r.sessions_attended}/{total}",
                yes if r.eligible else "",
            ]
            for number, r in enumerate(report.attendees, start=1)
        ]
        fixed = [12 * mm, 44 * mm, 0.0, 0.0, 22 * mm, 15 * mm, 14 * mm]
        rest = width - sum(fixed)
        fixed[2], fixed[3] = rest * 0.42, rest * 0.58
        story.append(
            LongTable(
                [
                    _("ที่"),
                    _("ชื่อ-สกุล"),
                    _("ตำแหน่ง"),
                    _("หน่วยงาน"),
                    _("อำเภอ"),
                    _("เข้าร่วม"),
                    _("เกณฑ์"),
                ],
                rows,
                fixed,
                ["right", "left", "left", "left", "left", "center", "center"],
                name_column=1,
            )
        )
    else:
        story.append(_note(_("ยังไม่มีผู้ได้ที่นั่ง")))

    story += _heading(_("ผู้ไม่มาเข้าร่วม (%(n)s คน)", n=_number(len(report.no_shows))))
    if report.no_shows:
        rows = [
            [_number(number), r.name, r.agency, r.district, r.phone]
            for number, r in enumerate(report.no_shows, start=1)
        ]
        fixed = [12 * mm, 50 * mm, 0.0, 25 * mm, 28 * mm]
        fixed[2] = width - sum(fixed)
        story.append(
            LongTable(
                [_("ที่"), _("ชื่อ-สกุล"), _("หน่วยงาน"), _("อำเภอ"), _("โทรศัพท์")],
                rows,
                fixed,
                ["right", "left", "left", "left", "left"],
                name_column=1,
            )
        )
    else:
        story.append(_note(_("ผู้ได้ที่นั่งทุกคนเช็กอินอย่างน้อย 1 ช่วง")))
    story.append(Spacer(1, 4 * mm))
    story.append(_note(_("จัดทำเมื่อ %(when)s", when=format_datetime(report.generated_at, "long"))))
    return story


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
    return _build(
        workshop_report_story(report, width),
        f"{_('รายงานสรุปผลการอบรม')} {report.title}",
        report.organizing_agency,
        footer,
    )


@_thai
def render_fiscal_year_report(report: FiscalYearReport) -> bytes:
    """The fiscal-year report as PDF bytes (A4 portrait), in Thai."""
    width = PAGE[0] - 2 * MARGIN
    year = format_fiscal_year(report.fiscal_year)
    story: list[Flowable] = [
        _p(_("รายงานการอบรมประจำปีงบประมาณ"), BOLD, 17),
        _p(year, BOLD, 14),
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
    story.append(_table(None, totals, [90 * mm, 30 * mm], ["left", "right"]))

    story += _heading(_("การอบรมในปีงบประมาณ"))
    if report.workshops:
        rows = [
            [
                _number(number),
                w.title,
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
        story.append(
            LongTable(
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
        )
    else:
        story.append(_note(_("ไม่มีการอบรมในปีงบประมาณนี้")))

    story += _heading(_("จำแนกตามอำเภอของผู้เข้าอบรม"))
    if report.by_district:
        story.append(KeepTogether([GroupChart(report.by_district, width, _("อื่น ๆ"))]))
        story.append(Spacer(1, 2 * mm))
        story.append(_group_table(_("อำเภอ"), report.by_district, width))
    else:
        story.append(_note(_("ยังไม่มีผู้ได้ที่นั่ง")))
    story.append(Spacer(1, 4 * mm))
    story.append(_note(_("จัดทำเมื่อ %(when)s", when=format_datetime(report.generated_at, "long"))))
    return _build(story, f"{_('รายงานการอบรมประจำปีงบประมาณ')} {year}", "", year)
