"""Place names as words for line breaking: the data, segmentation, wrapping.

pythainlp's dictionary has the provinces but few district or subdistrict names (วัง|ทอง); the
line breaker keeps every name from ``workshop.thai.placenames`` whole.
"""

from __future__ import annotations

import re

import pytest
from pythainlp.tokenize import word_dict_trie
from pythainlp.util import Trie

from workshop.pdf import linebreak
from workshop.pdf.fonts import REGULAR, register_sarabun
from workshop.pdf.linebreak import segment
from workshop.pdf.typeset import text_width, wrap_lines
from workshop.thai import phrases
from workshop.thai.placenames import PLACE_NAMES_FILE, place_names
from workshop.thai.provinces import PROVINCES

# Phitsanulok's nine districts, as the reference office writes them.
PHITSANULOK = [
    "เมืองพิษณุโลก",
    "นครไทย",
    "ชาติตระการ",
    "บางระกำ",
    "บางกระทุ่ม",
    "พรหมพิราม",
    "วัดโบสถ์",
    "วังทอง",
    "เนินมะปราง",
]
# From the reference workshop's public write-up: no place name but the province.
PROSE = (
    "เช้าวันนี้ ผู้ว่าราชการจังหวัดพิษณุโลก เป็นประธานในพิธีเปิดการประชุมเชิงปฏิบัติการ"
    "เพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชนในการขับเคลื่อนงานพัฒนาชุมชนจังหวัดพิษณุโลก ปี 2559 "
    "ซึ่งการจัดการประชุมดังกล่าว เป็นไปตามวิสัยทัศน์ ของกรมการพัฒนาชุมชน ที่กำหนด "
    "ให้ชุมชนเข้มแข็ง เศรษฐกิจฐานรากมั่นคง ภายใต้ 5 ประเด็นยุทธศาสตร์ "
    "โดยการน้อมนำหลักปรัชญาของเศรษฐกิจพอเพียงเป็นแนวทางในการส่งเสริมการพัฒนาชุมชนในพื้นที่"
    "รวมทั้งประสานงานการพัฒนาชุมชนกับส่วนราชการ องค์กร และประชาชน "
    "เพื่อให้หมู่บ้าน/ชุมชนเข้มแข็ง ประชาชนสามารถพึ่งตนเองได้"
)
# The same write-up where it names the venue's district.
VENUE_SENTENCE = (
    "เช้าวันนี้ ( 20 ต.ค.58 ) ที่ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก อำเภอวังทอง จังหวัดพิษณุโลก "
    "นายชูชาติ กีฬาแปง ผู้ว่าราชการจังหวัดพิษณุโลก เป็นประธานในพิธีเปิดการประชุม"
)


def _boundaries(tokens: tuple[str, ...]) -> set[int]:
    ends, pos = {0}, 0
    for token in tokens:
        pos += len(token)
        ends.add(pos)
    return ends


def _clear() -> None:
    linebreak._newmm.cache_clear()
    linebreak.segment.cache_clear()


def _without_place_names(text: str, *wrap: float) -> tuple[str, ...]:
    """``segment(text)`` (or ``wrap_lines(text, REGULAR, *wrap)``) with pythainlp's dictionary
    alone, as before place names (as words, and after their unit: ``thai.phrases``)."""
    _clear()
    with pytest.MonkeyPatch.context() as patch:
        bare = linebreak._WordsAndPlaces(word_dict_trie(), Trie(()))
        patch.setattr(linebreak, "_dictionary", lambda: bare)
        patch.setattr(phrases, "place_names", frozenset)
        result = tuple(wrap_lines(text, REGULAR, *wrap)) if wrap else segment(text)
    _clear()
    return result


# ---------------------------------------------------------------- the data


def test_place_names_cover_districts_subdistricts_and_provinces() -> None:
    names = place_names()
    assert len(names) > 6000  # 928 districts and 7,436 subdistricts, many names shared
    assert set(PHITSANULOK) <= names
    assert {"ป้อมปราบศัตรูพ่าย", "พระนคร", "บางรัก"} <= names  # Bangkok's เขต, prefix dropped
    assert {"ท่าหมื่นราม", "วังพิกุล", "บ้านกลาง", "ปอภาร", "ปอพาน"} <= names  # subdistricts
    assert set(PROVINCES) <= names


def test_place_names_file_is_names_only_sorted_with_its_source() -> None:
    lines = PLACE_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    names = [line for line in lines if not line.startswith("#")]
    assert "GeoThai" in " ".join(header) and "CC BY 4.0" in " ".join(header)
    assert names == sorted(set(names))
    assert all(re.fullmatch(r"[\u0e01-\u0e4e.\-]+", name) for name in names), "one name a line"
    assert not any(name.startswith("เขต") and name[3:] in names for name in names)


# ---------------------------------------------------------------- segmentation


@pytest.mark.parametrize("district", PHITSANULOK)
def test_district_names_are_one_word(district: str) -> None:
    # After a position ending in อำเภอ, the name is a word of its own ...
    assert segment(f"พัฒนาการอำเภอ{district}จังหวัดพิษณุโลก") == (
        "พัฒนาการ",
        "อำเภอ",
        district,
        "จังหวัดพิษณุโลก",
    )
    # ... elsewhere one with its unit (thai.phrases): อำเภอ|วังทอง never breaks either.
    assert segment(f"อำเภอ{district}") == (f"อำเภอ{district}",)
    assert segment(f"สำนักงานพัฒนาชุมชนอำเภอ{district}")[-1] == f"อำเภอ{district}"


def test_agency_name_from_the_reference_office() -> None:
    # พัฒนาชุมชน is a protected compound (workshop/thai/data/phrases.txt), and so is a unit
    # with its place name.
    assert segment("สำนักงานพัฒนาชุมชนอำเภอวังทอง") == ("สำนักงาน", "พัฒนาชุมชน", "อำเภอวังทอง")


def test_subdistrict_names_are_one_word() -> None:
    assert segment("ตำบลท่าหมื่นราม อำเภอวังทอง") == ("ตำบลท่าหมื่นราม", " ", "อำเภอวังทอง")
    # pythainlp alone reads แข|วงวัง|บูรพา|ภิรมย์; only breaks both readings make are kept,
    # so the prefix stays glued to this one, and nothing inside it breaks.
    assert segment("แขวงวังบูรพาภิรมย์ เขตพระนคร") == ("แขวงวังบูรพาภิรมย์", " ", "เขตพระนคร")


def test_no_place_name_is_broken_after_its_prefix() -> None:
    """Every district and subdistrict name, after อำเภอ and after ตำบล: no break inside it
    (a few, like จ.ป.ร., stay glued to the prefix, which breaks nothing either)."""
    broken = []
    for name in sorted(place_names()):
        for prefix in ("อำเภอ", "ตำบล"):
            inside = set(range(len(prefix) + 1, len(prefix) + len(name)))
            if _boundaries(segment(prefix + name)) & inside:
                broken.append(prefix + name)
    assert broken == []


def test_ordinary_text_is_segmented_as_before() -> None:
    # But for the province after จังหวัด as a word (not inside ผู้ว่าราชการจังหวัด).
    province = PROSE.index("ชุมชนจังหวัดพิษณุโลก") + len("ชุมชนจังหวัด")
    assert _boundaries(segment(PROSE)) == _boundaries(_without_place_names(PROSE)) - {province}


def test_a_place_name_only_joins_its_own_parts() -> None:
    before = _without_place_names(VENUE_SENTENCE)
    start = VENUE_SENTENCE.index("วังทอง")
    inside = set(range(start + 1, start + len("วังทอง")))
    assert _boundaries(before) & inside  # วัง|ทอง, without the names
    # ... and อำเภอ|วังทอง, จังหวัด|พิษณุโลก (thai.phrases) no longer break either.
    province = VENUE_SENTENCE.index("จังหวัดพิษณุโลก ") + len("จังหวัด")
    assert _boundaries(segment(VENUE_SENTENCE)) == _boundaries(before) - inside - {
        start,
        province,
    }


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("ผู้ใหญ่บ้านก้อง", "ผู้ใหญ่บ้าน"),  # บ้านก้อง is a subdistrict
        ("การเมืองนราธิวาส", "การเมือง"),  # เมืองนราธิวาส is a district
    ],
)
def test_names_never_add_a_break_inside_an_ordinary_word(text: str, word: str) -> None:
    tokens = segment(text)
    assert _boundaries(tokens) <= _boundaries(_without_place_names(text))
    assert not _boundaries(tokens) & set(range(1, len(word)))


# ---------------------------------------------------------------- wrapping


def test_a_narrow_cell_wraps_before_the_district_not_inside_it() -> None:
    register_sarabun()
    position = "พัฒนาการอำเภอวังทอง"  # the attendee table's position column: 81 pt at 9.5 pt
    assert _without_place_names(position, 9.5, 81) == ("พัฒนาการอำเภอวัง", "ทอง")
    assert wrap_lines(position, REGULAR, 9.5, 81) == ["พัฒนาการอำเภอ", "วังทอง"]


def test_a_name_wider_than_its_line_still_breaks_as_a_last_resort() -> None:
    register_sarabun()
    width = text_width("เนินมะปราง", REGULAR, 14) * 0.6
    lines = wrap_lines("เนินมะปราง", REGULAR, 14, width)
    assert len(lines) > 1 and "".join(lines) == "เนินมะปราง"
    assert all(text_width(line, REGULAR, 14) <= width for line in lines)
