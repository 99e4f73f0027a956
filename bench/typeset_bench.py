"""Typesetting cost: workshop.pdf.typeset against bare ReportLab, run by hand.

    .venv/bin/python bench/typeset_bench.py [--lines 1000] [--repeat 10] [--only segment]

1. 1,000 lines of distinct Thai names: draw_text (shaped, with text layer) vs
   canvas.drawString (unshaped) in the same Sarabun face, drawing only and drawing + save().
2. 1,000 certificate-like pages: a name shrunk to fit (fit_font_size + draw_text) and a
   wrapped Thai paragraph (draw_paragraph), vs drawCentredString + drawString of the same lines.

3. Segmentation alone (``linebreak.segment``, no fonts): ordinary Thai prose, and agency names,
   positions and addresses that name districts and subdistricts; then ``linebreak.warm_up()``
   in a fresh interpreter (what each server worker pays when it starts) and the memory it adds.

Bare ReportLab draws with plain TTFonts of the same Sarabun files. Shaping and segmentation
caches are cleared before every timed run, so each name is shaped once per run, as it would be
for a batch of certificates. The two sides run interleaved; prints the best of --repeat runs
and the ratios. The target is at most 3x bare ReportLab.
"""

from __future__ import annotations

import argparse
import io
import itertools
import random
import subprocess
import sys
import time
from collections.abc import Callable

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from workshop.pdf import linebreak, typeset
from workshop.pdf.fonts import BOLD, REGULAR, font_path, register_sarabun
from workshop.pdf.typeset import draw_paragraph, draw_text, fit_font_size, line_metrics

BARE, BARE_BOLD = "SarabunBare", "SarabunBare-Bold"
PREFIXES = ["นาย", "นาง", "นางสาว", "ว่าที่ร้อยตรี", "ดร."]
FIRST = ["กิ่งแก้ว", "สมชาย", "ปิ่นมณี", "ศักดิ์สิทธิ์", "น้ำฝน", "ผู้ใหญ่", "ฤทัย", "จิราพร"]
FIRST += ["ณัฐวุฒิ", "สุภาพร", "ธีรวัฒน์", "วิไลวรรณ", "เกียรติศักดิ์", "พิมพ์ชนก", "อำนาจ"]
LAST = ["ปิ่นทอง", "ใจดี", "ศรีสุข", "วงศ์สวัสดิ์", "ทองคำ", "บุญมี", "แก้วมณี", "รุ่งเรือง"]
LAST += ["ประเสริฐวงศ์", "สิทธิ์ศักดิ์", "พึ่งบุญ", "เจริญผล", "อินทร์แก้ว", "ชื่นชม", "คำภีร์"]
BODY = (
    "ได้เข้าร่วมการฝึกอบรมเชิงปฏิบัติการ การพัฒนาศักยภาพบุคลากรด้านเทคโนโลยีสารสนเทศ "
    "รุ่นที่ {n} ระหว่างวันที่ 20-22 ตุลาคม 2558 ณ ห้องประชุมศาลากลางจังหวัดเชียงใหม่ "
    "จัดโดย สำนักงานปลัดกระทรวงมหาดไทย"
)

# Segmentation corpus: prose from the demo workshop, and strings that name places the way the
# Phitsanulok officers write them (agency, position, venue address).
PROSE = [
    BODY.format(n=1),
    "สร้างความรู้ความเข้าใจร่วมกันของเจ้าหน้าที่พัฒนาชุมชน เพื่อให้สามารถขับเคลื่อนงานพัฒนาชุมชน"
    "ภายใต้นโยบายวาระสำคัญของรัฐบาลและนโยบายกระทรวงมหาดไทย ตามวิสัยทัศน์ของกรมการพัฒนาชุมชน "
    "ให้ชุมชนเข้มแข็ง เศรษฐกิจฐานรากมั่นคง ภายใต้ 5 ประเด็นยุทธศาสตร์",
    "การแก้ไขปัญหายาเสพติดโดยกลไกการขับเคลื่อนกิจกรรมกองทุนแม่ของแผ่นดิน",
    "การส่งเสริมกลุ่มออมทรัพย์เพื่อการผลิตให้เกิดธรรมาภิบาล",
    "สำนักงานปลัดกระทรวงมหาดไทยขอเชิญผู้ใหญ่บ้านและกำนันเข้าร่วมการฝึกอบรมเชิงปฏิบัติการ",
    "ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชนในการขับเคลื่อนงานพัฒนาชุมชน",
]
DISTRICTS = ["เมืองพิษณุโลก", "นครไทย", "ชาติตระการ", "บางระกำ", "บางกระทุ่ม", "พรหมพิราม"]
DISTRICTS += ["วัดโบสถ์", "วังทอง", "เนินมะปราง", "ศรีสัชนาลัย", "ทุ่งเสลี่ยม", "กงไกรลาศ"]
SUBDISTRICTS = ["ท่าหมื่นราม", "วังพิกุล", "แก่งโสภา", "บ้านกลาง", "ชัยนาม", "ดินทอง"]
PLACES = [
    form.format(d=d, s=s)
    for d, s in zip(DISTRICTS, itertools.cycle(SUBDISTRICTS))
    for form in (
        "สำนักงานพัฒนาชุมชนอำเภอ{d}",
        "ที่ทำการปกครองอำเภอ{d}",
        "พัฒนาการอำเภอ{d}",
        "ตำบล{s} อำเภอ{d} จังหวัดพิษณุโลก",
    )
]
WARM_UP = """
import resource, time
from workshop.pdf import linebreak
start = time.perf_counter()
linebreak.warm_up()
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def names(count: int) -> list[str]:
    """Distinct full names (prefix + first name without a space, then the surname)."""
    combos = list(itertools.product(PREFIXES, FIRST, LAST))
    random.Random(2559).shuffle(combos)
    out = [f"{p}{f} {last}" for p, f, last in combos]
    while len(out) < count:  # more than the combinations: vary with a numbered suffix
        out += [f"{name} {len(out) + i}" for i, name in enumerate(out[: count - len(out)])]
    return out[:count]


def clear_caches() -> None:
    typeset._layout.cache_clear()
    linebreak._newmm.cache_clear()
    linebreak.segment.cache_clear()


def compare(ours: Callable[[], None], bare: Callable[[], None], repeat: int) -> tuple[float, float]:
    """Best wall-clock time of each, runs interleaved so that a busy machine hurts both."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, out in ((ours, times[0]), (bare, times[1])):
            clear_caches()
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def lines_shaped(texts: list[str], save: bool) -> None:
    canvas = Canvas(io.BytesIO())
    for i, text in enumerate(texts):
        if i % 40 == 0 and i:
            canvas.showPage()
        draw_text(canvas, 40, 800 - (i % 40) * 20, text, REGULAR, 14)
    if save:
        canvas.showPage()
        canvas.save()


def lines_bare(texts: list[str], save: bool) -> None:
    canvas = Canvas(io.BytesIO())
    for i, text in enumerate(texts):
        if i % 40 == 0:
            if i:
                canvas.showPage()
            canvas.setFont(BARE, 14)
        canvas.drawString(40, 800 - (i % 40) * 20, text)
    if save:
        canvas.showPage()
        canvas.save()


def certificates_shaped(texts: list[str]) -> None:
    canvas = Canvas(io.BytesIO(), pagesize=(842, 595))
    for n, name in enumerate(texts, 1):
        size = fit_font_size(name, BOLD, 500, 40, 20)
        draw_text(canvas, 421, 330, name, BOLD, size, align="center")
        draw_paragraph(canvas, 171, 280, BODY.format(n=n % 9 + 1), REGULAR, 16, 500)
        canvas.showPage()
    canvas.save()


def certificates_bare(texts: list[str], body_lines: list[str]) -> None:
    canvas = Canvas(io.BytesIO(), pagesize=(842, 595))
    leading, baseline = line_metrics(REGULAR, 16)
    for n, name in enumerate(texts, 1):
        canvas.setFont(BARE_BOLD, 36)
        canvas.drawCentredString(421, 330, name)
        canvas.setFont(BARE, 16)
        y = 280 - baseline
        for line in body_lines:
            canvas.drawString(171, y, line.replace("{n}", str(n % 9 + 1)))
            y -= leading
        canvas.showPage()
    canvas.save()


def segment_all(texts: list[str]) -> None:
    for text in texts:
        linebreak.segment(text)


def best_segmentation(texts: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        clear_caches()
        start = time.perf_counter()
        segment_all(texts)
        times.append(time.perf_counter() - start)
    return min(times)


def warm_up_cost(repeat: int) -> tuple[float, float]:
    """Best time of ``warm_up()`` in a fresh interpreter, and that interpreter's peak RSS."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", WARM_UP], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append((float(out[0]), int(out[1]) / 1024))
    return min(runs)


def segmentation(repeat: int) -> None:
    linebreak.warm_up()
    print(f"Segmentation (linebreak.segment, caches cleared), best of {repeat}")
    for label, texts in (("ordinary prose", PROSE), ("place names   ", PLACES)):
        took = best_segmentation(texts, repeat)
        chars = sum(map(len, texts))
        print(
            f"  {label}  {len(texts):3d} strings, {chars:5d} chars  {took * 1000:7.2f} ms"
            f"   {chars / took / 1000:6.1f} chars/ms"
        )
    took, rss = warm_up_cost(min(repeat, 5))
    print(f"  warm_up() in a fresh interpreter  {took * 1000:7.1f} ms   peak RSS {rss:6.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--only", choices=["segment"], help="only the segmentation figures")
    args = parser.parse_args()
    segmentation(args.repeat)
    if args.only:
        return

    register_sarabun()
    # Bare ReportLab gets plain TTFonts of the same files, not our subclass.
    for bare, face in ((BARE, REGULAR), (BARE_BOLD, BOLD)):
        pdfmetrics.registerFont(TTFont(bare, str(font_path(face))))
    texts = names(args.lines)
    # Warm-up: imports, pythainlp's dictionary, font parsing; not part of the figures.
    lines_shaped(texts[:50], save=True)
    certificates_shaped(texts[:2])

    print(f"{args.lines} lines of distinct Thai names, Sarabun 14 pt, best of {args.repeat}")
    for save in (False, True):
        label = "draw + save()" if save else "draw only    "
        ours, bare = compare(
            lambda save=save: lines_shaped(texts, save),
            lambda save=save: lines_bare(texts, save),
            args.repeat,
        )
        print(
            f"  {label}  draw_text {ours * 1000:7.1f} ms   drawString {bare * 1000:7.1f} ms"
            f"   ratio {ours / bare:4.2f}x"
        )

    body_lines = typeset.wrap_lines(BODY, REGULAR, 16, 500)
    print(f"{args.lines} certificate pages (fitted name + wrapped paragraph), with save()")
    ours, bare = compare(
        lambda: certificates_shaped(texts),
        lambda: certificates_bare(texts, body_lines),
        args.repeat,
    )
    print(
        f"  typeset {ours * 1000:7.1f} ms   bare ReportLab {bare * 1000:7.1f} ms"
        f"   ratio {ours / bare:4.2f}x"
    )


if __name__ == "__main__":
    main()
