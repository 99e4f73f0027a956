"""Forms for officers' own accounts: sign-up and profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import EqualTo, InputRequired

from workshop.services.officers import OfficerProfile
from workshop.services.offices import OTHER_OFFICE, list_offices
from workshop.thai.names import COMMON_PREFIXES
from workshop.web.fields import choose_first

OTHER_PREFIX = "other"


class ProfileFields(FlaskForm):
    # Starts at "กรุณาเลือก": a preselected นาย ended up on women's certificates.
    title_prefix = SelectField(
        _l("คำนำหน้าชื่อ"),
        validate_choice=False,
        validators=[InputRequired(_l("กรุณาเลือกคำนำหน้าชื่อ"))],
    )
    title_other = StringField(_l("คำนำหน้าอื่น (เช่น ว่าที่ร้อยตรี, ดร.)"))
    first_name = StringField(_l("ชื่อ"), render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("นามสกุล"), render_kw={"autocomplete": "family-name"})
    position = StringField(_l("ตำแหน่ง"), render_kw={"autocomplete": "organization-title"})
    office_choice = SelectField(_l("หน่วยงาน / สังกัด"), validate_choice=False)
    agency = StringField(_l("ชื่อหน่วยงาน (ถ้าเลือก อื่น ๆ)"), render_kw={"autocomplete": "organization"})
    district = StringField(_l("อำเภอ"))
    province = StringField(_l("จังหวัด"), render_kw={"list": "provinces"})
    phone = TelField(
        _l("โทรศัพท์มือถือ"), render_kw={"autocomplete": "tel", "placeholder": "081-234-5678"}
    )
    email = EmailField(_l("อีเมล"), render_kw={"autocomplete": "email"})

    def set_prefix_choices(self) -> None:
        self.title_prefix.choices = choose_first(
            [(p, p) for p in COMMON_PREFIXES] + [(OTHER_PREFIX, str(_l("อื่นๆ")))]
        )

    def set_office_choices(self) -> None:
        """Offices to pick from (a provincial office, then its district offices), and "อื่น ๆ"
        for anyone outside them, who then types the agency's name."""
        self.office_choice.choices = (
            [("", str(_l("— เลือกหน่วยงาน —")))]
            + [(str(o.id), o.name) for o in list_offices()]
            + [(OTHER_OFFICE, str(_l("อื่น ๆ (พิมพ์ชื่อหน่วยงานเอง)")))]
        )

    def load_prefix(self, prefix: str) -> None:
        if prefix in COMMON_PREFIXES:
            self.title_prefix.data = prefix
        elif prefix:
            self.title_prefix.data, self.title_other.data = OTHER_PREFIX, prefix

    def profile(self) -> OfficerProfile:
        prefix = self.title_prefix.data or ""
        if prefix == OTHER_PREFIX:
            prefix = self.title_other.data or ""
        return OfficerProfile(
            title_prefix=prefix,
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            position=self.position.data or "",
            agency=self.agency.data or "",
            office_choice=self.office_choice.data or "",
            district=self.district.data or "",
            province=self.province.data or "",
            phone=self.phone.data or "",
        )


class SignupForm(ProfileFields):
    password = PasswordField(
        _l("รหัสผ่าน (อย่างน้อย 10 ตัวอักษร)"), render_kw={"autocomplete": "new-password"}
    )
    password_again = PasswordField(
        _l("ยืนยันรหัสผ่าน"),
        validators=[EqualTo("password", _l("รหัสผ่านทั้งสองช่องไม่ตรงกัน"))],
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(_l("ยินยอมตามข้อความข้างต้น"))


class ProfileForm(ProfileFields):
    pass


class WalkInForm(ProfileFields):
    """An officer who arrives without registering: e-mail optional, consent given at the door."""

    consent = BooleanField(_l("ผู้เข้าอบรมให้ความยินยอมตาม พ.ร.บ. คุ้มครองข้อมูลส่วนบุคคลแล้ว"))
