"""Sarabun for ReportLab and HarfBuzz, registered once per process.

Each face is a :class:`ShapingTTFont`: a ReportLab TrueType font (subsetting and embedding come
from ReportLab) whose glyphs can be addressed by glyph id, each with the source text it stands
for. That text goes into the subset's ToUnicode CMap, so a shaped glyph that has no character of
its own (a lowered tone mark, a ligature, the nikhahit split off SARA AM) still extracts to the
characters it was shaped from.

A glyph drawn with a PDF width other than its own advance (a mark shifted off its pen position,
see :meth:`ShapingTTFont.code_for`) gets a copy of its outline with that advance in the
embedded subset, so that the font dictionary's /Widths and the font program agree, as PDF/A
requires (ISO 19005-2, 6.2.11.5).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fontpkg_sarabun
import uharfbuzz as hb
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

REGULAR = "Sarabun"
BOLD = "Sarabun-Bold"
ITALIC = "Sarabun-Italic"
BOLD_ITALIC = "Sarabun-BoldItalic"

FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"
_FILES = {
    REGULAR: "Sarabun-Regular.ttf",
    BOLD: "Sarabun-Bold.ttf",
    ITALIC: "Sarabun-Italic.ttf",
    BOLD_ITALIC: "Sarabun-BoldItalic.ttf",
}

# Glyphs that need their own ToUnicode text get code points from Supplementary Private Use
# Area-A, which no real text here uses and Sarabun's cmap does not cover.
_VIRTUAL_FIRST = 0xF0000
_VIRTUAL_LAST = 0x10FFFD


class ShapingTTFont(TTFont):
    """A ReportLab TTFont whose glyphs can be drawn by glyph id with an explicit source text.

    ReportLab subsets by character: a subset is a list of code points and each one is drawn
    with the glyph the font's cmap gives it. :meth:`code_for` extends that map with private
    code points, one per (glyph id, text) pair, and :meth:`addObjects` writes the pair's text
    (possibly several characters, or none) into the ToUnicode CMap instead of the code point.
    """

    def __init__(self, name: str, path: Path) -> None:
        # shapable=False: ReportLab's own shaping path (drawString(shaping=True)) loses the
        # text layer; everything shaped goes through workshop.pdf.typeset instead.
        super().__init__(name, str(path), shapable=False)
        self.path = path
        self.codes: dict[tuple[int, str, float | None], tuple[str, float]] = {}
        self._actual_text: dict[int, str] = {}
        self._next_virtual = _VIRTUAL_FIRST
        self._lock = threading.Lock()
        self._scale = 1000.0 / self.face.unitsPerEm
        self._resized: dict[tuple[int, int], int] = {}  # (glyph id, advance) -> copy's id

    def code_for(self, gid: int, text: str, width: float | None = None) -> tuple[str, float]:
        """The one-character string that draws glyph ``gid`` and extracts as ``text``, and
        the advance (1/1000 em) the PDF gives it.

        ``width`` overrides that advance: a mark drawn away from its pen position can
        advance back to it by itself, with no negative TJ adjustment, which text extractors
        read as a word gap. Results are memoised in ``self.codes``.
        """
        key = (gid, text, width)
        found = self.codes.get(key)
        if found is not None:
            return found
        face = self.face
        if (
            width is None
            and len(text) == 1
            and text != "\xa0"
            and face.charToGlyph.get(ord(text)) == gid
        ):
            # The glyph is the character's own: ReportLab's plain path does it.
            found = (text, face.charWidths.get(ord(text), face.defaultWidth))
        else:
            with self._lock:
                found = self.codes.get(key)
                if found is not None:
                    return found
                point = self._next_virtual
                if point > _VIRTUAL_LAST:
                    raise RuntimeError(f"{self.fontName}: out of private code points")
                self._next_virtual += 1
                if width is None:
                    width = face.hmetrics[gid][0] * self._scale
                else:
                    advance = round(width / self._scale)
                    width = advance * self._scale
                    gid = self._with_advance(gid, advance)
                face.charToGlyph[point] = gid
                face.charWidths[point] = width
                self._actual_text[point] = text
                found = (chr(point), width)
        self.codes[key] = found
        return found

    def _with_advance(self, gid: int, advance: int) -> int:
        """A glyph id whose outline is ``gid``'s and whose advance is ``advance`` font units.

        ReportLab's subsetter copies a glyph's bytes from ``glyphPos[g]`` to
        ``glyphPos[g + 1]`` and its metrics from ``hmetrics[g]``: a copy is a pair of new ids
        past the font's own glyphs, the first pointing at the original's outline, the second a
        never-used end marker. The caller holds the lock.
        """
        face = self.face
        if face.hmetrics[gid][0] == advance:
            return gid
        found = self._resized.get((gid, advance))
        if found is not None:
            return found
        positions, metrics = face.glyphPos, face.hmetrics
        while len(metrics) < len(positions):  # ids line up: glyphPos has one end entry more
            metrics.append((0, 0))
        copy = len(positions)
        positions += [positions[gid], positions[gid + 1]]
        metrics += [(advance, metrics[gid][1]), (0, 0)]
        self._resized[(gid, advance)] = copy
        return copy

    def splitString(
        self, text: str, doc: pdfdoc.PDFDocument, encoding: str = "utf-8"
    ) -> list[tuple[int, bytes]]:
        """ReportLab's TTFont.splitString, with a fast path for text whose characters all
        have codes in this document already (most of a batch: one subset, few new glyphs)."""
        state = self.state.get(doc)
        if state is not None and isinstance(text, str):
            try:
                numbers = [state.assignments[point] for point in map(ord, text)]
            except KeyError:
                pass
            else:
                if not numbers:
                    return []
                subset = min(numbers) >> 8
                if max(numbers) >> 8 == subset:
                    return [(subset, bytes([n & 0xFF for n in numbers]))]
        return super().splitString(text, doc, encoding)

    def addObjects(self, doc: pdfdoc.PDFDocument) -> None:
        """ReportLab's TTFont.addObjects, with our ToUnicode CMap (see the class docstring)."""
        try:
            state = self.state[doc]
        except KeyError:
            state = self.state[doc] = TTFont.State(self._asciiReadable)
        state.frozen = 1
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_font_name = b"".join(
                (SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)
            ).decode("pdfdoc")

            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {n}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_font_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset)))

            cmap_stream = pdfdoc.PDFStream()
            cmap_stream.content = self._to_unicode_cmap(base_font_name, subset)
            if doc.compression:
                cmap_stream.filters = [pdfdoc.PDFZCompress]
            pdf_font.ToUnicode = doc.Reference(cmap_stream, "toUnicodeCMap:" + base_font_name)
            pdf_font.FontDescriptor = self.face.addSubsetObjects(doc, base_font_name, subset)

            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        del self.state[doc]

    def _to_unicode_cmap(self, name: str, subset: list[int]) -> str:
        """A ToUnicode CMap mapping each code to its text (UTF-16BE; ``<>`` for none)."""
        entries = []
        for code, point in enumerate(subset):
            text = self._actual_text.get(point)
            if text is None:
                text = chr(point)
            entries.append(f"<{code:02X}> <{text.encode('utf-16-be').hex().upper()}>")
        lines = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo << /Registry ({name}) /Ordering ({name}) /Supplement 0 >> def",
            f"/CMapName /{name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
        ]
        for start in range(0, len(entries), 100):  # at most 100 entries per block
            chunk = entries[start : start + 100]
            lines += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
        lines += [
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class FontFamily:
    """The four registered face names of a family, for ReportLab's <b>/<i> mapping."""

    regular: str
    bold: str
    italic: str
    bold_italic: str


_register_lock = threading.Lock()


def register_font(name: str, path: Path) -> ShapingTTFont:
    """Register a TrueType face under ``name`` (once; later calls return the same font)."""
    with _register_lock:
        existing = pdfmetrics._fonts.get(name)
        if isinstance(existing, ShapingTTFont):
            return existing
        font = ShapingTTFont(name, path)
        pdfmetrics.registerFont(font)
        return font


@cache
def register_sarabun() -> FontFamily:
    """Register Sarabun regular/bold/italic/bold-italic with ReportLab, once per process."""
    for name, filename in _FILES.items():
        register_font(name, FONT_DIR / filename)
    family = FontFamily(REGULAR, BOLD, ITALIC, BOLD_ITALIC)
    for bold, italic, face in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, ITALIC), (1, 1, BOLD_ITALIC)):
        addMapping(REGULAR, bold, italic, face)
    return family


def font_path(name: str) -> Path:
    """The file behind a registered face (Sarabun faces are registered on first use)."""
    return get_font(name).path


def get_font(name: str) -> ShapingTTFont:
    """The registered :class:`ShapingTTFont` called ``name``; Sarabun registers itself."""
    font = pdfmetrics._fonts.get(name)
    if isinstance(font, ShapingTTFont):
        return font
    if name in _FILES:
        register_sarabun()
        return get_font(name)
    raise KeyError(f"{name!r} is not a font registered with workshop.pdf.fonts.register_font")


@cache
def hb_font(name: str) -> hb.Font:
    """A HarfBuzz font for the face, at its design units (scale = units per em)."""
    blob = hb.Blob.from_file_path(str(font_path(name)))
    return hb.Font(hb.Face(blob))
