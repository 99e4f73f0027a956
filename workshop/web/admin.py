"""Admin pages: offices, and the accounts of organizers and door staff of each office."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from workshop.models import Role
from workshop.services.accounts import create_user
from workshop.services.errors import DomainError, NotFound, ValidationFailed
from workshop.services.offices import (
    STAFF_ROLES,
    OfficeInput,
    create_office,
    get_office,
    list_offices,
    list_staff_accounts,
    set_account_office,
    update_office,
)
from workshop.web.access import role_required
from workshop.web.admin_forms import AccountForm, AccountOfficeForm, OfficeForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {
    Role.ADMIN.value: _l("ผู้ดูแลระบบ"),
    Role.ORGANIZER.value: _l("ผู้จัด"),
    Role.STAFF.value: _l("เจ้าหน้าที่หน้างาน"),
}


@bp.before_request
@role_required(Role.ADMIN)
def admins_only():
    """Every page below needs an admin (anonymous → sign-in, other roles → 403)."""


def _attach(form, error: ValidationFailed) -> None:
    for name, message in error.fields.items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            flash(message, "error")


def _office_choices(blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(str(o.id), o.name if o.parent_id is None else f"— {o.name}")
        for o in list_offices()
    ]


def _office_input(form: OfficeForm) -> OfficeInput:
    parent = form.parent_id.data
    return OfficeInput(
        name=form.name.data or "",
        short_name=form.short_name.data or "",
        parent_id=int(parent) if parent and str(parent).isdigit() else None,
        province=form.province.data or "",
        district=form.district.data or "",
    )


@bp.get("/")
@bp.get("/offices")
def offices():
    return render_template("admin/offices.html", offices=list_offices())


@bp.route("/offices/new", methods=["GET", "POST"])
def office_new():
    return _office_form(None)


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
def office_edit(office_id: int):
    try:
        office = get_office(office_id)
    except NotFound:
        abort(404)
    return _office_form(office)


def _office_form(office):
    form = OfficeForm(obj=office)
    if office is not None and not form.is_submitted():
        form.parent_id.data = str(office.parent_id or "")
    form.parent_id.choices = [SelectChoice("", _("— ไม่มี (สำนักงานระดับจังหวัด) —"))] + [
        SelectChoice(str(o.id), o.name)
        for o in list_offices()
        if o.parent_id is None and (office is None or o.id != office.id)
    ]
    if form.validate_on_submit():
        try:
            if office is None:
                saved = create_office(_office_input(form), current_user)
            else:
                saved = update_office(office.id, _office_input(form), current_user)
        except ValidationFailed as exc:
            _attach(form, exc)
        else:
            flash(_("บันทึกหน่วยงาน %(name)s แล้ว", name=saved.name), "success")
            return redirect(url_for(".offices"))
    return render_template("admin/office_form.html", form=form, office=office), (
        422 if form.errors else 200
    )


@bp.get("/accounts")
def accounts():
    return render_template(
        "admin/accounts.html", accounts=list_staff_accounts(), role_labels=ROLE_LABELS
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
def account_new():
    form = AccountForm()
    form.role.choices = [SelectChoice(r, ROLE_LABELS[r]) for r in STAFF_ROLES]
    form.office_id.choices = _office_choices(_("— เลือกหน่วยงาน —"))
    if form.validate_on_submit():
        office = form.office_id.data
        office_id = int(office) if office and str(office).isdigit() else None
        try:
            if form.role.data != Role.ADMIN and office_id is None:
                raise ValidationFailed({"office_id": _("ผู้จัดและเจ้าหน้าที่ต้องสังกัดหน่วยงาน")})
            user = create_user(
                email=form.email.data or "",
                password=form.password.data or "",
                role=form.role.data,
                title_prefix=form.title_prefix.data or "",
                first_name=form.first_name.data or "",
                last_name=form.last_name.data or "",
                position=form.position.data or "",
                office_id=office_id,
                actor=current_user,
            )
        except ValidationFailed as exc:
            _attach(form, exc)
        except DomainError as exc:
            form.email.errors = [*form.email.errors, exc.message]
        else:
            flash(_("สร้างบัญชี %(email)s แล้ว", email=user.email), "success")
            return redirect(url_for(".accounts"))
    return render_template("admin/account_form.html", form=form), (422 if form.errors else 200)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
def account_edit(user_id: int):
    account = next((a for a in list_staff_accounts() if a.id == user_id), None)
    if account is None:
        abort(404)
    form = AccountOfficeForm(obj=account)
    if not form.is_submitted():
        form.office_id.data = str(account.office_id or "")
    form.office_id.choices = _office_choices(_("— ไม่สังกัด —"))
    if form.validate_on_submit():
        office = form.office_id.data
        try:
            set_account_office(
                account.id,
                int(office) if office and str(office).isdigit() else None,
                bool(form.active.data),
                current_user,
            )
        except ValidationFailed as exc:
            _attach(form, exc)
        else:
            flash(_("บันทึกบัญชี %(email)s แล้ว", email=account.email), "success")
            return redirect(url_for(".accounts"))
    return render_template(
        "admin/account_edit.html", form=form, account=account, role_labels=ROLE_LABELS
    ), (422 if form.errors else 200)
