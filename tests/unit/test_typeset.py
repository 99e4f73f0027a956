"""The Thai typesetter: shaping, text layer, line breaking, fitting, golden renderings.

Needs poppler-utils (pdftotext, pdftoppm), which `make test` installs. Golden images live in
tests/golden/; regenerate them with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_typeset.py`
after a deliberate change, and look at them before committing.
"""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageOps, ImageStat
from pypdf import PdfReader
from pythainlp.tokenize import word_tokenize
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, shapeStr
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from workshop.pdf.flowables import ThaiParagraph
from workshop.pdf.fonts import (
    BOLD,
    BOLD_ITALIC,
    ITALIC,
    REGULAR,
    get_font,
    hb_font,
    register_sarabun,
)
from workshop.pdf.linebreak import is_space, segment
from workshop.pdf.typeset import (
    Align,
    draw_paragraph,
    draw_text,
    fit_font_size,
    line_metrics,
    shape,
    text_width,
    wrap_lines,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

MARKS = "ที่ กิ่ง ปิ่น น้ำ ผู้ใหญ่ ฤๅษี ศักดิ์"
NAME = "นางสาวกิ่งแก้ว ปิ่นทอง"
PARAGRAPH = (
    "สำนักงานปลัดกระทรวงมหาดไทยขอเชิญผู้ใหญ่บ้านและกำนันเข้าร่วมการฝึกอบรมเชิงปฏิบัติการ "
    "การพัฒนา OTOP ปี 2559 ณ ห้องประชุมศาลากลางจังหวัด สอบถามรายละเอียดได้ที่ "
    "kingkaew.p@example.go.th"
)
ROUND_TRIP = [
    MARKS,
    NAME,
    "สำนักงาน",
    "การพัฒนา OTOP ปี 2559",
    "kingkaew.p@example.go.th",
    "ทำดีๆ ฯลฯ กรุงเทพฯ (ภาษาไทย) officer ffi AV",
    "นาย\u00a0สมชาย  ใจดี 😀 中文 é",  # no-break space, double space, glyphs Sarabun lacks
]


# ---------------------------------------------------------------- helpers


def _pdf(draw: Callable[[Canvas], None], size: tuple[float, float] = (595, 842)) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _pdftotext(pdf: bytes, *options: str) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *options, "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8").rstrip("\n\f")


def _pypdf(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def _rasterise(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    source = tmp_path / "render.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "72", "-png", source, tmp_path / "page"], check=True)
    return [Image.open(p).convert("L") for p in sorted(tmp_path.glob("page-*.png"))]


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute pixel difference (0-255) over the box that has ink in either image, so
    that white margins do not dilute it; images of different sizes differ totally."""
    if a.size != b.size:
        return 255.0
    boxes = [box for box in (ImageOps.invert(a).getbbox(), ImageOps.invert(b).getbbox()) if box]
    if not boxes:
        return 0.0
    box = (
        min(x[0] for x in boxes),
        min(x[1] for x in boxes),
        max(x[2] for x in boxes),
        max(x[3] for x in boxes),
    )
    return ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean[0]


def _break_points(text: str, lines: list[str]) -> list[tuple[int, int]]:
    """(end of a line, start of the next) in ``text``; fails unless the lines rebuild it
    with nothing but whitespace dropped where lines break."""
    points = []
    pos = 0
    for n, line in enumerate(lines):
        start = pos
        if n:
            while start < len(text) and text[start].isspace():
                start += 1
            points.append((pos, start))
        assert text.startswith(line, start), (text, lines, n)
        pos = start + len(line)
    assert text[pos:].strip() == "", (text, lines)
    return points


def _token_at(tokens: list[str] | tuple[str, ...], offset: int) -> str:
    pos = 0
    for token in tokens:
        if pos < offset < pos + len(token):
            return token
        pos += len(token)
    return ""


def _boundaries(tokens: list[str] | tuple[str, ...]) -> set[int]:
    ends, pos = {0}, 0
    for token in tokens:
        pos += len(token)
        ends.add(pos)
    return ends


# ---------------------------------------------------------------- fonts and shaping


def test_fonts_register_once_and_expose_paths() -> None:
    family = register_sarabun()
    assert register_sarabun() is family
    assert (family.regular, family.bold, family.italic, family.bold_italic) == (
        REGULAR,
        BOLD,
        ITALIC,
        BOLD_ITALIC,
    )
    for name in (REGULAR, BOLD, ITALIC, BOLD_ITALIC):
        assert get_font(name) is get_font(name)
        assert get_font(name).path.name.startswith("Sarabun-")
        assert hb_font(name) is hb_font(name)
    with pytest.raises(KeyError):
        get_font("Helvetica")


def test_shaping_places_stacked_marks() -> None:
    """HarfBuzz's choices for Sarabun, as the PDF must reproduce them."""
    names = [g.name for g in shape("ปิ่น", REGULAR, 40).glyphs]
    # Short vowel and tone mark variants moved clear of ป's tall ascender.
    assert names == ["uni0E1B", "uni0E34.narrow", "uni0E48.small", "uni0E19"]
    tone = shape("ปิ่น", REGULAR, 40).glyphs[2]
    assert tone.x_offset < -4 and tone.x_advance == 0
    # The tone mark sits on top of the upper vowel (a dedicated small variant).
    assert [g.name for g in shape("ที่", REGULAR, 12).glyphs][-1] == "uni0E48.small"
    # SARA AM's nikhahit goes under the tone mark of น้ำ (one ligature glyph in Sarabun).
    assert "uni0E4D0E49" in [g.name for g in shape("น้ำ", REGULAR, 12).glyphs]


def test_shaped_run_width_and_source_text() -> None:
    run = shape(MARKS, BOLD, 24)
    assert run.width == pytest.approx(sum(g.x_advance for g in run.glyphs))
    assert run.width == pytest.approx(text_width(MARKS, BOLD, 24))
    assert "".join(g.text for g in run.glyphs) == MARKS
    assert text_width(MARKS, BOLD, 48) == pytest.approx(2 * run.width)
    assert text_width("", REGULAR, 12) == 0


def test_draw_text_alignment_returns_width() -> None:
    width = text_width(NAME, REGULAR, 20)

    def draw(canvas: Canvas) -> None:
        assert draw_text(canvas, 300, 400, NAME, REGULAR, 20, align="center") == width
        assert draw_text(canvas, 300, 300, NAME, REGULAR, 20, align="right") == width
        with pytest.raises(ValueError):
            draw_text(canvas, 0, 0, NAME, REGULAR, 20, align="justify")  # type: ignore[arg-type]

    _pdf(draw)


# ---------------------------------------------------------------- text layer


@pytest.mark.parametrize("text", ROUND_TRIP)
@pytest.mark.parametrize("font", [REGULAR, BOLD, ITALIC, BOLD_ITALIC])
def test_text_layer_extracts_to_the_input(text: str, font: str) -> None:
    pdf = _pdf(lambda c: draw_text(c, 40, 700, text, font, 24))
    assert _pdftotext(pdf) == text
    assert _pypdf(pdf) == text


@pytest.mark.parametrize("size", [12, 24, 40])
def test_text_layer_at_every_size(size: int) -> None:
    def draw(canvas: Canvas) -> None:
        draw_text(canvas, 20, 700, NAME, BOLD, size)
        draw_text(canvas, 20, 600, "สำนักงาน", REGULAR, size)

    pdf = _pdf(draw)
    assert _pdftotext(pdf).split() == [*NAME.split(), "สำนักงาน"]
    assert _pypdf(pdf).split("\n") == [NAME, "สำนักงาน"]


def test_reportlab_shaping_alone_would_lose_the_text() -> None:
    """Why the module exists: ReportLab's own shaped output places the marks but its text
    layer drops tone marks and turns SARA AM into NIKHAHIT + SARA AA."""
    if "SarabunPlainReportLab" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("SarabunPlainReportLab", str(get_font(REGULAR).path)))

    def draw(canvas: Canvas) -> None:
        for y, text in ((700, NAME), (600, "สำนักงาน")):
            line = canvas.beginText(40, y)
            line.setFont("SarabunPlainReportLab", 24)
            line.textOut(shapeStr(text, "SarabunPlainReportLab", 24))
            canvas.drawText(line)

    pdf = _pdf(draw)
    assert NAME not in _pdftotext(pdf) and "สำนักงาน" not in _pdftotext(pdf)
    assert NAME not in _pypdf(pdf) and "สำนักงาน" not in _pypdf(pdf)


@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_paragraph_extracts_line_by_line(align: Align) -> None:
    lines = wrap_lines(PARAGRAPH, REGULAR, 16, 260)
    pdf = _pdf(lambda c: draw_paragraph(c, 40, 800, PARAGRAPH, REGULAR, 16, 260, align=align))
    assert _pdftotext(pdf).split("\n") == lines
    assert _pypdf(pdf).split("\n") == lines


# ---------------------------------------------------------------- line breaking


def test_wrap_breaks_between_thai_words() -> None:
    lines = wrap_lines(PARAGRAPH, REGULAR, 16, 260)
    assert len(lines) > 2
    assert all(text_width(line, REGULAR, 16) <= 260 for line in lines)
    for end, start in _break_points(PARAGRAPH, lines):
        head = PARAGRAPH[:end].rstrip()
        assert end < start or end in _boundaries(word_tokenize(PARAGRAPH, engine="newmm")), head
    assert lines[-1] == "kingkaew.p@example.go.th"


def test_wrap_keeps_marks_and_repetition_with_their_word() -> None:
    for text in ("ดีๆ " * 12, "กรุงเทพฯ " * 8, "(ทดสอบ) " * 10):
        for width in (60, 90, 140):
            for line in wrap_lines(text.strip(), REGULAR, 14, width):
                assert not line.startswith(("ๆ", "ฯ", ")", " ")), line
                assert not line.endswith(("(", " ")), line


def test_wrap_splits_an_unbreakable_token_only_as_a_last_resort() -> None:
    email = "somchai.jaidee.ministry-of-interior@example.go.th"
    lines = wrap_lines(f"ติดต่อ {email}", REGULAR, 14, 120)
    assert lines[0] == "ติดต่อ"
    assert "".join(lines[1:]) == email
    assert all(text_width(line, REGULAR, 14) <= 120 for line in lines)
    assert all(line[-1] in "./@-" for line in lines[1:-1])  # after punctuation when possible
    # A Thai word wider than the column breaks between syllables.
    assert wrap_lines("ลำดับ", BOLD, 14, 28) == ["ลำ", "ดับ"]


def test_wrap_handles_newlines_and_blank_input() -> None:
    assert wrap_lines("", REGULAR, 14, 100) == [""]
    assert wrap_lines("   ", REGULAR, 14, 100) == [""]
    assert wrap_lines("ก\nข", REGULAR, 14, 100) == ["ก", "ข"]
    assert wrap_lines("ก\n\nข", REGULAR, 14, 100) == ["ก", "", "ข"]


THAI_WORDS = [
    "นางสาว",
    "กิ่งแก้ว",
    "ปิ่นทอง",
    "สำนักงาน",
    "ผู้ใหญ่",
    "ฤๅษี",
    "ศักดิ์สิทธิ์",
    "กระทรวง",
    "มหาดไทย",
    "การพัฒนา",
    "ศักยภาพ",
    "บุคลากร",
    "เชียงใหม่",
    "น้ำ",
    "ที่",
    "เกี่ยวข้อง",
    "ปฏิบัติการ",
    "ประชาสัมพันธ์",
    "จังหวัด",
    "อำเภอ",
    "ตำบล",
    "ดีๆ",
    "กรุงเทพฯ",
    "๒๕๕๙",
]
# Place names pythainlp's dictionary lacks (kept whole by the line breaker, which must still
# break only where pythainlp alone would), a few with a word that could swallow their start.
PLACE_WORDS = ["อำเภอวังทอง", "วัดโบสถ์", "ตำบลท่าหมื่นราม", "เนินมะปราง", "ผู้ใหญ่บ้านก้อง"]
LATIN_WORDS = ["OTOP", "Workshop", "ICT", "2559", "e-Government", "office", "AV", "(TH)"]
CONSONANTS = "กขคฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ"


@st.composite
def thai_syllable(draw: st.DrawFn) -> str:
    """A random, plausibly written Thai syllable from the block U+0E01-U+0E5B."""
    lead = draw(st.sampled_from(["", "", "", "เ", "แ", "โ", "ใ", "ไ"]))
    base = draw(st.sampled_from(CONSONANTS))
    vowel = draw(st.sampled_from(["", "", "ิ", "ี", "ึ", "ื", "ุ", "ู", "ั"]))
    tone = draw(st.sampled_from(["", "", "่", "้", "๊", "๋"]))
    if vowel == "" and tone == "" and lead == "":
        tail = draw(st.sampled_from(["", "า", "ะ", "ำ"]))
    else:
        tail = ""
    final = draw(st.sampled_from(["", "", "น", "ง", "ก", "ม", "ย", "ว"]))
    return lead + base + vowel + tone + tail + final


_latin = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABC0123456789"), min_size=1, max_size=14
)
_email = st.builds(lambda a, b: f"{a}@{b}.go.th", _latin, _latin)
# Unconstrained characters of the Thai block too: dangling marks, stray digits and signs.
_thai_block = st.text(st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B), max_size=3)
_token = st.one_of(
    st.sampled_from(THAI_WORDS),
    st.sampled_from(PLACE_WORDS),
    _thai_block.filter(bool),
    st.sampled_from(LATIN_WORDS),
    thai_syllable(),
    st.lists(thai_syllable(), min_size=2, max_size=4).map("".join),
    _latin,
    _email,
)


@st.composite
def mixed_text(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(_token, min_size=1, max_size=18))
    text = tokens[0]
    for token in tokens[1:]:
        text += draw(st.sampled_from(["", " ", " "])) + token
    return text


PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(text=mixed_text(), width=st.floats(60, 420), size=st.sampled_from([10, 14, 20]))
def test_wrap_properties(text: str, width: float, size: int) -> None:
    lines = wrap_lines(text, REGULAR, size, width)
    # Every line fits the frame.
    assert all(text_width(line, REGULAR, size) <= width + 1e-6 for line in lines)
    # The lines are the input, cut where it breaks, minus only the spaces at the cuts.
    words = word_tokenize(text, engine="newmm", keep_whitespace=True)
    boundaries = _boundaries(words)
    units = segment(text)
    for end, start in _break_points(text, lines):
        if end < start:
            continue  # broke at spaces
        # Otherwise the break is between two pythainlp words, or inside a single token that
        # is wider than the line by itself.
        assert (
            end in boundaries
            or text_width(_token_at(words, end), REGULAR, size) > width
            or text_width(_token_at(units, end), REGULAR, size) > width
        ), (text, lines, end)


@PROPERTY
@given(text=mixed_text())
def test_segment_breaks_only_between_pythainlp_words(text: str) -> None:
    units = segment(text)
    assert "".join(units) == text
    words = word_tokenize(text, engine="newmm", keep_whitespace=True)
    assert _boundaries(units) <= _boundaries(words)
    assert all(is_space(u) or not u.isspace() for u in units)


@PROPERTY
@given(text=mixed_text(), width=st.floats(80, 420))
def test_rendered_paragraph_round_trips(text: str, width: float) -> None:
    lines = wrap_lines(text, REGULAR, 14, width)
    leading, _ = line_metrics(REGULAR, 14)
    height = len(lines) * leading + 40
    pdf = _pdf(
        lambda c: draw_paragraph(c, 20, height - 20, text, REGULAR, 14, width),
        size=(width + 40, height),
    )
    # -raw: by default pdftotext joins a line ending in "-" to the next (e-|Government).
    assert _pdftotext(pdf, "-raw").split("\n") == lines
    assert _pypdf(pdf).split("\n") == lines


# ---------------------------------------------------------------- fitting


def test_fit_font_size_shrinks_a_long_name_until_it_fits() -> None:
    name = "นางสาวกิ่งแก้ว ปิ่นทองประเสริฐวงศ์ศักดิ์สกุลวัฒนา"
    size = fit_font_size(name, BOLD, 300, max_size=40, min_size=14)
    assert 14 < size < 40
    assert text_width(name, BOLD, size) <= 300
    assert text_width(name, BOLD, size + 0.01) > 300  # the largest 0.01 pt step that fits


def test_fit_font_size_keeps_max_for_short_and_min_for_impossible() -> None:
    assert fit_font_size("นายก ข", BOLD, 300, max_size=40, min_size=14) == 40
    assert fit_font_size("ก" * 200, BOLD, 300, max_size=40, min_size=14) == 14
    assert fit_font_size("", BOLD, 300, max_size=40, min_size=14) == 40


# ---------------------------------------------------------------- flowable


def test_thai_paragraph_in_a_table() -> None:
    buffer = io.BytesIO()
    cells = [
        [ThaiParagraph("ชื่อ-สกุล", BOLD, 14), ThaiParagraph("หน่วยงาน", BOLD, 14)],
        [
            ThaiParagraph(NAME),
            ThaiParagraph("สำนักงานปลัดกระทรวงมหาดไทย กรุงเทพมหานคร", color=colors.darkblue),
        ],
    ]
    table = Table(cells, colWidths=[170, 150])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
    SimpleDocTemplate(buffer).build([ThaiParagraph("รายงาน", BOLD, 20, align="center"), table])
    text = _pdftotext(buffer.getvalue())
    cell = wrap_lines("สำนักงานปลัดกระทรวงมหาดไทย กรุงเทพมหานคร", REGULAR, 14, 150 - 12)
    assert len(cell) > 1
    assert "\n".join(cell) in text
    assert text.startswith("รายงาน\n") and NAME in text
    # The title prefix stays with the first name, the surname stays whole.
    widest = max(text_width(w, REGULAR, 14) for w in ("นางสาวกิ่งแก้ว", "ปิ่นทอง"))
    assert ThaiParagraph(NAME).minWidth() == pytest.approx(widest)


def test_thai_paragraph_splits_between_lines() -> None:
    paragraph = ThaiParagraph(PARAGRAPH, size=16)
    _, height = paragraph.wrap(260, 1000)
    parts = paragraph.split(260, height / 2)
    assert len(parts) == 2
    first, second = (p._lines for p in parts)  # type: ignore[attr-defined]
    assert first + second == wrap_lines(PARAGRAPH, REGULAR, 16, 260)
    assert paragraph.split(260, 1) == []


# ---------------------------------------------------------------- golden images


def _golden_pages(canvas: Canvas, shaped: bool = True) -> None:
    """Page 1: the stacked-mark samples at 12, 24 and 40 pt and a bold name; page 2: a
    wrapped paragraph. ``shaped=False`` draws the same lines with plain ReportLab."""

    def line(x: float, y: float, text: str, font: str, size: float) -> None:
        if shaped:
            draw_text(canvas, x, y, text, font, size)
        else:
            canvas.setFont(font, size)
            canvas.drawString(x, y, text)

    canvas.setPageSize((600, 250))
    y = 250.0
    for text, font, size in ((MARKS, REGULAR, 12), (MARKS, REGULAR, 24), (MARKS, REGULAR, 40)):
        y -= size * 1.6
        line(20, y, text, font, size)
    line(20, 30, NAME, BOLD, 28)
    canvas.showPage()
    canvas.setPageSize((300, 170))
    if shaped:
        draw_paragraph(canvas, 20, 160, PARAGRAPH, REGULAR, 16, 260)
    else:
        leading, baseline = line_metrics(REGULAR, 16)
        y = 160 - baseline
        for text in wrap_lines(PARAGRAPH, REGULAR, 16, 260):
            line(20, y, text, REGULAR, 16)
            y -= leading


GOLDEN_NAMES = ["typeset-marks.png", "typeset-paragraph.png"]
GOLDEN_TOLERANCE = 0.8  # mean absolute difference (0-255) where there is ink


def test_golden_images(tmp_path: Path) -> None:
    pdf = _pdf(_golden_pages)
    pages = _rasterise(pdf, tmp_path)
    assert len(pages) == len(GOLDEN_NAMES)
    if UPDATE_GOLDEN:
        GOLDEN.mkdir(exist_ok=True)
        for page, name in zip(pages, GOLDEN_NAMES, strict=True):
            page.save(GOLDEN / name, optimize=True)
    for page, name in zip(pages, GOLDEN_NAMES, strict=True):
        golden = Image.open(GOLDEN / name).convert("L")
        assert _difference(page, golden) < GOLDEN_TOLERANCE, name


def test_golden_images_tell_unshaped_text_apart(tmp_path: Path) -> None:
    """The tolerance is tight enough that ReportLab's unshaped drawing would fail."""
    pages = _rasterise(_pdf(lambda c: _golden_pages(c, shaped=False)), tmp_path)
    for page, name in zip(pages, GOLDEN_NAMES, strict=True):
        golden = Image.open(GOLDEN / name).convert("L")
        assert _difference(page, golden) > 2 * GOLDEN_TOLERANCE, name
