"""Files handed to the browser (PDF, CSV, XLSX, JSON): named one way, never cached by others."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON = "application/json"


def content_disposition(kind: str, ascii_name: str, name: str | None = None) -> str:
    """``attachment; filename="report-12.pdf"; filename*=UTF-8''...`` (RFC 6266 / 5987):
    browsers that read ``filename*`` get the Thai name, others the ASCII one."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name) or "download"
    if name is None:
        return f'{kind}; filename="{fallback}"'
    name = unicodedata.normalize("NFC", name).replace("/", "-").replace("\\", "-")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(
    data: bytes | str,
    mimetype: str,
    ascii_name: str,
    name: str | None = None,
    inline: bool = False,
) -> Response:
    """A response that saves as (or, ``inline``, shows) a file and is never cached by others:
    these files hold personal data."""
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": content_disposition(
                "inline" if inline else "attachment", ascii_name, name
            ),
            "Cache-Control": "private, no-store",
        },
    )
