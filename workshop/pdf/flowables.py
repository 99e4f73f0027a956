"""Platypus flowables on top of ``workshop.pdf.typeset``, for report tables and documents.

ReportLab's own Paragraph breaks lines at spaces and measures unshaped widths, so Thai in a
table cell either overflows or breaks inside a word; :class:`ThaiParagraph` wraps with the
typesetter instead and draws shaped text.
"""

from __future__ import annotations

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable

from workshop.pdf.fonts import REGULAR
from workshop.pdf.linebreak import is_space, segment
from workshop.pdf.typeset import Align, draw_text, line_metrics, text_width, wrap_lines


class ThaiParagraph(Flowable):
    """A paragraph of shaped text that wraps between words; usable in frames and table cells.

    ``leading`` defaults to the font's line height (1.3 × size for Sarabun); ``"\\n"`` in the
    text starts a new line.
    """

    def __init__(
        self,
        text: str,
        font: str = REGULAR,
        size: float = 14.0,
        leading: float | None = None,
        align: Align = "left",
        color: Color | None = None,
    ) -> None:
        super().__init__()
        self.text = text
        self.font = font
        self.size = size
        self.leading, self._baseline = line_metrics(font, size, leading)
        self.align: Align = align
        self.color = color
        self._lines: list[str] | None = None  # fixed lines: a piece of a split paragraph
        self._cached: list[str] = []
        self._wrapped_for: float | None = None

    def __repr__(self) -> str:
        return f"ThaiParagraph({self.text[:30]!r}, {self.font!r}, {self.size})"

    def _lines_for(self, width: float) -> list[str]:
        if self._lines is not None:
            return self._lines
        if self._wrapped_for != width:
            self._cached = wrap_lines(self.text, self.font, self.size, width)
            self._wrapped_for = width
        return self._cached

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Lay out for ``availWidth``; the height is one leading per line."""
        self.width = availWidth
        self.height = len(self._lines_for(availWidth)) * self.leading
        return self.width, self.height

    def minWidth(self) -> float:
        """The widest word: what a table with automatic column widths must leave for it."""
        return max(
            (
                text_width(token, self.font, self.size)
                for paragraph in self.text.split("\n")
                for token in segment(paragraph)
                if not is_space(token)
            ),
            default=0.0,
        )

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """Split between lines across frames or pages (a table cell is never split)."""
        lines = self._lines_for(availWidth)
        fit = int(availHeight // self.leading)
        if fit <= 0 or fit >= len(lines):
            return [] if fit <= 0 else [self]
        return [self._part(lines[:fit]), self._part(lines[fit:])]

    def _part(self, lines: list[str]) -> ThaiParagraph:
        part = ThaiParagraph(
            "\n".join(lines), self.font, self.size, self.leading, self.align, self.color
        )
        part._lines = lines
        return part

    def draw(self) -> None:
        canvas = self.canv
        lines = self._lines_for(self.width)
        x = {"left": 0.0, "center": self.width / 2.0, "right": self.width}[self.align]
        if self.color is not None:
            canvas.saveState()
            canvas.setFillColor(self.color)
        y = self.height - self._baseline
        for line in lines:
            draw_text(canvas, x, y, line, self.font, self.size, self.align)
            y -= self.leading
        if self.color is not None:
            canvas.restoreState()
