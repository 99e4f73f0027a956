"""Layout of the certificate and the reports as printed (issue 17, defects 1-3).

Each defect has a check that fails on the layout it was seen in: word boxes from
``pdftotext -bbox`` (robust across machines: positions come from the PDF, not from pixels),
ink measured on pages rasterised by pdftoppm, and golden images of certificates compared with the
typesetter's tolerance. Regenerate the goldens with
`UPDATE_GOLDEN=1 .venv/bin/pytest tests/integration/test_document_layout.py` after a deliberate
change, and look at them before committing.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from tests.pdf_checks import pdftotext
from tests.unit.test_typeset import (
    GOLDEN,
    GOLDEN_TOLERANCE,
    UPDATE_GOLDEN,
    _difference,
    _rasterise,
)
from workshop.pdf.certificate import (
    HEIGHT,
    CertificateArt,
    CertificateText,
    Signatory,
    render_pages,
)
from workshop.pdf.report import render_fiscal_year_report, render_workshop_report
from workshop.services.reports import (
    AttendeeRow,
    FiscalYearReport,
    FiscalYearWorkshop,
    GroupFigure,
    SessionFigure,
    WorkshopReport,
)

LONG_AGENCY = "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก กรมการพัฒนาชุมชน กระทรวงมหาดไทย"
LONG_TITLE = (
    "โครงการฝึกอบรมเชิงปฏิบัติการเพื่อพัฒนาศักยภาพผู้นำชุมชนและเจ้าหน้าที่พัฒนาชุมชนในการขับเคลื่อน"
    "เศรษฐกิจฐานรากตามหลักปรัชญาของเศรษฐกิจพอเพียง ประจำปีงบประมาณ พ.ศ. 2559"
)
DATES = "ระหว่างวันที่ 20–22 ตุลาคม พ.ศ. 2558"
CODE = "7K2M-QD9X-4TNB-H8RW"


# ---------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float  # from the top of the page, as poppler gives it
    x1: float
    y1: float
    page: int

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def overlaps(self, other: Word, slack: float = 0.0) -> bool:
        return (
            self.page == other.page
            and self.x0 < other.x1 + slack
            and other.x0 < self.x1 + slack
            and self.y0 < other.y1 + slack
            and other.y0 < self.y1 + slack
        )


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def words(pdf: bytes) -> list[Word]:
    """Every word poppler finds, with its box in points."""
    html = pdftotext(pdf, "-bbox")
    out: list[Word] = []
    for page, body in enumerate(html.split("<page ")[1:], start=1):
        for x0, y0, x1, y1, text in _WORD.findall(body):
            out.append(Word(unescape(text), float(x0), float(y0), float(x1), float(y1), page))
    return out


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (300, 300)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, size[0] - 10, size[1] - 10), fill=(*colour, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


LOGO = _png((20, 60, 140))
SIGNATURE = _png((10, 10, 80), (400, 120))


def certificate(
    agency: str = "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
    title: str = "การอบรมการพัฒนาสินค้า OTOP",
    signatories: int = 1,
    number: str = "1/2559",
) -> CertificateText:
    people = (
        Signatory("นายสมศักดิ์ ทองดี", "ผู้ว่าราชการจังหวัดพิษณุโลก"),
        Signatory("นางสาวพิมพ์ชนก ศรีสุข", "พัฒนาการจังหวัดพิษณุโลก\nปฏิบัติราชการแทน"),
    )
    return CertificateText(
        agency=agency,
        kind="วุฒิบัตร",
        name="นางสาวกิ่งแก้ว ปิ่นทอง",
        body=f"ได้ผ่านการฝึกอบรมหลักสูตร{title}\n{DATES}\nณ ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก",
        given="ให้ไว้ ณ วันที่ 22 ตุลาคม พ.ศ. 2558",
        signatories=people[:signatories],
        number=number,
        code=CODE,
        url=f"https://workshop.example.go.th/verify/{CODE}",
    )


def _ink_rows(page: Image.Image, margin: int) -> list[bool]:
    """Per pixel row inside the frame (``margin`` pixels in from each edge): any ink?"""
    inner = page.crop((margin, margin, page.width - margin, page.height - margin))
    width = inner.width
    data = inner.tobytes()
    return [min(data[y * width : (y + 1) * width]) < 200 for y in range(inner.height)]


def _largest_gap(rows: list[bool]) -> int:
    """The tallest run of rows without ink between the first and the last inked row."""
    first = rows.index(True)
    last = len(rows) - 1 - rows[::-1].index(True)
    gap = longest = 0
    for ink in rows[first : last + 1]:
        gap = 0 if ink else gap + 1
        longest = max(longest, gap)
    return longest


# ---------------------------------------------------------------- 1. agency and number


@pytest.mark.parametrize("logo", [False, True], ids=["no-logo", "logo"])
@pytest.mark.parametrize("agency", [LONG_AGENCY, "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"])
def test_no_text_on_a_certificate_runs_into_another(agency: str, logo: bool) -> None:
    """Defect 1: without a logo a long agency line ran into "เลขที่ 1/2559" at the top right.
    No two words on the page overlap, whatever the logo, agency, title and signatories."""
    for title, signatories in (("การอบรม OTOP", 1), (LONG_TITLE, 2)):
        pdf = render_pages(
            [certificate(agency, title, signatories)],
            CertificateArt(logo=LOGO if logo else None, signatures=(SIGNATURE, SIGNATURE)),
        )
        found = words(pdf)
        assert [w.text for w in found].count("เลขที่ 1/2559") == 1
        # Each drawn line is one "word" here (its /ActualText span); boxes may abut.
        for i, word in enumerate(found):
            for other in found[i + 1 :]:
                assert not word.overlaps(other, slack=-0.5), (word, other)


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    agency_words=st.integers(1, 12),
    title_words=st.integers(1, 40),
    signatories=st.integers(0, 2),
    logo=st.booleans(),
)
def test_no_text_overlaps_whatever_the_lengths(
    agency_words: int, title_words: int, signatories: int, logo: bool
) -> None:
    """The same, for agencies, titles and signatories of any length and number."""
    agency = " ".join(["สำนักงานพัฒนาชุมชน"] * agency_words)
    title = "".join(["การพัฒนาศักยภาพผู้นำชุมชน"] * title_words)
    pdf = render_pages(
        [certificate(agency, title, signatories)],
        CertificateArt(logo=LOGO if logo else None, signatures=(SIGNATURE, SIGNATURE)),
    )
    found = words(pdf)
    for i, word in enumerate(found):
        for other in found[i + 1 :]:
            assert not word.overlaps(other, slack=-0.5), (word, other)


# ---------------------------------------------------------------- 2. balance and title size


@pytest.mark.parametrize("logo", [False, True], ids=["no-logo", "logo"])
def test_the_certificate_is_balanced_with_and_without_a_logo(logo: bool, tmp_path: Path) -> None:
    """Defect 2: everything sat in the top half over an empty band (about 40 % of the page
    without a logo). Inside the frame no band without ink is taller than 12 % of the page,
    and the text reaches below the middle of the page."""
    art = CertificateArt(logo=LOGO if logo else None, signatures=(SIGNATURE,))
    (page,) = _rasterise(render_pages([certificate()], art), tmp_path)
    margin = round(16 / 25.4 * 72)  # inside the frame
    rows = _ink_rows(page, margin)
    assert _largest_gap(rows) < 0.12 * page.height
    given = next(w for w in words(render_pages([certificate()], art)) if w.text.startswith("ให้ไว้"))
    assert given.y0 > HEIGHT * 0.55  # the last line of text sits well down the page


def test_a_long_title_takes_three_lines_at_the_size_of_the_dates() -> None:
    """Defect 2: a long title shrank to two lines at 12 pt, under 16 pt date lines. It takes
    up to three lines, each at least as large as the dates."""
    found = words(render_pages([certificate(title=LONG_TITLE)]))  # a "word" is a line here
    dates = next(w for w in found if w.text == DATES)
    first = next(w for w in found if w.text.startswith("ได้ผ่านการฝึกอบรม"))
    title = [w for w in found if first.y0 <= w.y0 < dates.y0]
    assert 2 <= len(title) <= 3
    assert "".join(w.text for w in title).replace(" ", "") == (
        f"ได้ผ่านการฝึกอบรมหลักสูตร{LONG_TITLE}".replace(" ", "")
    )
    for line in title:
        assert line.height >= dates.height - 0.05, line


CERTIFICATE_GOLDENS = {
    "certificate-no-logo.png": (certificate(LONG_AGENCY), CertificateArt(signatures=(SIGNATURE,))),
    "certificate-logo-two-signatories.png": (
        certificate(LONG_AGENCY, LONG_TITLE, 2),
        CertificateArt(LOGO, (SIGNATURE, SIGNATURE), frame="ornate"),
    ),
}


@pytest.mark.parametrize("name", sorted(CERTIFICATE_GOLDENS))
def test_certificate_golden_images(name: str, tmp_path: Path) -> None:
    text, art = CERTIFICATE_GOLDENS[name]
    (page,) = _rasterise(render_pages([text], art), tmp_path)
    if UPDATE_GOLDEN:
        page.save(GOLDEN / name, optimize=True)
    golden = Image.open(GOLDEN / name).convert("L")
    assert _difference(page, golden) < GOLDEN_TOLERANCE, name


# ---------------------------------------------------------------- 3. report flow

START = datetime(2015, 10, 20, 2, 0, tzinfo=UTC)
DISTRICTS = ("เมืองพิษณุโลก", "วังทอง", "นครไทย", "บางระกำ", "พรหมพิราม", "ชาติตระการ")


def _person(n: int, checked_in: bool) -> AttendeeRow:
    return AttendeeRow(
        registration_id=n,
        title_prefix="นาง",
        first_name=f"สมใจ{n}",
        last_name="ใจดี",
        position="นักวิชาการพัฒนาชุมชน",
        agency="สำนักงานพัฒนาชุมชนอำเภอวังทอง",
        district=DISTRICTS[n % len(DISTRICTS)],
        province="พิษณุโลก",
        phone="0812345678",
        status="confirmed",
        sessions_attended=1 if checked_in else 0,
        eligible=checked_in,
    )


def sample_report(sessions: int = 3, people: int = 12, no_shows: int = 0) -> WorkshopReport:
    attendees = tuple(_person(n, n >= no_shows) for n in range(people))
    groups = tuple(GroupFigure(d, 2, 2, 1, 2 * sessions, 2 * sessions) for d in DISTRICTS)
    return WorkshopReport(
        workshop_id=1,
        title="การอบรมการพัฒนาสินค้า OTOP",
        organizing_agency="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
        fiscal_year=2559,
        status="closed",
        venue_name="ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก",
        venue_district="วังทอง",
        venue_province="พิษณุโลก",
        starts_at=START,
        ends_at=START + timedelta(days=2, hours=8),
        presiding_official="นายสมศักดิ์ ทองดี",
        certificate_kind="วุฒิบัตร",
        attendance_threshold=80,
        sessions_required=sessions,
        registered=people,
        confirmed=people,
        waitlisted=0,
        cancelled=0,
        sessions=tuple(
            SessionFigure(
                n,
                f"ช่วงที่ {n}",
                START + timedelta(hours=n),
                START + timedelta(hours=n + 3),
                people - no_shows,
                1.0,
                Decimal("3.00"),
            )
            for n in range(1, sessions + 1)
        ),
        check_ins=(people - no_shows) * sessions,
        attended=people - no_shows,
        certificate_eligible=people - no_shows,
        by_agency=(GroupFigure("สำนักงานพัฒนาชุมชนอำเภอวังทอง", people, people, 1, 1, 1),),
        by_district=groups,
        attendees=attendees,
        no_shows=tuple(a for a in attendees if not a.eligible),
        generated_at=START + timedelta(days=5),
        certificates_issued=0,
    )


HEADINGS = ("สรุปจำนวน", "การเข้าร่วมแต่ละช่วง", "จำแนกตามอำเภอ", "จำแนกตามหน่วยงาน")


def _lines_by_page(pdf: bytes) -> list[list[str]]:
    pages = pdftotext(pdf, "-layout").split("\f")
    return [[line.strip() for line in page.splitlines() if line.strip()] for page in pages if page]


def test_every_heading_shares_its_page_with_what_follows(app) -> None:
    """Defect 3: "จำแนกตามอำเภอ" was left alone at the foot of page 1, its chart on page 2
    (``CondPageBreak(30*mm)`` is smaller than the chart). Sessions are added one by one so
    that each heading in turn falls near the foot of a page: none is ever the last line of
    its page (before the page number)."""
    for sessions in range(1, 25, 2):
        pdf = render_workshop_report(sample_report(sessions=sessions))
        for number, lines in enumerate(_lines_by_page(pdf), start=1):
            body = [line for line in lines if not line.startswith("รายงานสรุปผลการอบรม:")]
            assert body, f"page {number} is empty ({sessions} sessions)"
            last = body[-1]
            assert last not in HEADINGS, f"{last} ends page {number} ({sessions} sessions)"


def test_no_page_holds_only_an_empty_no_show_list(app) -> None:
    """Defect 3: a last page held only "ผู้ไม่มาเข้าร่วม (0 คน)": an empty section is left out
    (the totals say "ไม่มาเข้าร่วมเลย 0"); with no-shows it is there."""
    text = pdftotext(render_workshop_report(sample_report(no_shows=0)))
    assert "ผู้ไม่มาเข้าร่วม (" not in text
    assert "ไม่มาเข้าร่วมเลย" in text
    text = pdftotext(render_workshop_report(sample_report(no_shows=2)))
    assert "ผู้ไม่มาเข้าร่วม (2 คน)" in text


def _cell_rows(page: Image.Image, box: tuple[int, int, int, int]) -> list[bool]:
    cell = page.crop(box)
    data, width = cell.tobytes(), cell.width
    return [min(data[y * width : (y + 1) * width]) < 160 for y in range(cell.height)]


def test_two_line_header_cells_have_room_between_lines_and_to_the_border(
    app, tmp_path: Path
) -> None:
    """Defect 3: in "ร้อยละของผู้ได้ / ที่นั่ง" the ู of ผู้ touched the ี่ of ที่, and the text
    touched the cell border. At 400 dpi: a clear pixel row between the header's two lines, and
    clear rows and columns between its text and the border."""
    pdf = render_workshop_report(sample_report())
    found = words(pdf)
    header = [w for w in found if w.page == 1 and w.text in ("ร้อยละของ", "ผู้ได้ที่นั่ง")]
    assert [w.text for w in header] == ["ร้อยละของ", "ผู้ได้ที่นั่ง"]  # broken between words
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    dpi = 400
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-png", source, tmp_path / "p"],
        check=True,
    )
    (page,) = [Image.open(p).convert("L") for p in tmp_path.glob("p-*.png")]
    scale = dpi / 72
    # The cell: from the words out to the grid lines around them.
    left = min(w.x0 for w in header)
    right = max(w.x1 for w in header)
    top = min(w.y0 for w in header)
    bottom = max(w.y1 for w in header)
    x0, x1 = int(left * scale) - 30, int(right * scale) + 30
    y0, y1 = int(top * scale) - 40, int(bottom * scale) + 40
    region = page.crop((x0, y0, x1, y1))
    data, width = region.tobytes(), region.width

    def grid_rows() -> list[int]:  # rows that are mostly grey rule
        return [
            y
            for y in range(region.height)
            if sum(1 for v in data[y * width : (y + 1) * width] if v < 200) > 0.9 * width
        ]

    rules = grid_rows()
    above = max(y for y in rules if y < int((top - 0) * scale) - y0 + 5)
    below = min(y for y in rules if y > int(bottom * scale) - y0 - 5)
    rows = _cell_rows(region, (40, above + 2, width - 40, below - 1))
    inked = [i for i, ink in enumerate(rows) if ink]
    assert inked[0] >= 2 * scale * 0.5, "text touches the rule above"
    assert len(rows) - 1 - inked[-1] >= 2 * scale * 0.5, "text touches the rule below"
    # Between the middle of the first line and the middle of the second, some pixel row
    # is clear: the first line's below-marks and the second's stacked marks do not meet.
    first_line, second_line = header
    start = int((first_line.y0 + first_line.y1) / 2 * scale) - y0 - (above + 2)
    end = int((second_line.y0 + second_line.y1) / 2 * scale) - y0 - (above + 2)
    assert not all(rows[start:end]), "the two lines of the header touch"
    # Right-aligned: room between the marks of ผู้ and the cell's right rule.
    columns = [
        x
        for x in range(width)
        if sum(1 for y in range(above + 3, below - 2) if data[y * width + x] < 200)
        > 0.9 * (below - above - 5)
    ]
    right_rule = min(x for x in columns if x > int(right * scale) - x0 - 5)
    ink_right = max(
        x
        for x in range(width)
        for y in range(above + 3, below - 2)
        if x < right_rule - 1 and data[y * width + x] < 160
    )
    assert right_rule - ink_right >= 2 * scale, "text touches the right border"


def test_the_fiscal_year_is_named_once(app) -> None:
    """Defect 3: "ปีงบประมาณ | ปีงบประมาณ พ.ศ. 2559", in the table and in the fiscal-year PDF's
    Title."""
    text = pdftotext(render_workshop_report(sample_report()), "-layout")
    (line,) = [line for line in text.splitlines() if "ปีงบประมาณ" in line]
    assert line.count("ปีงบประมาณ") == 1 and "พ.ศ. 2559" in line

    report = FiscalYearReport(
        fiscal_year=2559,
        workshops=(
            FiscalYearWorkshop(1, "การอบรม OTOP", START, "ศูนย์ศึกษาและพัฒนาชุมชน", 2, 10, 9, 18, 8),
        ),
        officers=10,
        by_district=(GroupFigure("วังทอง", 10, 9, 8, 20, 20),),
        generated_at=START,
    )
    pdf = render_fiscal_year_report(report)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        title = str(document.docinfo["/Title"])
    assert title == "รายงานการอบรมประจำปีงบประมาณ พ.ศ. 2559"
    lines = pdftotext(pdf, "-layout").splitlines()
    assert lines[0].strip() == title
    assert all(line.count("ปีงบประมาณ") <= 1 for line in lines)
