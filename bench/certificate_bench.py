"""Certificate batch cost: workshop.pdf.certificate against bare ReportLab, run by hand.

    .venv/bin/python bench/certificate_bench.py [--count 1000] [--repeat 5] [--signed 20]

Ours: ``render_pages`` of ``--count`` certificates of one workshop into one PDF (distinct names,
numbers, codes and verification URLs; the name fitted, every line shaped and centred, the QR
code encoded and drawn as vector modules, the text layer kept exact), as PDF/A-2u (XMP, output
intent, embedded fonts only: ``workshop.pdf.archive``), as the all-in-one file is made. For
reference: the same on a plain ReportLab canvas (no PDF/A parts), and the same tagged (a
structure tree, as a single certificate is made).

Bare ReportLab: the same strings on the same pages with ``drawCentredString``/``drawString`` in
plain TTFonts of the same Sarabun files, the same border, and the QR codes as plain rectangles
from module matrices computed before the clock starts; no shaping, no fitting, no wrapping, no
encoding. A second bare figure leaves the QR codes out altogether, for reference.

Shaping, segmentation and layout caches are cleared before every timed run, so each run pays
for its names once, as a real batch does. Runs are interleaved; prints the median and the best
of --repeat runs, certificates per second and the ratios of the medians. Target (issue 17): at
most 1.5x bare ReportLab with the PDF/A parts.

Signed: one certificate drawn and signed PAdES-B-B (``workshop.pdf.signature``) with a
throwaway RSA-2048 key from a CA made on the spot (tests/signing.py), as a download with the
worker's caches warm; median of --signed runs. Target: under 150 ms.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.typeset_bench import names
from workshop.pdf import certificate, linebreak, qrdraw, typeset
from workshop.pdf.certificate import (
    CENTRE,
    HEIGHT,
    PAGE,
    WIDTH,
    CertificateText,
    Signatory,
    render_pages,
)
from workshop.pdf.fonts import BOLD, REGULAR, font_path, register_sarabun
from workshop.qr import qr_rows
from workshop.services.certificates import format_code, new_code

BARE, BARE_BOLD = "SarabunBare", "SarabunBare-Bold"
MM = 72 / 25.4


ATTENDED = "ได้เข้าร่วมประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชน ปี 2559"
DATES = "ระหว่างวันที่ 20–22 ตุลาคม พ.ศ. 2558"
VENUE = "ณ ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก อำเภอวังทอง จังหวัดพิษณุโลก"


def pages(count: int) -> list[CertificateText]:
    out = []
    for n, name in enumerate(names(count), 1):
        code = format_code(new_code())
        out.append(
            CertificateText(
                agency="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
                kind="เกียรติบัตร",
                name=name,
                body=f"{ATTENDED}\n{DATES}\n{VENUE}",
                given="ให้ไว้ ณ วันที่ 22 ตุลาคม พ.ศ. 2558",
                signatories=(Signatory("นายสมศักดิ์ ศักดิ์สิทธิ์", "พัฒนาการจังหวัดพิษณุโลก"),),
                number=f"{n}/2559",
                code=code,
                url=f"https://workshop.example.go.th/verify/{code}",
            )
        )
    return out


def clear_caches() -> None:
    typeset._layout.cache_clear()
    linebreak._newmm.cache_clear()
    linebreak.segment.cache_clear()
    certificate._layout.cache_clear()
    qrdraw._modules.cache_clear()


def bare(texts: list[CertificateText], qr: dict[str, tuple[tuple[int, int, int], ...]]) -> None:
    """The same strings and QR modules, drawn with nothing but ReportLab's own calls."""
    canvas = Canvas(io.BytesIO(), pagesize=PAGE, pageCompression=1)
    for text in texts:
        canvas.setStrokeColorRGB(0.66, 0.52, 0.16)
        canvas.setLineWidth(3)
        canvas.rect(9 * MM, 9 * MM, WIDTH - 18 * MM, HEIGHT - 18 * MM)
        canvas.setLineWidth(0.8)
        canvas.rect(11.5 * MM, 11.5 * MM, WIDTH - 23 * MM, HEIGHT - 23 * MM)
        canvas.setFillColorRGB(0.08, 0.2, 0.45)
        canvas.setFont(BARE_BOLD, 19)
        canvas.drawCentredString(CENTRE, 520, text.agency)
        canvas.setFont(BARE_BOLD, 44)
        canvas.drawCentredString(CENTRE, 470, text.kind)
        canvas.setFillColorRGB(0.11, 0.13, 0.2)
        canvas.setFont(BARE, 18)
        canvas.drawCentredString(CENTRE, 435, text.sentence)
        canvas.setFont(BARE_BOLD, 34)
        canvas.drawCentredString(CENTRE, 390, text.name)
        canvas.setFont(BARE, 17)
        canvas.drawCentredString(CENTRE, 350, ATTENDED)
        canvas.setFont(BARE, 16)
        canvas.drawCentredString(CENTRE, 325, DATES)
        canvas.drawCentredString(CENTRE, 300, VENUE)
        canvas.drawCentredString(CENTRE, 265, text.given)
        canvas.setFont(BARE, 15)
        signer = text.signatories[0]
        canvas.drawCentredString(CENTRE, 110, f"({signer.name})")
        canvas.drawCentredString(CENTRE, 90, signer.position)
        canvas.setFont(BARE, 13)
        canvas.drawRightString(WIDTH - 20 * MM, HEIGHT - 22 * MM, f"เลขที่ {text.number}")
        canvas.setFont(BARE, 10)
        canvas.drawString(48 * MM, 38 * MM, "ตรวจสอบความถูกต้อง")
        canvas.setFont(BARE_BOLD, 11)
        canvas.drawString(48 * MM, 33 * MM, f"รหัส {text.code}")
        runs = qr.get(text.url)
        if runs is not None:
            step = 26 * MM / (runs[-1][0] + 5)
            path = canvas.beginPath()
            for row, col, length in runs:
                path.rect(17 * MM + col * step, 42 * MM - (row + 1) * step, length * step, step)
            canvas.setFillColorRGB(0, 0, 0)
            canvas.drawPath(path, stroke=0, fill=1)
        canvas.showPage()
    canvas.save()


CPU: dict[int, list[float]] = {}  # CPU seconds of each run, by the id of its wall-time list


def timed(fn: Callable[[], object], times: list[float]) -> None:
    """Wall time into ``times``, CPU time alongside (on a shared machine the wall clock also
    counts the time spent waiting for a core; the ratios of CPU times do not)."""
    clear_caches()
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    times.append(time.perf_counter() - start)
    CPU.setdefault(id(times), []).append(time.process_time() - cpu)


def plain_canvas_pages(texts: list[CertificateText]) -> bytes:
    """``render_pages`` on a plain ReportLab canvas: the same drawing without the PDF/A parts."""
    saved = certificate.ArchivalCanvas
    certificate.ArchivalCanvas = Canvas  # type: ignore[misc]
    try:
        return render_pages(texts)
    finally:
        certificate.ArchivalCanvas = saved  # type: ignore[misc]


def signed_certificate_ms(runs: int) -> tuple[float, float, float, float]:
    """Medians in ms: to draw and sign one certificate (wall, CPU), to sign only (wall); and
    the key's loading (once per worker)."""
    from tests.signing import make_ca
    from workshop.pdf.signature import load_signing_key, sign_pdf

    with tempfile.TemporaryDirectory(prefix="certificate-bench-") as folder:
        ca = make_ca(Path(folder), "Bench CA")
        started = time.perf_counter()
        key = load_signing_key(str(ca.p12_path), ca.password)
        loaded = (time.perf_counter() - started) * 1000
    (text,) = pages(1)
    sign_pdf(render_pages([text], tagged=True), key, "warm-up")
    both: list[float] = []
    both_cpu: list[float] = []
    sign_only: list[float] = []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        pdf = render_pages([text], tagged=True)  # as a single download is made
        drawn = time.perf_counter()
        sign_pdf(pdf, key, f"{text.kind} เลขที่ {text.number}")
        done = time.perf_counter()
        both.append((done - started) * 1000)
        both_cpu.append((time.process_time() - cpu) * 1000)
        sign_only.append((done - drawn) * 1000)
    median = statistics.median
    return median(both), median(both_cpu), median(sign_only), loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--signed", type=int, default=20, help="signed single certificates")
    args = parser.parse_args()

    register_sarabun()
    for name, face in ((BARE, REGULAR), (BARE_BOLD, BOLD)):
        pdfmetrics.registerFont(TTFont(name, str(font_path(face))))
    texts = pages(args.count)
    qr = {text.url: qr_rows(text.url) for text in texts}  # bare ReportLab gets them for free
    render_pages(texts[:3])  # warm-up: imports, pythainlp's dictionary, font parsing
    bare(texts[:3], qr)

    ours: list[float] = []
    tagged: list[float] = []
    plain_canvas: list[float] = []
    plain: list[float] = []
    plain_no_qr: list[float] = []
    for _ in range(args.repeat):
        timed(lambda: render_pages(texts), ours)
        timed(lambda: render_pages(texts, tagged=True), tagged)
        timed(lambda: plain_canvas_pages(texts), plain_canvas)
        timed(lambda: bare(texts, qr), plain)
        timed(lambda: bare(texts, {}), plain_no_qr)
    size = len(render_pages(texts))
    median = statistics.median
    n = args.count
    print(f"{n} certificates in one PDF ({size / 1e6:.1f} MB), median (best) of {args.repeat}")
    rows = (
        ("workshop.pdf.certificate, PDF/A", ours),
        ("same, tagged", tagged),
        ("same, plain canvas (no PDF/A)", plain_canvas),
        ("bare ReportLab, QR as rects", plain),
        ("bare ReportLab, strings only", plain_no_qr),
    )
    for label, times in rows:
        cpu = CPU[id(times)]
        print(
            f"  {label:<32} {median(times):6.2f} s ({min(times):5.2f})  "
            f"CPU {median(cpu):5.2f} s ({min(cpu):5.2f})  {n / median(times):5.0f}/s"
        )
    for clock, pick in (("wall", lambda t: t), ("CPU", lambda t: CPU[id(t)])):
        b, c = median(pick(plain)), median(pick(plain_no_qr))
        print(
            f"  {clock} ratios against bare ReportLab: {median(pick(ours)) / b:4.2f}x with PDF/A "
            f"(target <= 1.5x), {median(pick(tagged)) / b:4.2f}x PDF/A and tagged, "
            f"{median(pick(plain_canvas)) / b:4.2f}x without the PDF/A parts; "
            f"{median(pick(ours)) / c:4.2f}x against the strings only"
        )
    if args.signed:
        both, both_cpu, sign_only, loaded = signed_certificate_ms(args.signed)
        print(
            f"one signed certificate, median of {args.signed}: {both:.0f} ms drawn and signed, "
            f"CPU {both_cpu:.0f} ms ({sign_only:.0f} ms of the wall time signing; key loaded "
            f"once per worker in {loaded:.0f} ms) (target < 150 ms)"
        )


if __name__ == "__main__":
    main()
