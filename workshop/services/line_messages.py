"""Registration notices as LINE messages: one Flex bubble per notice, with the ticket's QR code.

Why a Flex bubble with the QR as its image, rather than a text with a link to the ticket page:
at the door the officer has to show the QR. A link opens LINE's in-app browser, which does not
share the phone browser's sign-in, so the officer would have to sign in at the venue's door,
often on a weak signal. The bubble shows the QR in the chat itself, where LINE keeps it, next
to what the notice says (workshop, dates, venue); tapping the QR opens it full size, and a
button leads to the ticket page for everything else. The QR image is served from
``/line/tickets/<ticket>.png`` (``web.line``), which LINE's servers fetch: LINE requires an
https address for images, so without an https ``BASE_URL`` (a LAN or development setup) the
bubble carries the ticket code as text instead of the image.

The wording comes from ``services.mail.notice_context``: the same notice, another channel.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import current_app

from workshop.models import Notification, Registration, WorkshopMessage
from workshop.services.line import LineSettings, push_message
from workshop.services.mail import CANCELLATIONS, notice_context

ALT_TEXT_MAX = 400  # what LINE shows in the chat list and in notifications
OK_COLOUR = "#1F7A3A"
CANCEL_COLOUR = "#B3261E"
MUTED_COLOUR = "#5B6473"
# {qr}: where the QR is, in the bubble or (no image) behind its button.
QR_HERE = "คิวอาร์โค้ดนี้"
QR_BEHIND_BUTTON = "คิวอาร์โค้ดในหน้าบัตรเข้างาน (ปุ่มด้านล่าง)"
_INTRO = {
    "confirmed": "ยืนยันที่นั่งแล้ว แสดง{qr}ต่อเจ้าหน้าที่ลงทะเบียนหน้างานทุกช่วงการอบรม",
    "waitlisted": (
        "ที่นั่งเต็มแล้ว ท่านอยู่ในรายชื่อสำรอง เมื่อมีที่นั่งว่างระบบจะแจ้งอีกครั้ง "
        "บัตรนี้ใช้เข้างานได้เมื่อได้เลื่อนเป็นผู้ได้ที่นั่งแล้วเท่านั้น"
    ),
    "promoted": "ท่านได้ที่นั่งแล้ว แสดง{qr}ต่อเจ้าหน้าที่ลงทะเบียนหน้างานทุกช่วงการอบรม",
    "cancelled": "การลงทะเบียนของท่านถูกยกเลิกแล้ว บัตรเข้างานเดิมใช้ไม่ได้",
    "workshop_cancelled": (
        "ผู้จัดยกเลิกการอบรมนี้ การอบรมจะไม่จัดขึ้น ไม่ต้องเดินทางมาเข้าร่วม ขออภัยในความไม่สะดวก"
    ),
    "reminder": "การอบรมจะเริ่ม{starts_in} แสดง{qr}ต่อเจ้าหน้าที่ลงทะเบียนหน้างานทุกช่วงการอบรม",
    "certificate_ready": "การอบรมจบแล้ว {kind}ของท่านพร้อมแล้ว",
}
DOWNLOAD = "ดาวน์โหลดได้ที่หน้าการลงทะเบียนของฉัน"
EVALUATION_FIRST = "โปรดตอบแบบประเมินก่อน แล้วจึงดาวน์โหลด{kind}ได้"


def retry_key(notice: Notification) -> str:
    """The notice's ``X-Line-Retry-Key``: the same UUID on every attempt at this notice (so LINE
    delivers it once), different for every notice, also across a database restored from a
    backup that reuses ids (the creation time differs)."""
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/notices/{notice.id}/{notice.created_at}"))


def ticket_image_url(settings: LineSettings, token: str) -> str | None:
    """Where LINE fetches the QR image; None when LINE could not (no https address)."""
    if not settings.base_url.startswith("https://"):
        return None
    return f"{settings.base_url}/line/tickets/{token}.png"


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text, "wrap": True, **style}


def registration_messages(
    settings: LineSettings,
    registration: Registration,
    event: str,
    message: WorkshopMessage | None = None,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """The LINE message objects for one notice (one Flex message)."""
    context = notice_context(registration, event, message=message, as_of=as_of)
    event, token = context["event"], context["ticket"]
    certificate = context["certificate"]
    colour = CANCEL_COLOUR if event in CANCELLATIONS else OK_COLOUR
    image = ticket_image_url(settings, token) if token else None
    body: list[dict[str, Any]] = [_text(f"เรียน {context['name']}", size="sm", color=MUTED_COLOUR)]
    if event in _INTRO:  # a notice added later without a sentence here still goes out
        intro = _INTRO[event].format(
            qr=QR_HERE if image else QR_BEHIND_BUTTON,
            starts_in=context["starts_in"],
            kind=certificate.kind if certificate else "",
        )
        if certificate and certificate.evaluation_required:
            intro = (
                f"{intro.split(' ดาวน์โหลด')[0]} {EVALUATION_FIRST.format(kind=certificate.kind)}"
            )
        body.append(_text(intro, size="sm"))
    if context["body"]:
        body.append(_text(context["body"], size="sm"))
    body += [
        _text(context["workshop"].full_title, weight="bold", size="md", margin="md"),
        _text(f"จัดโดย {context['workshop'].organizing_agency}", size="sm", color=MUTED_COLOUR),
    ]
    for line in context["sessions"]:
        title = f" {line.title}" if line.title else ""
        body.append(_text(f"{line.date} เวลา {line.time}{title}", size="sm"))
    body.append(_text(f"สถานที่: {context['venue']}", size="sm", color=MUTED_COLOUR))
    if context["reason"]:
        body.append(_text(f"เหตุผลที่ยกเลิก: {context['reason']}", size="sm", color=CANCEL_COLOUR))
    if token:
        body.append(_text(f"รหัสบัตร {token}", size="xs", color=MUTED_COLOUR, margin="md"))

    bubble: dict[str, Any] = {
        "type": "bubble",
        "header": {
            "type": "box",
            "layout": "vertical",
            "contents": [_text(context["headline"], weight="bold", size="lg", color=colour)],
        },
    }
    if image:
        bubble["hero"] = {
            "type": "image",
            "url": image,
            "size": "full",
            "aspectRatio": "1:1",
            "aspectMode": "fit",
            "backgroundColor": "#FFFFFF",
            "action": {"type": "uri", "label": "เปิดคิวอาร์โค้ด", "uri": image},
        }
    bubble["body"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body}
    label = "ดูสถานะการลงทะเบียน" if event in CANCELLATIONS else "ดูบัตรเข้างาน"
    buttons = []
    if certificate is not None:
        label = f"ดาวน์โหลด{certificate.kind}"
        if certificate.evaluation_link:
            buttons.append(_button("ตอบแบบประเมิน", certificate.evaluation_link))
    elif event == "message":
        label = "ดูการลงทะเบียนของฉัน"
    buttons.append(_button(label, context["link"]))
    bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons}
    return [
        {
            "type": "flex",
            "altText": context["subject"][:ALT_TEXT_MAX],
            "contents": bubble,
        }
    ]


def _button(label: str, uri: str) -> dict[str, Any]:
    return {
        "type": "button",
        "style": "primary",
        "color": "#0B5CAD",
        "action": {"type": "uri", "label": label, "uri": uri},
    }


def push_registration_notice(settings: LineSettings, notice: Notification) -> str:
    """Push one notice to the officer's LINE; returns the LINE user id it went to."""
    registration = notice.registration
    to = registration.user.line_user_id
    if not to:
        raise RuntimeError("the officer has no LINE account linked")
    push_message(
        settings,
        to,
        registration_messages(settings, registration, notice.event, notice.message, notice.due_at),
        retry_key(notice),
    )
    return to
