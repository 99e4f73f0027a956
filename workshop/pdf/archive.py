"""Archival PDF (PDF/A-2u, ISO 19005-2 level U) straight from ReportLab, without a second pass.

Offices file certificates and reports for years, so every PDF the app makes is drawn on an
:class:`ArchivalCanvas`, which adds what PDF/A asks of a ReportLab document:

- only embedded fonts: the canvas starts in Sarabun, so ReportLab's default Helvetica is never
  referenced (its initial ``/F1 12 Tf`` would be enough to add it), and a standard font asked
  for by ReportLab's own defaults (charts, table cells) is replaced by Sarabun;
- XMP metadata (``pdfaid:part`` 2, ``pdfaid:conformance`` U, title, author, description,
  language, creator tool, producer, dates) matching the document information dictionary, written
  when the document is saved so that it follows whatever title the caller set last;
- an sRGB output intent (the profile comes from Pillow's LittleCMS; nothing is fetched);
- ``/Lang th-TH`` on the catalog; a Creator and Producer that name this software.

Level U (Unicode) holds because every glyph the typesetter draws carries its source text in
the font's ToUnicode CMap (``workshop.pdf.fonts``), and glyph widths in the font dictionaries
match the embedded font programs (PDF/A 6.2.11.5; see ``ShapingTTFont._with_advance``).

Doing this inside ReportLab costs almost nothing per document; re-writing a finished PDF with
pikepdf would cost a parse and a save of every page of a 1,000-certificate batch.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from typing import Any, ClassVar
from xml.sax.saxutils import escape

import reportlab
from PIL import Image, ImageCms
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from workshop.pdf.fonts import BOLD, REGULAR, register_sarabun

LANGUAGE = "th-TH"
PDFA_PART, PDFA_CONFORMANCE = 2, "U"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "dev"


CREATOR = f"workshop {_version('workshop')}: capacity-building workshops (certificates, reports)"
PRODUCER = (
    f"ReportLab {reportlab.Version} with HarfBuzz {_version('uharfbuzz')} Thai shaping "
    "(workshop.pdf, PDF/A-2u)"
)

# Image modes ReportLab writes as DeviceGray or DeviceRGB (with a soft mask for alpha).
_DEVICE_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA"})
_STANDARD_FONTS = frozenset(pdfmetrics.standardFonts)

DEFAULT_AUTHOR = "ระบบจัดการการอบรม (workshop)"

# Characters XML 1.0 cannot carry (C0 controls but tab, CR, LF); a title never needs them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (v4, 588 bytes) made by LittleCMS through Pillow."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def archival_image(data: bytes) -> ImageReader:
    """An uploaded PNG or JPEG for drawing: one in CMYK (a print shop's logo) becomes RGB,
    since with an sRGB output intent PDF/A allows no DeviceCMYK; others pass through as they
    are (a JPEG is embedded without re-encoding)."""
    with Image.open(io.BytesIO(data)) as image:
        if image.mode in _DEVICE_MODES:
            return ImageReader(io.BytesIO(data))
        return ImageReader(image.convert("RGBA" if "A" in image.getbands() else "RGB"))


class _ArchivalCatalog(pdfdoc.PDFCatalog):
    """ReportLab's catalog, which writes only the entries it knows, plus /OutputIntents."""

    __NoDefault__: ClassVar[list[str]] = [*pdfdoc.PDFCatalog.__NoDefault__, "OutputIntents"]
    __Refs__: ClassVar[list[str]] = pdfdoc.PDFCatalog.__Refs__  # OutputIntents: in place


def _xmp_date(stamp: Any) -> str:
    """ReportLab's document timestamp as XMP wants it (the same instant as the Info dates)."""
    year, month, day, hour, minute, second = stamp.YMDhms
    offset = stamp.dhh * 60 + (stamp.dmm if stamp.dhh >= 0 else -stamp.dmm)
    sign = "-" if offset < 0 else "+"
    offset = abs(offset)
    return (
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
        f"{sign}{offset // 60:02d}:{offset % 60:02d}"
    )


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def xmp_packet(doc: pdfdoc.PDFDocument, language: str = LANGUAGE) -> str:
    """The XMP metadata of ``doc``, from its information dictionary as it is at save time."""
    info = doc.info
    date = _xmp_date(doc._timeStamp)
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>{PDFA_PART}</pdfaid:part>
   <pdfaid:conformance>{PDFA_CONFORMANCE}</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_text(info.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{_text(info.author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{_text(info.subject)}</rdf:li></rdf:Alt>
   </dc:description>
   <dc:language><rdf:Bag><rdf:li>{_text(language)}</rdf:li></rdf:Bag></dc:language>
   <xmp:CreatorTool>{_text(info.creator)}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <pdf:Producer>{_text(info.producer)}</pdf:Producer>
   <pdf:Keywords>{_text(info.keywords)}</pdf:Keywords>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def make_archival(canvas: Canvas, language: str = LANGUAGE) -> None:
    """Give the canvas's document what PDF/A-2u needs beyond embedded fonts (see the module
    docstring): the catalog's /Lang, /OutputIntents and /Metadata, a Creator and Producer."""
    doc = canvas._doc
    catalog = doc.Catalog
    catalog.__class__ = _ArchivalCatalog
    catalog.Lang = pdfdoc.PDFString(language)
    profile = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({"N": 3}), srgb_profile(), filters=[pdfdoc.PDFZCompress]
    )
    catalog.OutputIntents = pdfdoc.PDFArray(
        [
            pdfdoc.PDFDictionary(
                {
                    "Type": pdfdoc.PDFName("OutputIntent"),
                    "S": pdfdoc.PDFName("GTS_PDFA1"),
                    "OutputConditionIdentifier": pdfdoc.PDFString("sRGB IEC61966-2.1"),
                    "Info": pdfdoc.PDFString("sRGB IEC61966-2.1"),
                    "RegistryName": pdfdoc.PDFString("http://www.color.org"),
                    "DestOutputProfile": doc.Reference(profile),
                }
            )
        ]
    )
    # Unfiltered, as PDF/A wants metadata streams; made at save time from the final Info.
    catalog.Metadata = pdfdoc.XMP(
        creator=lambda document: xmp_packet(document, language).encode("utf-8")
    )
    doc.setCreator(CREATOR)
    doc.setProducer(PRODUCER)
    doc.setAuthor(DEFAULT_AUTHOR)  # a document about one agency names it instead


class _TaggedPage(pdfdoc.PDFPage):
    """ReportLab's page, which writes only the entries it knows, plus /StructParents."""

    __NoDefault__: ClassVar[list[str]] = [*pdfdoc.PDFPage.__NoDefault__, "StructParents"]


class _Element(pdfdoc.PDFObject):
    """A structure element, formatted directly: a thousand-page batch has ~15,000 of them,
    and ReportLab's generic dictionary formatting would cost more than drawing the pages."""

    def __init__(
        self, kind: str, parent: pdfdoc.PDFObjectReference, page: pdfdoc.PDFObjectReference
    ) -> None:
        self.head = f"<< /Type /StructElem /S /{kind} /P ".encode("ascii")
        self.parent, self.page = parent, page
        self.mcid = 0
        self.alt: pdfdoc.PDFString | None = None

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        numbers = document.idToObjectNumberAndVersion
        alt = b" /Alt " + self.alt.format(document) if self.alt is not None else b""
        return b"%s%d %d R /Pg %d %d R /K %d%s >>" % (
            self.head,
            *numbers[self.parent.name],
            *numbers[self.page.name],
            self.mcid,
            alt,
        )


class StructureTree:
    """A tagged PDF's logical structure, for drawings that name what they draw.

    The drawing wraps each piece in :meth:`tag` (a heading, a paragraph, a figure with its
    alternative text) or :meth:`artifact` (borders and other decoration): the page content gets
    marked-content sequences with MCIDs, and at save a Document element lists the pieces in
    reading order (top to bottom, then left to right, page by page), with the /ParentTree
    that maps each MCID back to its element and /MarkInfo /Marked true.
    """

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.doc = canvas._doc
        self.document = pdfdoc.PDFDictionary(
            {"Type": pdfdoc.PDFName("StructElem"), "S": pdfdoc.PDFName("Document")}
        )
        self.document_ref = self.doc.Reference(self.document)
        # Page number (1-based, as ReportLab counts) -> its elements, by MCID.
        self.pages: dict[int, list[pdfdoc.PDFObjectReference]] = {}
        self.order: list[tuple[int, float, float, pdfdoc.PDFObjectReference]] = []
        add_page = self.doc.addPage

        def add_tagged_page(page: pdfdoc.PDFPage) -> None:
            page.__class__ = _TaggedPage
            page.StructParents = self.doc.pageCounter - 1  # its key in the parent tree
            add_page(page)

        self.doc.addPage = add_tagged_page

    def begin(self, kind: str, top: float, left: float = 0.0, alt: str = "") -> None:
        """Start a structure element of type ``kind`` (H1, P, Figure, ...) whose top edge is
        at ``top``; ``alt``: a figure's alternative text. :meth:`end` closes it."""
        page = self.doc.pageCounter
        mcids = self.pages.setdefault(page, [])
        element = _Element(kind, self.document_ref, self.doc.thisPageRef())
        element.mcid = len(mcids)
        if alt:
            element.alt = pdfdoc.PDFString(alt)
        reference = self.doc.Reference(element)
        self.canvas.addLiteral(f"/{kind} <</MCID {len(mcids)}>> BDC")
        mcids.append(reference)
        self.order.append((page, -top, left, reference))

    def end(self) -> None:
        self.canvas.addLiteral("EMC")

    @contextmanager
    def tag(self, kind: str, top: float, left: float = 0.0, alt: str = "") -> Iterator[None]:
        """What is drawn inside is one structure element (see :meth:`begin`)."""
        self.begin(kind, top, left, alt)
        yield
        self.end()

    @contextmanager
    def artifact(self) -> Iterator[None]:
        """Mark what is drawn inside as decoration, outside the structure."""
        self.canvas.addLiteral("/Artifact BMC")
        yield
        self.canvas.addLiteral("EMC")

    def finish(self) -> None:
        """Write the structure tree into the catalog (called when the canvas is saved)."""
        self.order.sort(key=lambda item: item[:3])
        self.document["K"] = pdfdoc.PDFArray([item[3] for item in self.order])
        numbers: list[object] = []
        for page in range(1, self.doc.pageCounter):
            numbers += [page - 1, pdfdoc.PDFArray(self.pages.get(page, []))]
        root = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("StructTreeRoot"),
                "K": self.document_ref,
                "ParentTree": pdfdoc.PDFDictionary({"Nums": pdfdoc.PDFArray(numbers)}),
                "ParentTreeNextKey": self.doc.pageCounter - 1,
            }
        )
        self.document["P"] = self.doc.Reference(root)
        catalog = self.doc.Catalog
        catalog.StructTreeRoot = root
        catalog.MarkInfo = pdfdoc.PDFDictionary({"Marked": "true"})


class ArchivalCanvas(Canvas):
    """A ReportLab canvas whose document comes out as PDF/A-2u (see the module docstring).

    Use it wherever a Canvas would be made; as a platypus ``canvasmaker`` it also keeps the
    Creator and Producer when the document template resets them to "(unspecified)".
    """

    def __init__(
        self,
        filename: Any,
        *args: Any,
        initialFontName: str | None = None,
        lang: str | None = None,
        tagged: bool = False,
        **kwargs: Any,
    ) -> None:
        register_sarabun()
        language = lang or LANGUAGE
        super().__init__(
            filename, *args, initialFontName=initialFontName or REGULAR, lang=language, **kwargs
        )
        make_archival(self, language)
        # tagged=True: the drawing tags what it draws (StructureTree.tag/artifact).
        self.structure = StructureTree(self) if tagged else None

    def save(self) -> None:
        if self.structure is not None:
            self.structure.finish()
        super().save()

    def setFont(self, psfontname: str, size: float, leading: float | None = None) -> None:
        """ReportLab's own defaults name the unembedded standard fonts (a chart's initial
        graphics state is Helvetica 10, a table cell's too): Sarabun stands in for them."""
        if psfontname in _STANDARD_FONTS:
            psfontname = BOLD if "Bold" in psfontname else REGULAR
        super().setFont(psfontname, size, leading)

    # The document template calls these with None for what it was not given; ReportLab would
    # then write "(unspecified)" or "anonymous".
    def setCreator(self, creator: str | None) -> None:
        if creator:
            super().setCreator(creator)

    def setProducer(self, producer: str | None) -> None:
        if producer:
            super().setProducer(producer)

    def setSubject(self, subject: str | None) -> None:
        super().setSubject(subject or "")

    def setAuthor(self, author: str | None) -> None:
        if author:
            super().setAuthor(author)
