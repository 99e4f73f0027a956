"""Long tables of shaped Thai text that run over many pages (report attendee lists).

``LongTable`` measures its rows once, gives each page as many as fit, starts every page with the
header row again, and never splits a row. Splitting costs nothing per remaining row, so 10,000
rows lay out in linear time (platypus' ``Table`` re-measures what is left at every page break).

Cells wrap between words through the shared typesetter; a person's name breaks only at its
spaces. ASCII cells (numbers, phone numbers) skip shaping, and a cell line that repeats down the
list (agencies, districts) is shaped once per document and then placed again by translation.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from workshop.pdf.fonts import BOLD, REGULAR
from workshop.pdf.typeset import (
    Align,
    draw_text,
    fit_font_size,
    line_metrics,
    text_width,
    wrap_lines,
)
from workshop.thai.names import name_parts

TABLE_SIZE = 9.5
PAD = 3.0  # cell padding, points
# Header cells wrap onto two or three lines: at the font's 1.3 em a below-mark (ู of ผู้) meets
# the stacked marks of the line under it (ี่ of ที่), so headers get 1.5 em, and more room above
# and below, where stacked marks reached the rules.
HEADER_LEADING = 1.5
HEADER_PAD = 4.5  # above and below the header's lines
HEADER_FILL = colors.HexColor("#e8eef6")
ZEBRA_FILL = colors.HexColor("#f7f8fa")
GRID = colors.HexColor("#9aa5b1")
INK = colors.HexColor("#1f2933")


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
        min_row_height: float = 0.0,
    ) -> None:
        self.rows = rows
        self.min_row_height = min_row_height
        self.widths = list(widths)
        self.aligns = list(aligns)
        self.size = size
        self.leading, self.baseline = line_metrics(REGULAR, size)
        self.inner = [w - 2 * PAD for w in widths]
        self.header_leading, self.header_baseline = line_metrics(BOLD, size, size * HEADER_LEADING)
        self.header = [
            _cell_lines(h, BOLD, size, w) for h, w in zip(header, self.inner, strict=True)
        ]
        self.header_height = max(map(len, self.header)) * self.header_leading + 2 * HEADER_PAD
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
            row_height = max(map(len, cells)) * self.leading + 2 * PAD
            tops.append(tops[-1] + max(row_height, self.min_row_height))

    @property
    def complete(self) -> bool:
        return len(self.lines) == len(self.rows)


class LongTable(Flowable):
    """Rows of shaped text in fixed columns, split across pages with the header repeated.

    Rows never split; a row taller than a page would overflow (the cells here are short).
    ``min_row_height`` keeps every row at least that tall (room to sign on a sign-in sheet).
    """

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        aligns: Sequence[Align] | None = None,
        size: float = TABLE_SIZE,
        name_column: int | None = None,
        min_row_height: float = 0.0,
    ) -> None:
        super().__init__()
        aligns = aligns or ["left"] * len(widths)
        self.data = _Rows(header, rows, widths, aligns, size, name_column, min_row_height)
        self.first, self.end = 0, len(rows)

    def _part(self, first: int, end: int) -> LongTable:
        part = LongTable.__new__(LongTable)
        Flowable.__init__(part)
        part.data, part.first, part.end = self.data, first, end
        return part

    def head_height(self, rows: int) -> float:
        """The height of the header and the first ``rows`` rows (what a heading above the
        table needs beside it on its page)."""
        data = self.data
        end = min(self.end, self.first + rows)
        while len(data.lines) < end:
            data.measure(len(data.lines), 0.0)  # one more row
        return data.header_height + data.tops[end] - data.tops[self.first]

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
        header: bool = False,
    ) -> None:
        canvas, data = self.canv, self.data
        pad = HEADER_PAD if header else PAD  # vertical; PAD to the side in every row
        leading, baseline = (
            (data.header_leading, data.header_baseline) if header else (data.leading, data.baseline)
        )
        size = data.size
        if fill is not None:
            canvas.setFillColor(fill)
            canvas.rect(0, y_top - height, self.width, height, stroke=0, fill=1)
            canvas.setFillColor(INK)
            canvas.line(0, y_top, self.width, y_top)  # the fill covered half of the rule above
        if data.placed_doc is not canvas._doc:
            data.placed, data.placed_doc = {}, canvas._doc
        placed = data.placed
        x = 0.0
        for column, (lines, width, align) in enumerate(
            zip(cells, data.widths, data.aligns, strict=True)
        ):
            anchor = {"left": x + PAD, "center": x + width / 2, "right": x + width - PAD}[align]
            y = y_top - pad - baseline
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
                y -= leading
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
        self._draw_row(y, data.header_height, data.header, BOLD, HEADER_FILL, header=True)
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
