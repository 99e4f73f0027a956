"""Checks on the PDFs the app makes: text layer (poppler) and the PDF/A-2u rules (pikepdf).

veraPDF is not available here; pikepdf's own PDF/A validator (``pikepdf.pdfa``, an allowlist
built from the veraPDF rules for level B) checks the file as a whole, and the rules it does not
cover or that level U adds are checked one by one below.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass

import pikepdf
import pikepdf.pdfa
from fontTools.ttLib import TTFont

STANDARD_14 = re.compile(r"^/(Helvetica|Courier|Times|Symbol|ZapfDingbats)")
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def pdftotext(data: bytes, *options: str) -> str:
    """The text poppler extracts (what copy and paste and search see)."""
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *options, "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")


@dataclass(frozen=True)
class Archival:
    """What the PDF/A checks read from a file, for further assertions by the caller."""

    title: str
    author: str
    subject: str
    keywords: str
    creator: str
    producer: str


def _fonts(pdf: pikepdf.Pdf) -> dict[tuple[int, int], pikepdf.Dictionary]:
    """Every font dictionary reachable from the pages (and their form XObjects)."""
    found: dict[tuple[int, int], pikepdf.Dictionary] = {}

    def walk(resources: pikepdf.Object | None) -> None:
        if resources is None:
            return
        for font in resources.get("/Font", {}).values():
            found[font.objgen] = font
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in pdf.pages:
        walk(page.obj.get("/Resources"))
    return found


def _check_font(font: pikepdf.Dictionary) -> None:
    name = str(font.get("/BaseFont"))
    assert not STANDARD_14.match(name), f"standard font {name} is referenced, not embedded"
    assert font.Subtype == "/TrueType", name
    program = font.FontDescriptor.get("/FontFile2")
    assert program is not None, f"{name} is not embedded"
    assert "/ToUnicode" in font, f"{name} has no ToUnicode CMap (level U)"
    # Widths in the font dictionary agree with the embedded program (ISO 19005-2 6.2.11.5),
    # within veraPDF's tolerance of one unit.
    tt = TTFont(io.BytesIO(program.read_bytes()))
    scale = 1000 / tt["head"].unitsPerEm
    cmap = tt["cmap"].getcmap(1, 0).cmap
    metrics = tt["hmtx"].metrics
    first = int(font.FirstChar)
    for offset, width in enumerate(font.Widths):
        code = first + offset
        if code in cmap:
            program_width = metrics[cmap[code]][0] * scale
            assert abs(float(width) - program_width) <= 1, (name, code, width, program_width)


def check_archival(data: bytes, signed: bool = False) -> Archival:
    """Assert every PDF/A-2u rule the issue lists, and pikepdf's level-B validation.

    ``signed``: the file carries a digital signature, whose form field (/AcroForm) the
    validator does not look at."""
    assert data.startswith(b"%PDF-")
    report = pikepdf.pdfa.validate_written(io.BytesIO(data), "2b")
    violations = [
        f
        for f in report.findings
        # Level U is what we claim; the level-B validator expects "B" there.
        if f.kind != "unsupported" and not f.message.startswith("pdfaid:conformance is 'U'")
    ]
    assert violations == [], violations
    unsupported = [f for f in report.findings if f.kind == "unsupported"]
    # ReportLab writes an empty /Trans on every page, which the validator does not look at.
    allowed = ("/Trans", "/AcroForm") if signed else ("/Trans",)
    assert all(any(key in f.message for key in allowed) for f in unsupported), unsupported

    with pikepdf.open(io.BytesIO(data)) as pdf:
        fonts = _fonts(pdf)
        assert fonts, "no fonts at all"
        for font in fonts.values():
            _check_font(font)
        # No other font dictionary anywhere in the file (e.g. an unused Helvetica).
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
                assert not STANDARD_14.match(str(obj.get("/BaseFont"))), obj.get("/BaseFont")

        root = pdf.Root
        assert str(root.Lang) == "th-TH"
        (intent,) = root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3
        icc = profile.read_bytes()
        assert icc[36:40] == b"acsp" and icc[16:20] == b"RGB ", "not an RGB ICC profile"
        assert "sRGB" in str(intent.OutputConditionIdentifier)

        assert "/Filter" not in root.Metadata, "PDF/A metadata streams are not filtered"
        info = pdf.docinfo
        values = {
            key: str(info.get(f"/{key.capitalize()}", "")) for key in Archival.__dataclass_fields__
        }
        # Read only: by default pikepdf would stamp itself as the producer on the way out.
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            assert xmp["pdfaid:part"] == "2"
            assert xmp["pdfaid:conformance"] == "U"
            title, creators, languages = xmp["dc:title"], xmp["dc:creator"], xmp["dc:language"]
        assert title == values["title"] and title
        assert creators == [values["author"]] and values["author"]
        assert languages == {"th-TH"} or list(languages) == ["th-TH"]
        for key in ("creator", "producer"):
            assert values[key] and values[key] not in ("anonymous", "unspecified"), key
            assert "workshop" in values[key], values[key]
    return Archival(**values)


def check_structure(data: bytes) -> list[list[tuple[str, int]]]:
    """Assert a consistent tagged structure (MarkInfo, StructTreeRoot, Document, ParentTree,
    one element per marked-content id on every page); return each page's (type, MCID) in
    reading order."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        assert bool(root.MarkInfo.Marked) is True
        tree = root.StructTreeRoot
        document = tree.K
        assert document.S == "/Document"
        nums = list(tree.ParentTree.Nums)
        parents = dict(zip(nums[::2], nums[1::2], strict=True))
        assert int(tree.ParentTreeNextKey) == len(pdf.pages)
        by_page: list[list[tuple[str, int]]] = []
        for index, page in enumerate(pdf.pages):
            key = int(page.obj.StructParents)
            mcids = [
                int(operands[1].MCID)
                for operands, operator in pikepdf.parse_content_stream(page)
                if operator == pikepdf.Operator("BDC")
                and isinstance(operands[1], pikepdf.Dictionary)
                and "/MCID" in operands[1]
            ]
            assert mcids == list(range(len(mcids))), "MCIDs number a page's sequences"
            elements = list(parents[key])
            assert len(elements) == len(mcids)
            for mcid, element in enumerate(elements):
                assert int(element.K) == mcid
                assert element.Pg.objgen == page.obj.objgen
                assert element.P.objgen == document.objgen
                if element.S == "/Figure":
                    assert str(element.Alt), "a figure has alternative text"
            order = [(str(e.S)[1:], int(e.K)) for e in document.K if e.Pg.objgen == page.obj.objgen]
            assert sorted(m for _, m in order) == mcids
            by_page.append(order)
            assert index == key
        return by_page
