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
    password_change_problems,
    sign_out,
    sign_out_everywhere,
)
from workshop.services.errors import (
    AuthenticationFailed,
    DomainError,
    DuplicateEmail,
    InvalidResetLink,
    TooManySignInAttempts,
    ValidationFailed,
)
from workshop.services.line import line_settings
from workshop.services.line_accounts import CHANNEL_LABELS
from workshop.services.officers import (
    PDPA_PURPOSE,
    format_phone,
    profile_of,
    profile_problems,
    sign_up_officer,
    sign_up_problems,
    update_profile,
)
from workshop.services.password_resets import (
    check_reset_link,
    request_password_reset,
    reset_password,
)
from workshop.services.passwords import password_problem
from workshop.services.personal_data import export_filename, personal_data
from workshop.services.privacy import (
    delete_account,
    deletion_preview,
    deletion_problems,
    retention_years,
)
from workshop.thai.provinces import PROVINCES
from workshop.web.access import role_required
from workshop.web.form_errors import add_error, add_errors
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


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("อีเมลที่ใช้สมัคร"),
        validators=[DataRequired(_l("กรุณากรอกอีเมล")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("รหัสผ่านใหม่ (อย่างน้อย 10 ตัวอักษร)"), render_kw={"autocomplete": "new-password"}
    )
    again = PasswordField(
        _l("ยืนยันรหัสผ่านใหม่"),
        validators=[EqualTo("password", _l("รหัสผ่านทั้งสองช่องไม่ตรงกัน"))],
        render_kw={"autocomplete": "new-password"},
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
    if user.has_role(Role.STAFF):
        return url_for("checkin.index")  # door staff come to check people in
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


def _profile_target(form, name: str):
    """The field a profile service error belongs on (a typed-in prefix has its own box)."""
    if name == "title_prefix" and form.title_prefix.data == OTHER_PREFIX:
        return form.title_other
    return getattr(form, name, None)


def attach_profile_errors(form, problems: dict[str, str]) -> None:
    for message in add_errors(problems, lambda name: _profile_target(form, name)):
        flash(message, "error")


def _email_taken(problems: dict[str, str]) -> bool:
    return problems.get("email") == DuplicateEmail().message


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignupForm()
    form.set_prefix_choices()
    form.set_office_choices()
    taken = False
    if request.method == "POST":
        # One pass: the form's checks and every rule of the service, all reported together.
        form.validate()
        arguments = {
            "email": form.email.data or "",
            "password": form.password.data or "",
            "profile": form.profile(),
            "consent": bool(form.consent.data),
        }
        problems = sign_up_problems(**arguments)[1]
        attach_profile_errors(form, problems)
        taken = _email_taken(problems)
        if not form.errors:
            try:
                user = sign_up_officer(**arguments)
            except (ValidationFailed, DuplicateEmail) as exc:  # a race: taken meanwhile
                fields = exc.fields if isinstance(exc, ValidationFailed) else {"email": exc.message}
                attach_profile_errors(form, fields)
                taken = _email_taken(fields)
            else:
                begin_session(user)
                flash(
                    _("สมัครบัญชีเรียบร้อยแล้ว ยินดีต้อนรับคุณ%(name)s", name=user.first_name),
                    "success",
                )
                return redirect(safe_next(request.args.get("next"), url_for("public.index")))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/signup.html", form=form, purpose=PDPA_PURPOSE, provinces=PROVINCES, taken=taken
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
    else:
        form.validate()
        email, details = form.email.data or "", form.profile()
        problems = profile_problems(current_user, email=email, profile=details)[1]
        attach_profile_errors(form, problems)
        if not form.errors:
            try:
                update_profile(current_user, email=email, profile=details)
            except (ValidationFailed, DuplicateEmail) as exc:
                fields = exc.fields if isinstance(exc, ValidationFailed) else {"email": exc.message}
                attach_profile_errors(form, fields)
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
    if request.method == "POST":
        form.validate()  # the tick box, and the password checked in the same pass
        add_errors(
            deletion_problems(current_user, form.password.data or ""),
            lambda name: getattr(form, name, None),
        )
    if request.method == "POST" and not form.errors:
        try:
            delete_account(current_user, form.password.data or "")
        except ValidationFailed as exc:
            add_errors(exc.fields, lambda name: getattr(form, name, None))
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
    if request.method == "POST":
        form.validate()  # the two new ones match; the service checks the rest, in the same pass
        current, new = form.current.data or "", form.new.data or ""
        problems = password_change_problems(current_user, current, new)
        add_errors(problems, lambda name: getattr(form, name, None))
        if not form.errors:
            try:
                change_password(current_user, current, new)
            except ValidationFailed as exc:
                add_errors(exc.fields, lambda name: getattr(form, name, None))
            else:
                # The change ended every session of the account; this one goes on, renewed.
                remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
                user = current_user._get_current_object()
                begin_session(user, remember=remembered in request.cookies)
                flash(_("เปลี่ยนรหัสผ่านแล้ว อุปกรณ์อื่นที่เข้าสู่ระบบไว้ต้องเข้าสู่ระบบใหม่"), "success")
                return redirect(home_for(user))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if form.validate_on_submit():
        request_password_reset(form.email.data or "")
        return render_template("auth/forgot_sent.html", email=form.email.data)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form), status


@bp.after_app_request
def keep_reset_links_private(response):
    """A reset link's token is in the page's URL: never cached, never sent on as a referrer."""
    if request.endpoint == "auth.reset":
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Set a new password through the mailed link."""
    try:
        user = check_reset_link(token)
    except InvalidResetLink as exc:
        return render_template("auth/reset_invalid.html", message=exc.message), 410
    form = ResetPasswordForm()
    if request.method == "POST":
        form.validate()  # the two fields match, and the policy's rules below: in one pass
        problem = password_problem(
            form.password.data, email=user.email, names=(user.first_name, user.last_name)
        )
        if problem:
            add_error(form.password, problem)
        if not form.errors:
            try:
                reset_password(token, form.password.data or "")
            except InvalidResetLink as exc:
                return render_template("auth/reset_invalid.html", message=exc.message), 410
            except ValidationFailed as exc:
                form.password.errors = [*exc.fields.values()]
            else:
                if current_user.is_authenticated:
                    end_session()
                flash(_("ตั้งรหัสผ่านใหม่แล้ว กรุณาเข้าสู่ระบบด้วยรหัสผ่านใหม่"), "success")
                return redirect(url_for(".login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset.html", form=form, email=user.email), status
