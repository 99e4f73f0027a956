"""Form fields for Thai dates (day/month/BE year) and wall-clock times."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import TextInput

from workshop.thai.date_input import THAI_DIGITS, DateUnreadable, read_date
from workshop.thai.dates import BE_OFFSET, ENGLISH_MONTHS, THAI_MONTHS_SHORT
from workshop.web.i18n import current_locale
from workshop.web.request_input import database_int

_THAI_DIGITS = THAI_DIGITS
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})(?:\s*(?:น\.?|นาฬิกา))?$")


def parse_thai_date(text: str) -> date:
    """``20/10/2558`` (BE), ``20/10/2015`` (CE), ``20/10/58``, ``2015-10-20``, Thai digits too
    (``thai.date_input.read_date``), with the refusal in the page's language."""
    try:
        return read_date(text).value
    except DateUnreadable as exc:
        if exc.reason == "calendar":
            raise ValueError(str(_l("ไม่มีวันที่นี้ในปฏิทิน"))) from None
        raise ValueError(str(_l("รูปแบบวันที่ไม่ถูกต้อง ใช้ วว/ดด/ปปปป เช่น 20/10/2558"))) from None


def describe_read_date(text: str) -> str:
    """How a typed date was read, in the page's language, to show beside the field:
    ``20 ม.ค. 2570``, and ``20/01/2027 → 20 ม.ค. 2570 (ปี ค.ศ. 2027 แปลงเป็น พ.ศ. 2570)`` when a
    year of the other era was converted. Empty for nothing typed; the refusal if unreadable."""
    if not (text or "").strip():
        return ""
    try:
        read = read_date(text)
    except DateUnreadable:
        try:
            parse_thai_date(text)  # raises, with the refusal in the page's language
        except ValueError as exc:
            return str(exc)
    day = read.value
    english = current_locale() == "en"
    if english:
        shown = f"{day.day} {ENGLISH_MONTHS[day.month - 1][:3]} {day.year}"
        converted = read.era == "BE"
    else:
        shown = f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {day.year + BE_OFFSET}"
        converted = read.era == "CE"
    if not converted:
        return f"→ {shown}"
    if english:
        note = _l("ปี พ.ศ. %(be)d แปลงเป็น ค.ศ. %(ce)d", be=read.typed_year, ce=day.year)
    else:
        note = _l("ปี ค.ศ. %(ce)d แปลงเป็น พ.ศ. %(be)d", ce=read.typed_year, be=day.year + BE_OFFSET)
    return f"{text.strip()} → {shown} ({note})"


def format_date_input(value: date) -> str:
    """The way a date is written back into a form field: BE in Thai, CE in English."""
    year = value.year if current_locale() == "en" else value.year + BE_OFFSET
    return f"{value.day:02d}/{value.month:02d}/{year}"


def parse_clock(text: str) -> time:
    """``08:30``, ``8.30`` or ``08.30 น.``"""
    text = text.strip().translate(_THAI_DIGITS)
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(str(_l("รูปแบบเวลาไม่ถูกต้อง ใช้ ชช:นน เช่น 08:30")))
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(str(_l("ไม่มีเวลานี้")))
    return time(hour, minute)


class ThaiDateField(StringField):
    """A text field holding a date written day/month/year, BE or CE."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].update(
            {"inputmode": "numeric", "placeholder": "วว/ดด/ปปปป", "autocomplete": "off"}
        )
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = parse_thai_date(valuelist[0]) if valuelist[0].strip() else None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_date_input(self.data) if isinstance(self.data, date) else ""

    def interpretation(self) -> str:
        """How what was typed was read (shown beside the field after a submit; forms.js keeps it
        up to date while typing)."""
        return describe_read_date(self.raw_data[0]) if self.raw_data else ""


class ClockField(StringField):
    """A text field holding a 24-hour wall-clock time; ``placeholder`` is the example shown
    (an end time's own, or the time a blank field stands for)."""

    def __init__(self, label=None, validators=None, placeholder: str = "08:30", **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].update({"inputmode": "numeric", "placeholder": placeholder})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = parse_clock(valuelist[0]) if valuelist[0].strip() else None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if isinstance(self.data, time) else ""


class WholeNumberField(IntegerField):
    """An integer field whose parse error speaks Thai and accepts Thai digits.

    Rendered as a text box with a numeric keypad, not ``type="number"``: browsers refuse Thai
    digits (and thousands separators) in a number box, so what the server accepts could not
    be typed.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "numeric")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip().translate(_THAI_DIGITS)
        self.data = None
        if not raw:
            return
        if not re.fullmatch(r"[+-]?\d{1,9}", raw.replace(",", "")):
            raise ValueError(str(_l("กรุณากรอกเป็นตัวเลขจำนวนเต็ม")))
        self.data = int(raw.replace(",", ""))


PLEASE_CHOOSE = _l("กรุณาเลือก")


def _id_or_none(value):
    """An id from a select: only what a database integer holds; blank (``กรุณาเลือก``) is None."""
    return None if value is None or value == "" else database_int(value)


def choose_first(choices: list) -> list:
    """``choices`` after a blank ``กรุณาเลือก``: a required choice is never made for the user."""
    return [("", str(PLEASE_CHOOSE)), *choices]


class ChoiceField(SelectField):
    """A select whose refusals (a value that is not a number, or not one of the choices) say
    ``invalid_message`` in the page's language instead of WTForms' English. With
    ``required_message`` the choices start at a blank ``กรุณาเลือก`` (``choose_first``) that
    must be changed."""

    def __init__(
        self, label=None, validators=None, *, invalid_message, required_message=None, **kwargs
    ):
        if kwargs.get("coerce") is int:  # an id: only what a database integer holds
            kwargs["coerce"] = _id_or_none
        if required_message is not None:
            validators = [InputRequired(required_message), *(validators or [])]
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(self.invalid_message)) from None


class HoursField(StringField):
    """A number of hours such as ``3.5`` (Thai digits accepted); blank is None.

    Only the typing is checked here; the range and the two decimals are the service's rules.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip().translate(_THAI_DIGITS).replace(",", ".")
        self.data = None
        if not raw:
            return
        if not re.fullmatch(r"\d{1,3}(?:\.\d{1,6})?", raw):
            raise ValueError(str(_l("กรุณากรอกชั่วโมงเป็นตัวเลข เช่น 3.5")))
        self.data = Decimal(raw)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            text = f"{self.data:f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
        return ""
