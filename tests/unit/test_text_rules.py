import unicodedata

import pytest

from workshop.services.text import TextRejected, clean_text


def test_thai_stacked_marks_are_kept_exactly():
    for name in ("กิ่งแก้ว", "ปิ่นทอง", "น้ำใจงาม", "ศักดิ์สิทธิ์", "ฤๅษี", "ผู้ใหญ่"):
        assert clean_text(name, max_length=50) == name


def test_text_is_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Café")
    assert clean_text(decomposed, max_length=50) == "Café"


def test_mixed_thai_and_latin_is_accepted():
    assert clean_text("การพัฒนา OTOP ปี 2559", max_length=50) == "การพัฒนา OTOP ปี 2559"


def test_white_space_is_folded_and_invisible_characters_dropped():
    assert clean_text("  กิ่ง\u200bแก้ว   ปิ่นทอง\ufeff ", max_length=50) == "กิ่งแก้ว ปิ่นทอง"


def test_direction_marks_are_dropped():
    assert clean_text("\u200fกิ่งแก้ว\u200e ปิ่นทอง\u061c", max_length=50) == "กิ่งแก้ว ปิ่นทอง"


def test_multiline_keeps_lines():
    assert clean_text("หัวข้อ 1\r\n  หัวข้อ 2 \n", max_length=50, multiline=True) == ("หัวข้อ 1\nหัวข้อ 2")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("อบรม 🎉", "อีโมจิ"),
        ("abc\x00def", "อักขระควบคุม"),
        ("abc\x07", "อักขระควบคุม"),
        ("invoice\u202egnp.exe", "อักขระควบคุม"),  # right-to-left override
        ("ชื่อ\u2067ซ่อน\u2069", "อักขระควบคุม"),  # right-to-left isolate
        ("บรรทัด\nสอง", "บรรทัดเดียว"),
        ("x" * 301, "ไม่เกิน 300"),
        ("   ", "กรุณากรอก"),
    ],
)
def test_bad_text_is_refused_with_a_reason(value, fragment):
    with pytest.raises(TextRejected) as info:
        clean_text(value, max_length=300, required=True)
    assert fragment in str(info.value)


def test_a_megabyte_is_refused_at_once():
    """Before the per-character checks: a megabyte in a small field must not cost seconds."""
    import time

    start = time.perf_counter()
    with pytest.raises(TextRejected) as info:
        clean_text("ก" * 1024 * 1024, max_length=100)
    assert "ไม่เกิน 100" in str(info.value)
    assert time.perf_counter() - start < 0.05
