"""Thai typesetting on a ReportLab canvas: shaping, drawing, line breaking, fitting.

Every PDF in the project draws its text through this module, because plain ReportLab gets Thai
wrong in three ways (docs/architecture.md, "The PDF pipeline"):

1. It does no shaping, so stacked marks collide (the tone mark of ที่ sits inside the vowel,
   the marks of ปิ่น run into the tall ascender of ป). Here each run is shaped by HarfBuzz
   (script Thai, language th) and drawn glyph by glyph at the positions HarfBuzz gives.
2. Its line breaking knows only spaces, and Thai has none between words. Here lines break
   between pythainlp newmm words (see ``workshop.pdf.linebreak``), measured with the shaped
   advances rather than ReportLab's per-character widths.
3. Shaped glyphs lose the text layer (a lowered tone mark or a ligature has no character of
   its own). Here every glyph carries the source text it came from into the font's ToUnicode
   CMap (see ``workshop.pdf.fonts``), and every drawn run is also wrapped in a marked-content
   span with /ActualText, so pdftotext, pypdf, copy and paste and screen readers all get the
   exact input back.

Sizes are in points; shaping results are cached per (text, font) in font units, since without
hinting the advances scale linearly with the size.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import uharfbuzz as hb
from reportlab.pdfgen.canvas import Canvas

from workshop.pdf import linebreak
from workshop.pdf.fonts import BOLD, BOLD_ITALIC, ITALIC, REGULAR, get_font, hb_font
from workshop.pdf.linebreak import cluster_breaks, is_space, segment, soft_breaks, word_breaks

Align = Literal["left", "center", "right"]

_FEATURES: dict[str, bool] = {}  # HarfBuzz defaults: ccmp, locl, mark, mkmk, kern, liga, ...
_CLUSTER_LEVEL = hb.BufferClusterLevel.MONOTONE_CHARACTERS  # finest text-to-glyph mapping
_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


@dataclass(frozen=True, slots=True)
class Glyph:
    """One positioned glyph, in points, with the source text it extracts as."""

    gid: int
    name: str
    text: str
    x_advance: float
    x_offset: float
    y_offset: float


@dataclass(frozen=True, slots=True)
class ShapedRun:
    """A shaped run of text at one size: its glyphs and its width (the sum of the advances)."""

    text: str
    font: str
    size: float
    glyphs: tuple[Glyph, ...]
    width: float


@dataclass(frozen=True, slots=True)
class _Layout:
    """A shaped run in 1/1000 em, pre-digested for drawing (cached, size-independent).

    Lists rather than tuples because building it is the hot path; never mutated.
    """

    keys: list[tuple[int, str, float | None]]  # (glyph id, source text, PDF width) per glyph
    advances: list[float]
    x_offsets: list[float]
    y_offsets: list[float]
    advance: float  # total
    codes: str  # one character per glyph, for ShapingTTFont's subsets
    # Glyph indices before which the TJ array needs a number or the rise changes, with the
    # number (PDF sign: positive moves left; "" for none) and the rise (1/1000 em).
    stops: list[int]
    stop_kerns: list[str]
    stop_rises: list[float]
    span: str  # "/Span <</ActualText <FEFF...>>> BDC"


def _num(value: float) -> str:
    """A PDF number with at most three decimals (ReportLab's fp_str, without its cost)."""
    if value == int(value):
        return str(int(value))
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@lru_cache(maxsize=4096)
def _rise(y_offset: float, size: float) -> str:
    """The Ts operator for a glyph's y offset (1/1000 em) at ``size``; few distinct values."""
    return f"{_num(y_offset * size / 1000.0)} Ts"


# Strong characters: Thai, or a letter of another script. Everything else (spaces, digits,
# punctuation, marks) joins the run before it, or the first run when it leads.
_STRONG_RE = re.compile(r"(?P<thai>[\u0e00-\u0e7f]+)|(?:(?![\u0e00-\u0e7f])[^\W\d_])+")


def _script_runs(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_thai) runs to shape separately, each with its own script."""
    runs: list[tuple[int, int, bool]] = []
    start = 0
    current: bool | None = None
    for match in _STRONG_RE.finditer(text):
        thai = match.lastgroup == "thai"
        if current is None:
            current = thai
        elif thai != current:
            runs.append((start, match.start(), current))
            start, current = match.start(), thai
    runs.append((start, len(text), bool(current)))
    return runs


def _pieces(text: str, count: int) -> list[str]:
    """Share ``text`` among ``count`` glyphs of one cluster so that they concatenate to it."""
    if count == 1:
        return [text]
    if count <= len(text):
        return [*text[: count - 1], text[count - 1 :]]
    return [*text, *[""] * (count - len(text))]


def _shape(text: str, font: str) -> tuple[list[int], list[int], list[tuple[int, int, int, int]]]:
    """HarfBuzz over each run of one script: glyph ids, their clusters (index into ``text``)
    and positions (x offset, y offset, x advance, y advance) in font units."""
    hbf = hb_font(font)
    gids: list[int] = []
    clusters: list[int] = []
    positions: list[tuple[int, int, int, int]] = []
    for start, end, thai in _script_runs(text):
        buf = hb.Buffer()
        buf.cluster_level = _CLUSTER_LEVEL
        buf.add_str(text, start, end - start)
        buf.direction = "ltr"
        if thai:
            buf.script = "Thai"
            buf.language = "th"
        else:
            buf.guess_segment_properties()
        hb.shape(hbf, buf, _FEATURES)
        infos = buf.glyph_infos
        gids += [g.codepoint for g in infos]
        clusters += [g.cluster for g in infos]
        positions += [p.position for p in buf.glyph_positions]
    return gids, clusters, positions


@lru_cache(maxsize=16384)
def _layout(text: str, font: str) -> _Layout:
    # Written as comprehensions over whole runs: this is the hot path of batch rendering.
    ttf = get_font(font)
    gids, clusters, positions = _shape(text, font)
    if not gids:
        return _EMPTY
    x_offsets, y_offsets, advances, _ = (list(v) for v in zip(*positions, strict=True))
    if ttf.face.unitsPerEm != 1000:
        scale = 1000.0 / ttf.face.unitsPerEm
        advances, x_offsets, y_offsets = (
            [v * scale for v in values] for values in (advances, x_offsets, y_offsets)
        )

    # Source text per glyph: glyphs sharing a cluster share the characters up to the next one.
    # With it, the glyph's code key; a glyph moved off its pen position (a mark shifted left
    # of a tall consonant) gets a PDF width that brings the pen back, so no TJ adjustment
    # after it looks like a word gap.
    n = len(gids)
    ends = [*clusters[1:], len(text)]
    if all(map(operator.lt, clusters, ends)):  # one glyph per cluster, the usual case
        keys = [
            (gid, text[a:b], round(adv - xo, 1) if xo and adv >= xo else None)
            for gid, a, b, adv, xo in zip(gids, clusters, ends, advances, x_offsets, strict=False)
        ]
    else:
        texts: list[str] = []
        i = 0
        while i < n:
            j = i + 1
            while j < n and clusters[j] == clusters[i]:
                j += 1
            texts += _pieces(text[clusters[i] : ends[j - 1]], j - i)
            i = j
        keys = [
            (gid, t, round(adv - xo, 1) if xo and adv >= xo else None)
            for gid, t, adv, xo in zip(gids, texts, advances, x_offsets, strict=False)
        ]
    found = list(map(ttf.codes.get, keys))
    if None in found:
        found = [f or ttf.code_for(*key) for f, key in zip(found, keys, strict=True)]

    # TJ number before each glyph: what the previous glyph's PDF width left over, less the
    # glyph's own x offset (PDF sign: positive moves left).
    carries = [
        w - adv + xo for w, adv, xo in zip(map(_SECOND, found), advances, x_offsets, strict=False)
    ]
    carries.insert(0, 0.0)
    kerns = [
        round(carry - xo, 3) if carry != xo else 0.0
        for carry, xo in zip(carries, x_offsets, strict=False)
    ]
    rises = [0.0, *y_offsets]
    stops = [i for i in range(n) if kerns[i] or y_offsets[i] != rises[i]]
    actual = text.encode("utf-16-be").hex().upper()
    return _Layout(
        keys=keys,
        advances=advances,
        x_offsets=x_offsets,
        y_offsets=y_offsets,
        advance=sum(advances),
        codes="".join(map(_FIRST, found)),
        stops=stops,
        stop_kerns=[_num(kerns[i]) if kerns[i] else "" for i in stops],
        stop_rises=[y_offsets[i] for i in stops],
        span=f"/Span <</ActualText <FEFF{actual}>>> BDC",
    )


_EMPTY = _Layout([], [], [], [], 0.0, "", [], [], [], "")


def shape(text: str, font: str, size: float) -> ShapedRun:
    """Shape ``text`` with HarfBuzz; glyph positions and width in points at ``size``."""
    layout = _layout(text, font)
    k = size / 1000.0
    name = hb_font(font).glyph_to_string
    glyphs = tuple(
        Glyph(gid, name(gid), t, adv * k, xo * k, yo * k)
        for (gid, t, _), adv, xo, yo in zip(
            layout.keys, layout.advances, layout.x_offsets, layout.y_offsets, strict=True
        )
    )
    return ShapedRun(text, font, size, glyphs, layout.advance * k)


def text_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` on one line, from the shaped advances (kerning, ligatures, marks)."""
    return _layout(text, font).advance * size / 1000.0 if text else 0.0


def _text_operators(
    canvas: Canvas, x: float, y: float, layout: _Layout, font: str, size: float
) -> str:
    """PDF operators that show the run's glyphs, wrapped in its /ActualText span."""
    ttf = get_font(font)
    doc = canvas._doc
    stops, kerns, rises = layout.stops, layout.stop_kerns, layout.stop_rises
    out = [layout.span, f"BT 1 0 0 {1 if canvas.bottomup else -1} {_num(x)} {_num(y)} Tm"]
    size_str = _num(size)
    rise = 0.0
    k = 0  # next stop
    start = 0  # glyph index of the chunk's first byte
    for subset, chunk in ttf.splitString(layout.codes, doc):
        out.append(f"{ttf.getSubsetInternalName(subset, doc)} {size_str} Tf")
        end = start + len(chunk)
        items: list[str] = []
        done = start  # glyphs before this are in items
        while k < len(stops) and stops[k] < end:
            i = stops[k]
            if i > done:
                items.append(f"<{chunk[done - start : i - start].hex()}>")
                done = i
            if rises[k] != rise:
                if items:
                    out.append(f"[{' '.join(items)}] TJ")
                    items = []
                rise = rises[k]
                out.append(_rise(rise, size))
            if kerns[k]:
                items.append(kerns[k])
            k += 1
        if end > done:
            items.append(f"<{chunk[done - start :].hex()}>")
        if len(items) == 1 and items[0][0] == "<":
            out.append(f"{items[0]} Tj")
        elif items:
            out.append(f"[{' '.join(items)}] TJ")
        start = end
    if rise:
        out.append("0 Ts")
    out.append("ET EMC")
    return "\n".join(out)


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    align: Align = "left",
) -> float:
    """Draw one shaped line with its baseline at ``y``; ``x`` is the left, centre or right end.

    Uses the canvas's fill colour. Returns the drawn width.
    """
    if not text:
        return 0.0
    layout = _layout(text, font)
    width = layout.advance * size / 1000.0
    if align == "center":
        x -= width / 2.0
    elif align == "right":
        x -= width
    elif align != "left":
        raise ValueError(f"align must be left, center or right, not {align!r}")
    canvas.addLiteral(_text_operators(canvas, x, y, layout, font, size))
    return width


def _advance(text: str, font: str) -> float:
    return _layout(text, font).advance if text else 0.0


def _split_long(token: str, font: str, limit: float) -> list[str]:
    """Break a word wider than the line (last resort), keeping character clusters whole.

    A break between dictionary words (a protected phrase wider than the line), else between
    Thai syllables or after URL/e-mail punctuation, is preferred to one between any two
    clusters.
    """
    breaks = cluster_breaks(token)
    words = word_breaks(token)
    soft = soft_breaks(token)
    pieces: list[str] = []
    start = 0
    while _advance(token[start:], font) > limit:
        candidates = [b for b in breaks if b > start]
        if not candidates:
            break
        # The longest prefix that fits; a single cluster when even that does not.
        lo, hi = 0, len(candidates) - 1
        best = 0
        while lo <= hi:
            mid = (lo + hi) // 2
            if _advance(token[start : candidates[mid]], font) <= limit:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        cut = candidates[best]
        preferred = [b for b in words if start < b <= cut] or [b for b in soft if start < b <= cut]
        if preferred:
            cut = max(preferred)
        pieces.append(token[start:cut])
        start = cut
    pieces.append(token[start:])
    return pieces


def _wrap_paragraph(paragraph: str, font: str, limit: float) -> list[str]:
    """Greedy line filling over :func:`segment` tokens; ``limit`` in 1/1000 em."""
    tokens = list(segment(paragraph))
    n = len(tokens)
    lines: list[str] = []
    i = 0
    while True:
        if lines:  # whitespace where a line broke is dropped (a paragraph's indent is not)
            while i < n and is_space(tokens[i]):
                i += 1
        if i >= n:
            break
        ends: list[int] = []  # token index after each word that fits on this line
        width = 0.0
        j = i
        while j < n:
            token = tokens[j]
            w = width + _advance(token, font)
            if not is_space(token):
                # Summed advances miss kerning across joins: measure the line near the limit.
                if w > limit - 50.0:
                    w = _advance("".join(tokens[i : j + 1]), font)
                if w > limit:
                    break
                ends.append(j + 1)
            width = w
            j += 1
        # The estimate may still be a little short after many joins: check the real line.
        while len(ends) > 1 and _advance("".join(tokens[i : ends[-1]]), font) > limit:
            ends.pop()
        if ends:
            lines.append("".join(tokens[i : ends[-1]]))
            i = ends[-1]
            continue
        k = next((k for k in range(i, n) if not is_space(tokens[k])), None)
        if k is None:
            break
        if _advance(tokens[k], font) > limit:  # a word wider than the line: split it
            *full, tokens[k] = _split_long(tokens[k], font, limit)
            if not full:  # a single cluster wider than the line: it overflows alone
                lines.append(tokens[k])
                k += 1
            lines += full
        i = k  # an indent that leaves no room for the first word is dropped
    return lines or [""]


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points, only between words.

    ``"\\n"`` starts a new paragraph. Whitespace where a line breaks is dropped; nothing else
    is. A word wider than the line is broken at a character cluster as a last resort.
    """
    limit = width * 1000.0 / size
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        lines += _wrap_paragraph(paragraph, font, limit)
    return lines


def warm_up() -> None:
    """Load everything Thai text needs (word lists, fonts, HarfBuzz faces) before the first PDF.
    wsgi.py calls it; under gunicorn's preload_app that is once, in the master, and the workers
    share what it loaded."""
    linebreak.warm_up()
    for face in (REGULAR, BOLD, ITALIC, BOLD_ITALIC):
        text_width("อำเภอวังทอง", face, 10)


def line_metrics(font: str, size: float, leading: float | None = None) -> tuple[float, float]:
    """(leading, baseline offset from the top of a line box) for ``font`` at ``size``.

    The default leading is the font's ascent-to-descent height (1.3 em for Sarabun, room
    for Thai marks stacked above and below); the ascent-descent box is centred in the line.
    """
    face = get_font(font).face
    ascent, descent = face.ascent * size / 1000.0, -face.descent * size / 1000.0
    if leading is None:
        leading = ascent + descent
    return leading, (leading - ascent - descent) / 2.0 + ascent


def draw_paragraph(
    canvas: Canvas,
    x: float,
    y_top: float,
    text: str,
    font: str,
    size: float,
    width: float,
    leading: float | None = None,
    align: Align = "left",
) -> float:
    """Wrap ``text`` into ``width`` and draw it below ``y_top``; returns the y under it."""
    leading, baseline = line_metrics(font, size, leading)
    offset = {"left": 0.0, "center": width / 2.0, "right": width}[align]
    y = y_top
    for line in wrap_lines(text, font, size, width):
        draw_text(canvas, x + offset, y - baseline, line, font, size, align)
        y -= leading
    return y


def fit_font_size(text: str, font: str, width: float, max_size: float, min_size: float) -> float:
    """The largest size (at most ``max_size``, a multiple of 0.01 pt) at which ``text`` fits
    on one line of ``width`` points; never below ``min_size``, even if it then overflows.

    For names on certificates, which never wrap: they shrink.
    """
    advance = _advance(text, font)
    if advance <= 0:
        return max_size
    size = min(max_size, math.floor(width * 1000.0 / advance * 100.0) / 100.0)
    while size > min_size and advance * size / 1000.0 > width:  # float rounding guard
        size = round(size - 0.01, 2)
    return max(min_size, size)
