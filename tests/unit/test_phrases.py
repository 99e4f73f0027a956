"""Phrase-aware line breaking (issue 17): no line ends inside an era and its year, a number and
its unit, a title and the first name, a surname, or a domain compound.

Golden images are in tests/golden/; regenerate them with
`UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_phrases.py` after a deliberate change, and look
at them before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from tests.unit.test_typeset import (
    GOLDEN,
    GOLDEN_TOLERANCE,
    PROPERTY,
    THAI_WORDS,
    UPDATE_GOLDEN,
    _break_points,
    _difference,
    _pdf,
    _pdftotext,
    _rasterise,
)
from workshop.pdf import linebreak
from workshop.pdf.fonts import REGULAR
from workshop.pdf.linebreak import segment
from workshop.pdf.typeset import draw_text, line_metrics, text_width, wrap_lines
from workshop.thai.names import name_parts
from workshop.thai.phrases import PHRASES_FILE, phrases

# ---------------------------------------------------------------- segmentation


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "ให้ไว้ ณ วันที่ 22 ตุลาคม พ.ศ. 2558",
            ("ให้", "ไว้", " ", "ณ", " ", "วันที่", " ", "22", " ", "ตุลาคม", " ", "พ.ศ. 2558"),
        ),
        ("ปีงบประมาณ พ.ศ.2559", ("ปีงบประมาณ", " ", "พ.ศ.2559")),
        ("ชุมชน ปี 2559", ("ชุมชน", " ", "ปี 2559")),
        ("ในปี 2559", ("ใน", "ปี 2559")),
        ("รุ่นที่ 1 ปี ๒๕๕๙", ("รุ่น", "ที่", " ", "1", " ", "ปี ๒๕๕๙")),
        ("เวลา 08.30–16.30 น.", ("เวลา", " ", "08.30–16.30 น.")),
        ("จำนวน 25 คน 6 ชั่วโมง 2 ครั้ง", ("จำนวน", " ", "25 คน", " ", "6 ชั่วโมง", " ", "2 ครั้ง")),
        ("๒๕ คน", ("๒๕ คน",)),
        ("นางสาวกิ่งแก้ว ปิ่นทอง", ("นางสาวกิ่งแก้ว", " ", "ปิ่นทอง")),
        ("มอบให้นายเกียรติศักดิ์ ศรีกุลธนาวัฒน์", ("มอบให้", "นายเกียรติศักดิ์", " ", "ศรีกุลธนาวัฒน์")),
        ("ว่าที่ ร.ต.ธีรวัฒน์ บุญมี", ("ว่าที่ ร.ต.ธีรวัฒน์", " ", "บุญมี")),
        ("ดร.กิ่งแก้ว ณ อยุธยา", ("ดร.กิ่งแก้ว", " ", "ณ อยุธยา")),
        ("Mr. John Smith", ("Mr. John", " ", "Smith")),
        ("สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก", ("สำนักงาน", "พัฒนาชุมชน", "จังหวัดพิษณุโลก")),
        ("สำนักงานพัฒนาชุมชนอำเภอเมืองพิษณุโลก", ("สำนักงาน", "พัฒนาชุมชน", "อำเภอเมืองพิษณุโลก")),
        (
            "ตำบลวังทอง อำเภอวังทอง จังหวัดพระนครศรีอยุธยา",
            ("ตำบลวังทอง", " ", "อำเภอวังทอง", " ", "จังหวัดพระนครศรีอยุธยา"),
        ),
        ("ณ ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก", ("ณ", " ", "ศูนย์ศึกษาและพัฒนาชุมชน", "พิษณุโลก")),
        ("ปฏิบัติราชการแทน", ("ปฏิบัติราชการแทน",)),
    ],
)
def test_protected_phrases_are_one_token(text: str, tokens: tuple[str, ...]) -> None:
    assert segment(text) == tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # นาย starts a dictionary word here: no name follows.
        ("นายอำเภอวังทอง", ("นายอำเภอ", "วังทอง")),
        # A position ending in the unit keeps it: the title, then the place.
        ("พัฒนาการอำเภอวังทอง", ("พัฒนาการ", "อำเภอ", "วังทอง")),
        # A unit with no place name after it.
        ("จังหวัด 5 แห่ง", ("จังหวัด", " ", "5", " ", "แห่ง")),
        ("นายกเทศมนตรี", ("นายกเทศมนตรี",)),
        # A number without a unit, ปี with no year: ordinary breaks.
        ("ปีงบประมาณ 2", ("ปีงบประมาณ", " ", "2")),
        ("ชั้น 2 ห้อง 3", ("ชั้น", " ", "2", " ", "ห้อง", " ", "3")),
        # A unit only when the word ends there (คนงาน is not คน).
        ("5 คนงาน", ("5", " ", "คนงาน")),
    ],
)
def test_lookalikes_keep_their_breaks(text: str, tokens: tuple[str, ...]) -> None:
    assert segment(text) == tokens


def test_name_parts_for_narrow_columns() -> None:
    assert name_parts("นางสาวกิ่งแก้ว ปิ่นทอง") == ["นางสาวกิ่งแก้ว", "ปิ่นทอง"]
    assert name_parts("ว่าที่ ร.ต. ธีรวัฒน์  บุญมี") == ["ว่าที่ ร.ต. ธีรวัฒน์", "บุญมี"]
    assert name_parts("Mr. John Smith") == ["Mr. John", "Smith"]
    assert name_parts("ดร.กิ่งแก้ว ณ อยุธยา") == ["ดร.กิ่งแก้ว", "ณ อยุธยา"]
    assert name_parts("สมชาย ใจดี") == ["สมชาย", "ใจดี"]


def test_phrases_file_is_one_phrase_a_line_and_extensible(monkeypatch, tmp_path) -> None:
    assert "พัฒนาชุมชน" in phrases() and "ศูนย์ศึกษาและพัฒนาชุมชน" in phrases()
    assert all(" " not in p and p == p.strip() for p in phrases())
    # An office adds a phrase to the file; the segmenter keeps it whole from then on.
    extended = tmp_path / "phrases.txt"
    extended.write_text(PHRASES_FILE.read_text(encoding="utf-8") + "เครือข่ายองค์กร\n", "utf-8")
    assert segment("เครือข่ายองค์กรชุมชน") != ("เครือข่ายองค์กร", "ชุมชน")
    import workshop.thai.phrases as module

    monkeypatch.setattr(module, "PHRASES_FILE", extended)
    for cached in (module.phrases, module._phrase_pattern, linebreak.segment):
        cached.cache_clear()
    try:
        assert segment("เครือข่ายองค์กรชุมชน") == ("เครือข่ายองค์กร", "ชุมชน")
    finally:
        monkeypatch.undo()
        for cached in (module.phrases, module._phrase_pattern, linebreak.segment):
            cached.cache_clear()


# ---------------------------------------------------------------- property

NAMES = [
    ("นางสาว", "กิ่งแก้ว", "ปิ่นทอง"),
    ("นาย", "เกียรติศักดิ์", "ศรีกุลธนาวัฒน์"),
    ("นาง", "น้ำฝน", "ประเสริฐวงศ์"),
    ("ดร.", "ธีรวัฒน์", "ณ อยุธยา"),
    ("ว่าที่ ร.ต.", "สมชาย", "ใจดี"),
    ("Mr.", "John", "Smith"),
]
UNITS = ["น.", "คน", "ชั่วโมง", "ครั้ง"]
DIGITS = st.text(st.sampled_from("0123456789"), min_size=1, max_size=4)
YEARS = st.integers(2400, 2600).map(str) | st.integers(2400, 2600).map(
    lambda n: str(n).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
)


@st.composite
def protected(draw: st.DrawFn) -> list[str]:
    """One protected phrase as the pieces a line must keep together (an oracle independent of
    workshop.thai.phrases: the pieces are joined by the test, not found by the code)."""
    kind = draw(st.sampled_from(["era", "unit", "name", "compound"]))
    if kind == "era":
        return [
            draw(st.sampled_from(["พ.ศ.", "ค.ศ.", "ปี"])),
            draw(st.sampled_from([" ", ""])),
            draw(YEARS),
        ]
    if kind == "unit":
        return [draw(DIGITS), draw(st.sampled_from([" ", ""])), draw(st.sampled_from(UNITS))]
    if kind == "name":
        prefix, first, last = draw(st.sampled_from(NAMES))
        gap = " " if prefix[0].isascii() else ""
        # Title and first name are one piece, the surname another: a line may break between.
        return [f"{prefix}{gap}{first}", " ", last]
    return [draw(st.sampled_from(sorted(phrases())))]


FILLER = st.sampled_from([*THAI_WORDS, "สำนักงาน", "ผู้เข้าร่วม", "OTOP", "ปี", "วันที่", "และ"])


def _thai_letter(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e4e"  # not Thai digits: those glue to Latin text


@st.composite
def document_text(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    """Text with protected phrases among ordinary words; returns it and the phrases' spans
    (for a name: the title with the first name, and the surname, each its own span)."""
    text = ""
    spans: list[tuple[int, int]] = []
    for _ in range(draw(st.integers(1, 8))):
        gap = draw(st.sampled_from([" ", " ", ""]))
        pieces = draw(protected()) if draw(st.booleans()) else None
        filler = "" if pieces else draw(FILLER)
        first = (pieces[0] if pieces else filler)[:1]
        if first.isascii() and first.isalpha() and pieces:
            gap = " "  # a Latin title is written after a space (ปี Mr. John, not ปีMr.)
        if text and not _thai_letter(text[-1]) and not _thai_letter(first):
            gap = " "  # glued, digits and Latin letters read as one word: 0 น.0 น., 2400Mr.
        if text:
            text += gap
        if pieces:
            if len(pieces) == 3 and pieces[1] == " " and pieces[0][:1] in "นดวM":
                start = len(text)
                spans.append((start, start + len(pieces[0])))
                spans.append((start + len(pieces[0]) + 1, start + len("".join(pieces))))
                text += "".join(pieces) + " "  # a name ends at a space, as names are written
            else:
                spans.append((len(text), len(text) + len("".join(pieces))))
                text += "".join(pieces)
        else:
            text += filler
    return text.strip(), spans


@PROPERTY
@given(sample=document_text(), extra=st.floats(0, 300), size=st.sampled_from([10, 14, 17]))
def test_no_break_falls_inside_a_protected_phrase(
    sample: tuple[str, list[tuple[int, int]]], extra: float, size: int
) -> None:
    text, spans = sample
    # Wide enough for the widest phrase: then no last-resort cut is needed anywhere inside one.
    widest = max((text_width(text[a:b], REGULAR, size) for a, b in spans), default=0.0)
    widest = max([widest, *(text_width(t, REGULAR, size) for t in segment(text))])
    width = widest + extra
    lines = wrap_lines(text, REGULAR, size, width)
    for end, start in _break_points(text, lines):
        for a, b in spans:
            assert not (a < end < b or a < start < b), (text, lines, text[a:b])


# ---------------------------------------------------------------- golden images

# In a 160 pt column at 14 pt, dictionary breaks alone end lines inside two phrases here:
# มอบให้นางสาวกิ่ง|แก้ว and ณ ศูนย์|ศึกษาและพัฒนาชุมชน.
GOLDEN_PARAGRAPH = (
    "ให้ไว้ ณ วันที่ 22 ตุลาคม พ.ศ. 2558 เวลา 08.30–16.30 น. ผู้เข้าร่วม 25 คน "
    "มอบให้นางสาวกิ่งแก้ว ศรีกุลธนาวัฒน์ ณ ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก"
)
GOLDEN_WIDTH, GOLDEN_SIZE = 160.0, 14.0
GOLDEN_NAME = "phrases-paragraph.png"


def _draw_lines(canvas: Canvas, lines: list[str]) -> None:
    leading, baseline = line_metrics(REGULAR, GOLDEN_SIZE)
    canvas.setPageSize((GOLDEN_WIDTH + 20, len(lines) * leading + 20))
    y = len(lines) * leading + 10 - baseline
    for line in lines:
        draw_text(canvas, 10, y, line, REGULAR, GOLDEN_SIZE)
        y -= leading


def _dictionary_lines(text: str) -> list[str]:
    """The same paragraph wrapped with dictionary breaks only (what the code did before)."""
    saved = linebreak._keep_phrases
    linebreak._keep_phrases = lambda paragraph, tokens: tokens
    linebreak.segment.cache_clear()
    try:
        return wrap_lines(text, REGULAR, GOLDEN_SIZE, GOLDEN_WIDTH)
    finally:
        linebreak._keep_phrases = saved
        linebreak.segment.cache_clear()


def test_golden_phrases(tmp_path: Path) -> None:
    lines = wrap_lines(GOLDEN_PARAGRAPH, REGULAR, GOLDEN_SIZE, GOLDEN_WIDTH)
    assert lines == [
        "ให้ไว้ ณ วันที่ 22 ตุลาคม",
        "พ.ศ. 2558 เวลา",
        "08.30–16.30 น. ผู้เข้าร่วม",
        "25 คน มอบให้",
        "นางสาวกิ่งแก้ว",
        "ศรีกุลธนาวัฒน์ ณ",
        "ศูนย์ศึกษาและพัฒนาชุมชน",
        "พิษณุโลก",
    ]
    pdf = _pdf(lambda canvas: _draw_lines(canvas, lines))
    assert _pdftotext(pdf, "-raw").split("\n") == lines
    (page,) = _rasterise(pdf, tmp_path)
    if UPDATE_GOLDEN:
        page.save(GOLDEN / GOLDEN_NAME, optimize=True)
    golden = Image.open(GOLDEN / GOLDEN_NAME).convert("L")
    assert _difference(page, golden) < GOLDEN_TOLERANCE


def test_golden_phrases_tell_dictionary_breaks_apart(tmp_path: Path) -> None:
    """Dictionary breaks alone cut phrases in this paragraph, and the golden image shows it."""
    lines = _dictionary_lines(GOLDEN_PARAGRAPH)
    assert lines != wrap_lines(GOLDEN_PARAGRAPH, REGULAR, GOLDEN_SIZE, GOLDEN_WIDTH)
    (page,) = _rasterise(_pdf(lambda canvas: _draw_lines(canvas, lines)), tmp_path)
    golden = Image.open(GOLDEN / GOLDEN_NAME).convert("L")
    assert _difference(page, golden) > 2 * GOLDEN_TOLERANCE
