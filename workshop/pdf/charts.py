"""Bar charts with Thai labels for report PDFs: groups of figures, and means on a scale.

The bars, axis and value labels (digits only) are ``reportlab.graphics``; the Thai labels and
the legend are drawn with the shared typesetter, since the chart's own ``String`` cannot shape
Thai. ``thai_numerals`` (the workshop's option) writes the figures, axis and bar values in Thai
numerals (they need no shaping either), the legend too; the row labels are names (districts)
and stay as written.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from workshop.pdf.fonts import REGULAR
from workshop.pdf.tables import GRID, INK
from workshop.pdf.typeset import draw_text, text_width, wrap_lines
from workshop.thai.numerals import digits

SERIES = (colors.HexColor("#2f6fb3"), colors.HexColor("#e0892b"), colors.HexColor("#3a9d5d"))


class BarChart(Flowable):
    """Horizontal bars: a row of bars per label, one bar per series (at most three, the first
    on top of each row, as in the legend above the chart)."""

    LABEL_WIDTH = 45 * mm
    BAR_ROW = 19.0  # points per label

    def __init__(
        self,
        labels: Sequence[str],
        series: Sequence[tuple[str, Sequence[int]]],
        width: float,
        thai_numerals: bool = False,
    ) -> None:
        super().__init__()
        if not 1 <= len(series) <= len(SERIES):
            raise ValueError(f"a chart shows 1 to {len(SERIES)} series")
        self.thai_numerals = thai_numerals
        self.labels = list(labels)
        self.series = [(name, list(values)) for name, values in series]
        self.colours = SERIES[: len(self.series)]
        self.width = width
        self.legend_height = 16.0
        self.axis_height = 16.0
        self.height = len(self.labels) * self.BAR_ROW + self.legend_height + self.axis_height + 4

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        n = len(self.labels)
        plot_x = self.LABEL_WIDTH + 4
        plot_w = self.width - plot_x - 24
        plot_h = n * self.BAR_ROW
        drawing = Drawing(self.width, self.height)
        chart = HorizontalBarChart()
        chart.x, chart.y = plot_x, self.axis_height
        chart.width, chart.height = plot_w, plot_h
        # With the category axis reversed, a row's first series is drawn lowest: list them
        # last to first so that the first series is the top bar of each row, as in the legend.
        chart.data = [values for _name, values in reversed(self.series)]
        chart.categoryAxis.categoryNames = [""] * n  # Thai labels drawn below, shaped
        chart.categoryAxis.reverseDirection = 1  # the first label at the top
        chart.categoryAxis.visibleTicks = 0
        chart.categoryAxis.strokeColor = GRID
        chart.valueAxis.valueMin = 0
        top = max((max(row, default=0) for row in chart.data), default=0)
        chart.valueAxis.valueMax = max(top, 1) * 1.12
        chart.valueAxis.labels.fontName = REGULAR  # digits only: no shaping needed
        chart.valueAxis.labels.fontSize = 7.5
        chart.valueAxis.strokeColor = GRID
        chart.valueAxis.gridStrokeColor = colors.HexColor("#e4e7eb")
        chart.valueAxis.visibleGrid = 1
        thai = self.thai_numerals
        chart.valueAxis.labelTextFormat = lambda v: (
            digits(f"{int(v):,}", thai) if v == int(v) else ""
        )
        chart.barSpacing = 0.5
        chart.groupSpacing = 4
        chart.barLabelFormat = lambda v: digits(f"{int(v)}", thai)
        chart.barLabels.fontName = REGULAR
        chart.barLabels.fontSize = 6.5
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 2
        for i, color in enumerate(reversed(self.colours)):
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
        for (name, _values), color in zip(self.series, self.colours, strict=True):
            canvas.setFillColor(color)
            canvas.rect(x, y, 8, 8, stroke=0, fill=1)
            canvas.setFillColor(INK)
            legend = digits(name, self.thai_numerals)
            x += 11 + draw_text(canvas, x + 11, y + 1, legend, REGULAR, 8.5) + 12
        canvas.restoreState()


class MeanChart(Flowable):
    """One horizontal bar per item: its mean on a 0–``scale`` axis, with a short label (the
    item's number in the table beside the chart: questions are too long for a chart)."""

    ROW = 13.0  # points per item
    LABEL_WIDTH = 14 * mm

    def __init__(
        self,
        labels: Sequence[str],
        means: Sequence[float | None],
        width: float,
        scale: int = 5,
        thai_numerals: bool = False,
    ) -> None:
        super().__init__()
        self.thai_numerals = thai_numerals
        self.labels = list(labels)
        self.means = list(means)
        self.scale = scale
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
        for level in range(self.scale + 1):  # grid at 0 … scale
            x = plot_x + plot_w * level / self.scale
            canvas.setStrokeColor(GRID if level == 0 else colors.HexColor("#e4e7eb"))
            canvas.line(x, self.axis_height, x, top - 2)
            draw_text(canvas, x, 3, digits(str(level), self.thai_numerals), REGULAR, 7.5, "center")
        for i, (label, mean) in enumerate(zip(self.labels, self.means, strict=True)):
            y = top - (i + 1) * self.ROW
            canvas.setFillColor(INK)
            draw_text(canvas, plot_x - 4, y + 3, label, REGULAR, 8, "right")
            if mean is None:
                continue
            bar = plot_w * mean / self.scale
            canvas.setFillColor(SERIES[0])
            canvas.rect(plot_x, y + 2, bar, self.ROW - 4, stroke=0, fill=1)
            canvas.setFillColor(INK)
            value = digits(f"{mean:.2f}", self.thai_numerals)
            draw_text(canvas, plot_x + bar + 3, y + 3, value, REGULAR, 7.5)
        canvas.restoreState()
