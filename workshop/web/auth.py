"""Signing in and out."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from workshop.downloads import JSON, download
from workshop.models import Role
from workshop.ratelimit import client_address
from workshop.services.accounts import (
    authenticate,
    change_password,
    sign_out,
    sign_out_everywhere,
)
from workshop.services.errors import (
    AuthenticationFailed,
    DomainError,
    DuplicateEmail,
    TooManySignInAttempts,
    ValidationFailed,
)
from workshop.services.line import line_settings
from workshop.services.line_accounts import CHANNEL_LABELS
from workshop.services.officers import (
    PDPA_PURPOSE,
    format_phone,
    profile_of,
    sign_up_officer,
    update_profile,
)
from workshop.services.personal_data import export_filename, personal_data
from workshop.services.privacy import delete_account, deletion_preview, retention_years
from workshop.thai.provinces import PROVINCES
from workshop.web.access import role_required
from workshop.web.i18n import safe_next
from workshop.web.officer_forms import OTHER_PREFIX, ProfileForm, SignupForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


class PasswordForm(FlaskForm):
    current = PasswordField(_l("รหัสผ่านปัจจุบัน"), render_kw={"autocomplete": "current-password"})
    new = PasswordField(
        _l("รหัสผ่านใหม่ (อย่างน้อย 10 ตัวอักษร)"), render_kw={"autocomplete": "new-password"}
    )
    again = PasswordField(
        _l("ยืนยันรหัสผ่านใหม่"),
        validators=[EqualTo("new", _l("รหัสผ่านทั้งสองช่องไม่ตรงกัน"))],
        render_kw={"autocomplete": "new-password"},
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("รหัสผ่านของคุณ (เพื่อยืนยันว่าเป็นเจ้าของบัญชี)"),
        validators=[DataRequired(_l("กรุณากรอกรหัสผ่าน")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        _l("ข้าพเจ้าเข้าใจว่าการลบบัญชีย้อนกลับไม่ได้ และขอลบบัญชีพร้อมข้อมูลส่วนบุคคลของข้าพเจ้า"),
        validators=[DataRequired(_l("กรุณาติ๊กยืนยันก่อนลบบัญชี"))],
    )


class LoginForm(FlaskForm):
    # No account has a longer address or password: the same answer as for a wrong one.
    email = EmailField(
        _l("อีเมล"),
        validators=[
            DataRequired(_l("กรุณากรอกอีเมล")),
            Length(max=254, message=_l("อีเมลหรือรหัสผ่านไม่ถูกต้อง")),
        ],
    )
    password = PasswordField(
        _l("รหัสผ่าน"),
        validators=[
            DataRequired(_l("กรุณากรอกรหัสผ่าน")),
            Length(max=128, message=_l("อีเมลหรือรหัสผ่านไม่ถูกต้อง")),
        ],
    )
    remember = BooleanField(_l("จำการเข้าสู่ระบบในเครื่องนี้"))


def renew_session() -> None:
    """Start a new session: nothing kept from before (the CSRF token taken before signing in
    or out stops working), except the language chosen."""
    language = session.get("lang")
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    if language:
        session["lang"] = language


def begin_session(user, remember: bool = False) -> None:
    """Sign ``user`` in on this browser, in a new session."""
    renew_session()
    login_user(user, remember=remember)


def end_session() -> None:
    logout_user()
    renew_session()


def home_for(user) -> str:
    if user.has_role(Role.ORGANIZER):
        return url_for("organizer.workshops")
    if user.has_role(Role.ADMIN):
        return url_for("admin.offices")
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    retry_after = 0
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, client=client_address())
        except TooManySignInAttempts as exc:
            form.password.errors = [exc.message]
            retry_after = exc.retry_after
        except AuthenticationFailed as exc:
            form.password.errors = [exc.message]
        else:
            begin_session(user, remember=bool(form.remember.data))
            flash(_("เข้าสู่ระบบแล้ว สวัสดีคุณ%(name)s", name=user.first_name), "success")
            return redirect(safe_next(request.args.get("next"), home_for(user)))
    if retry_after:
        headers = {"Retry-After": str(retry_after)}
        return render_template("auth/login.html", form=form), 429, headers
    status = 200 if not form.errors else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    sign_out(current_user)
    end_session()
    flash(_("ออกจากระบบแล้ว"), "info")
    return redirect(url_for("public.index"))


@bp.post("/sign-out-everywhere")
@login_required
def logout_everywhere():
    """Sign out on every device, this one included, and revoke the account's API tokens."""
    sign_out_everywhere(current_user)
    end_session()
    flash(_("ออกจากระบบทุกอุปกรณ์แล้ว"), "info")
    return redirect(url_for("public.index"))


def _attach(form, error: ValidationFailed | DuplicateEmail) -> None:
    fields = error.fields if isinstance(error, ValidationFailed) else {"email": error.message}
    for name, message in fields.items():
        target = getattr(form, "title_other" if name == "title_prefix" else name, None)
        if name == "title_prefix" and form.title_prefix.data != OTHER_PREFIX:
            target = form.title_prefix
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            flash(message, "error")


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignupForm()
    form.set_prefix_choices()
    form.set_office_choices()
    if request.method == "GET":
        form.province.data = form.province.data or ""
    if form.validate_on_submit():
        try:
            user = sign_up_officer(
                email=form.email.data or "",
                password=form.password.data or "",
                profile=form.profile(),
                consent=bool(form.consent.data),
            )
        except (ValidationFailed, DuplicateEmail) as exc:
            _attach(form, exc)
        else:
            begin_session(user)
            flash(_("สมัครบัญชีเรียบร้อยแล้ว ยินดีต้อนรับคุณ%(name)s", name=user.first_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("public.index")))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/signup.html", form=form, purpose=PDPA_PURPOSE, provinces=PROVINCES
    ), status


@bp.route("/profile", methods=["GET", "POST"])
@role_required(Role.OFFICER)
def profile():
    form = ProfileForm()
    form.set_prefix_choices()
    form.set_office_choices()
    if request.method == "GET":
        current = profile_of(current_user)
        for name in ("first_name", "last_name", "position", "agency", "district", "province"):
            getattr(form, name).data = getattr(current, name)
        form.office_choice.data = current.office_choice
        form.phone.data = format_phone(current.phone)
        form.email.data = current_user.email
        form.load_prefix(current.title_prefix)
    elif form.validate_on_submit():
        try:
            update_profile(current_user, email=form.email.data or "", profile=form.profile())
        except (ValidationFailed, DuplicateEmail) as exc:
            _attach(form, exc)
        else:
            flash(_("บันทึกข้อมูลส่วนตัวแล้ว"), "success")
            return redirect(url_for(".profile"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/profile.html",
        form=form,
        provinces=PROVINCES,
        retention_years=retention_years(),
        line_enabled=line_settings() is not None,
        notice_channels=CHANNEL_LABELS,
    ), status


@bp.get("/my-data.json")
@login_required
def my_data():
    """Everything held about the signed-in person, as a JSON file to keep (PDPA)."""
    data = json.dumps(personal_data(current_user).as_json(), ensure_ascii=False, indent=2)
    return download(data, JSON, export_filename(current_user))


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete():
    """Delete one's own account after reading what happens and typing the password again."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            delete_account(current_user, form.password.data or "")
        except ValidationFailed as exc:
            form.password.errors = [*form.password.errors, *exc.fields.values()]
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            end_session()
            flash(
                _("ลบบัญชีและข้อมูลส่วนบุคคลของคุณเรียบร้อยแล้ว ขอบคุณที่ใช้บริการ"),
                "success",
            )
            return redirect(url_for("public.index"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/delete.html", form=form, preview=deletion_preview(current_user)
    ), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data or "", form.new.data or "")
        except ValidationFailed as exc:
            for name, message in exc.fields.items():
                field = getattr(form, name)
                field.errors = [*field.errors, message]
        else:
            # The change ended every session of the account; this one goes on, renewed.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            user = current_user._get_current_object()
            begin_session(user, remember=remembered in request.cookies)
            flash(_("เปลี่ยนรหัสผ่านแล้ว อุปกรณ์อื่นที่เข้าสู่ระบบไว้ต้องเข้าสู่ระบบใหม่"), "success")
            return redirect(home_for(user))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
