"""Signing in and out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from workshop.models import Role
from workshop.services.accounts import authenticate
from workshop.services.errors import AuthenticationFailed
from workshop.web.i18n import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


class LoginForm(FlaskForm):
    email = EmailField(_l("อีเมล"), validators=[DataRequired(_l("กรุณากรอกอีเมล")), Length(max=254)])
    password = PasswordField(
        _l("รหัสผ่าน"), validators=[DataRequired(_l("กรุณากรอกรหัสผ่าน")), Length(max=128)]
    )
    remember = BooleanField(_l("จำการเข้าสู่ระบบในเครื่องนี้"))


def home_for(user) -> str:
    if user.has_role(Role.ORGANIZER):
        return url_for("organizer.workshops")
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except AuthenticationFailed as exc:
            form.password.errors = [exc.message]
        else:
            login_user(user, remember=form.remember.data)
            flash(_("เข้าสู่ระบบแล้ว สวัสดีคุณ%(name)s", name=user.first_name), "success")
            return redirect(safe_next(request.args.get("next"), home_for(user)))
    status = 200 if not form.errors else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("ออกจากระบบแล้ว"), "info")
    return redirect(url_for("public.index"))
