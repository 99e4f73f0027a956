"""Forms for organizers: venues and workshops with their sessions.

Forms only parse what was typed (numbers, dates, times); every scheduling rule lives in
``workshop.services`` and its messages are attached back onto these fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from workshop.models import AttendanceRule, CertificateKind
from workshop.web.fields import (
    ChoiceField,
    ClockField,
    HoursField,
    ThaiDateField,
    WholeNumberField,
)
from workshop.web.request_input import optional_int

_REQUIRED = InputRequired(_l("กรุณากรอกช่องนี้"))


class VenueForm(FlaskForm):
    # The edit version the form was loaded at: a save after someone else's is refused.
    version = HiddenField()
    name = StringField(_l("ชื่อสถานที่"))
    address = StringField(_l("ที่อยู่"))
    district = StringField(_l("อำเภอ"))
    province = StringField(_l("จังหวัด"))
    capacity = WholeNumberField(_l("ความจุห้อง (คน)"), validators=[_REQUIRED])


class SessionForm(Form):
    """One sitting on one day; a row left wholly blank is ignored."""

    id = HiddenField()
    title = StringField(_l("หัวข้อช่วง"))
    day = ThaiDateField(_l("วันที่"))
    starts = ClockField(_l("เริ่ม"))
    ends = ClockField(_l("สิ้นสุด"), placeholder="16:30")
    # Blank: the session's length less the lunch break (shown as the placeholder).
    hours = HoursField(_l("ชั่วโมงอบรม"))

    def is_blank(self) -> bool:
        return not any(
            (f.raw_data[0].strip() if f.raw_data else f.data)
            for f in (self.title, self.day, self.starts, self.ends, self.hours)
        )


class WorkshopForm(FlaskForm):
    # Fields that hold a Workshop column as it is (the others are split or derived).
    scalar_fields = (
        "title",
        "office_id",
        "organizing_agency",
        "objectives",
        "topics",
        "venue_id",
        "capacity",
        "attendance_threshold",
        "attendance_rule",
        "checkout_enabled",
        "excused_count",
        "certificate_kind",
        "presiding_official",
        "signatory_name",
        "signatory_position",
    )

    version = HiddenField()  # as VenueForm.version
    title = StringField(_l("ชื่อการอบรม"))
    office_id = ChoiceField(
        _l("หน่วยงานผู้จัด"),
        coerce=int,
        validate_choice=False,
        invalid_message=_l("กรุณาเลือกหน่วยงานผู้จัด"),
    )
    organizing_agency = StringField(_l("ชื่อผู้จัดที่พิมพ์ในเอกสาร (เว้นว่าง: ชื่อหน่วยงานผู้จัด)"))
    objectives = TextAreaField(_l("วัตถุประสงค์"))
    topics = TextAreaField(_l("หัวข้อการอบรม (บรรทัดละหนึ่งหัวข้อ)"))
    venue_id = ChoiceField(
        _l("สถานที่"),
        coerce=int,
        validate_choice=False,
        invalid_message=_l("กรุณาเลือกสถานที่ที่มีอยู่ในระบบ"),
        required_message=_l("กรุณาเลือกสถานที่"),
    )
    capacity = WholeNumberField(_l("จำนวนที่รับ (คน)"), validators=[_REQUIRED])
    opens_day = ThaiDateField(_l("เปิดรับสมัคร วันที่"), validators=[_REQUIRED])
    # Blank: from the start of the day, to its end (the placeholders say so).
    opens_time = ClockField(_l("เวลา"), validators=[Optional()], placeholder="00:00")
    closes_day = ThaiDateField(_l("ปิดรับสมัคร วันที่"), validators=[_REQUIRED])
    closes_time = ClockField(_l("เวลา"), validators=[Optional()], placeholder="23:59")
    attendance_threshold = WholeNumberField(
        _l("เกณฑ์การเข้าร่วมเพื่อรับเกียรติบัตร (%)"), default=80, validators=[_REQUIRED]
    )
    attendance_rule = ChoiceField(
        _l("นับเกณฑ์จาก"),
        default=AttendanceRule.HOURS.value,
        invalid_message=_l("เกณฑ์ต้องนับเป็นชั่วโมงหรือเป็นจำนวนช่วง"),
    )
    checkout_enabled = BooleanField(_l("สแกนออกเมื่อจบแต่ละช่วง (นับชั่วโมงจากเวลาเข้าและออก)"))
    excused_count = BooleanField(_l("นับช่วงที่ลาหรือไปราชการตามเกณฑ์ด้วย"))
    certificate_kind = ChoiceField(
        _l("ชนิดเอกสาร"),
        default=CertificateKind.HONOUR.value,
        invalid_message=_l("ชนิดของเกียรติบัตรไม่ถูกต้อง"),
    )
    presiding_official = StringField(_l("ประธานในพิธี"))
    signatory_name = StringField(_l("ผู้ลงนามในเกียรติบัตร"))
    signatory_position = TextAreaField(
        _l("ตำแหน่งผู้ลงนาม (ขึ้นบรรทัดใหม่ได้ตามที่ต้องการให้พิมพ์)"), render_kw={"rows": 3}
    )
    # Labelled for the error summary: "ช่วงที่ 2 · สิ้นสุด".
    sessions = FieldList(FormField(SessionForm), label=_l("ช่วงที่"), min_entries=1, max_entries=31)


def edited_version(form: VenueForm | WorkshopForm) -> int | None:
    """The version the form was loaded at; None if it does not say (nothing to check)."""
    return optional_int(form.version.data)


class CancelWorkshopForm(FlaskForm):
    """The confirmation step of cancelling; the reason's rules (required, length, characters)
    are ``services.workshops.clean_cancel_reason``'s."""

    reason = TextAreaField(_l("เหตุผลที่ยกเลิก"))
