"""Forms for admins: offices and the accounts of organizers and door staff."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField

from workshop.web.fields import ChoiceField


class OfficeForm(FlaskForm):
    name = StringField(_l("ชื่อหน่วยงาน"))
    short_name = StringField(_l("ชื่อย่อ"))
    parent_id = ChoiceField(
        _l("สังกัด (สำนักงานระดับจังหวัด)"),
        validate_choice=False,
        invalid_message=_l("กรุณาเลือกหน่วยงานต้นสังกัดจากรายการ"),
    )
    province = StringField(_l("จังหวัด"))
    district = StringField(_l("อำเภอ (เว้นว่างสำหรับสำนักงานระดับจังหวัด)"))


class AccountForm(FlaskForm):
    role = ChoiceField(_l("บทบาท"), invalid_message=_l("บทบาทไม่ถูกต้อง"))
    office_id = ChoiceField(
        _l("หน่วยงาน"), validate_choice=False, invalid_message=_l("กรุณาเลือกหน่วยงานจากรายการ")
    )
    email = EmailField(_l("อีเมล"))
    password = PasswordField(_l("รหัสผ่านเริ่มต้น"))
    title_prefix = StringField(_l("คำนำหน้า"))
    first_name = StringField(_l("ชื่อ"))
    last_name = StringField(_l("นามสกุล"))
    position = StringField(_l("ตำแหน่ง"))


class AccountOfficeForm(FlaskForm):
    office_id = ChoiceField(
        _l("หน่วยงาน"), validate_choice=False, invalid_message=_l("กรุณาเลือกหน่วยงานจากรายการ")
    )
    active = BooleanField(_l("ใช้งานได้"))
