"""Evaluation forms: the organizer sets the questions, opens the form and reads the results;
officers who attended answer once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workshop.downloads import XLSX, download
from workshop.extensions import db
from workshop.models import EvaluationQuestion, FormPart, QuestionKind, Role, Workshop
from workshop.services.errors import DomainError, NotFound, ValidationFailed
from workshop.services.evaluations import (
    MIN_RESPONSES_SHOWN,
    SCALE_LABELS,
    QuestionInput,
    change_form_status,
    create_form,
    form_of,
    form_results,
    open_parts,
    part_label,
    save_questions,
    set_required_for_certificate,
    status_label,
    submit_answers,
)
from workshop.services.exports import evaluation_xlsx
from workshop.services.reports import format_rate
from workshop.web.access import role_required
from workshop.web.form_errors import ErrorItem
from workshop.web.request_input import optional_int

bp = Blueprint("evaluations", __name__)

_PARTS = [p.value for p in FormPart]


def _workshop(workshop_id: int) -> Workshop:
    return db.get_or_404(Workshop, workshop_id)


# ------------------------------------------------------------------ organizer


@bp.get("/organizer/workshops/<int:workshop_id>/evaluation")
@role_required(Role.ORGANIZER)
def manage(workshop_id: int):
    workshop = _workshop(workshop_id)
    form = form_of(workshop_id)
    rows = _rows_of(form.questions) if form is not None else []
    return _editor(workshop, form, rows, {})


def _editor(workshop, form, rows, errors, status: int = 200):
    return (
        render_template(
            "evaluations/manage.html",
            workshop=workshop,
            form=form,
            rows=rows,
            errors=errors,
            summary=_summary(errors),
            parts=[(p, part_label(p)) for p in _PARTS],
            kinds=_kind_choices(),
            status_label=status_label,
            part_label=part_label,
        ),
        status,
    )


def _summary(errors: dict[str, str]) -> list[ErrorItem]:
    """The editor's errors for the summary at the top: ``questions.<i>.<field>`` link to the
    field of question row i (``q-<i>-<field>``)."""
    items = []
    for key, message in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[1].isdigit():
            number = int(parts[1]) + 1
            label = _("คำถามที่ %(n)d", n=number)
            name = {"correct_option": "correct"}.get(parts[2], parts[2])
            items.append(ErrorItem(f"q-{parts[1]}-{name}", label, message))
        else:
            items.append(ErrorItem("questions-error", "", message))
    return items


def _kind_choices() -> list[tuple[str, str]]:
    return [
        (QuestionKind.SCALE.value, _("มาตรวัด 5 ระดับ")),
        (QuestionKind.TEXT.value, _("ข้อความ (ไม่บังคับตอบ)")),
        (QuestionKind.CHOICE.value, _("เลือกตอบ (แบบทดสอบ)")),
    ]


def _rows_of(questions: list[EvaluationQuestion]) -> list[dict]:
    return [
        {
            "part": q.part,
            "section": q.section,
            "kind": q.kind,
            "text": q.text,
            "options": q.options,
            "correct": "" if q.correct_option is None else str(q.correct_option + 1),
        }
        for q in questions
    ]


def _posted_rows() -> list[dict]:
    """The editor's rows as typed, without the ones marked for removal."""
    rows = []
    count = min(request.form.get("count", type=int) or 0, 200)
    for i in range(count):
        if request.form.get(f"q-{i}-delete"):
            continue
        rows.append(
            {
                name: request.form.get(f"q-{i}-{name}", "")
                for name in ("part", "section", "kind", "text", "options", "correct")
            }
        )
    return rows


def _correct_option(text: str) -> int | None:
    """The form numbers the options from 1, the service from 0; None when no number is given
    (the service says what is missing)."""
    number = optional_int(text)
    return number - 1 if number is not None else None


def _question_inputs(rows: list[dict]) -> list[QuestionInput]:
    inputs = []
    for row in rows:
        correct = row["correct"].strip()
        inputs.append(
            QuestionInput(
                part=row["part"],
                section=row["section"],
                kind=row["kind"],
                text=row["text"],
                options=row["options"].splitlines(),
                correct_option=_correct_option(correct),
            )
        )
    return inputs


@bp.post("/organizer/workshops/<int:workshop_id>/evaluation/create")
@role_required(Role.ORGANIZER)
def create(workshop_id: int):
    _workshop(workshop_id)
    try:
        create_form(workshop_id, current_user, with_tests=bool(request.form.get("with_tests")))
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("สร้างแบบประเมินจากแบบมาตรฐานแล้ว แก้ไขคำถามได้ก่อนเปิดให้ตอบ"), "success")
    return redirect(url_for(".manage", workshop_id=workshop_id))


@bp.post("/organizer/workshops/<int:workshop_id>/evaluation/questions")
@role_required(Role.ORGANIZER)
def questions(workshop_id: int):
    workshop = _workshop(workshop_id)
    form = form_of(workshop_id)
    if form is None:
        abort(404)
    rows = _posted_rows()
    adding = request.form.get("add")
    if adding in _PARTS:  # a blank row to fill in; nothing is saved yet
        kind = QuestionKind.SCALE.value if adding == "evaluation" else QuestionKind.CHOICE.value
        rows.append(
            {"part": adding, "section": "", "kind": kind, "text": "", "options": "", "correct": ""}
        )
        return _editor(workshop, form, rows, {})
    required = bool(request.form.get("required_for_certificate"))
    try:
        save_questions(workshop_id, _question_inputs(rows), required, current_user)
    except ValidationFailed as exc:
        return _editor(workshop, form, rows, exc.fields, 422)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("บันทึกคำถามแล้ว"), "success")
    return redirect(url_for(".manage", workshop_id=workshop_id))


@bp.post("/organizer/workshops/<int:workshop_id>/evaluation/status")
@role_required(Role.ORGANIZER)
def status(workshop_id: int):
    _workshop(workshop_id)
    try:
        change_form_status(workshop_id, request.form.get("status", ""), current_user)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("เปลี่ยนสถานะแบบประเมินแล้ว"), "success")
    return redirect(url_for(".manage", workshop_id=workshop_id))


@bp.post("/organizer/workshops/<int:workshop_id>/evaluation/required")
@role_required(Role.ORGANIZER)
def required(workshop_id: int):
    _workshop(workshop_id)
    try:
        set_required_for_certificate(
            workshop_id, bool(request.form.get("required_for_certificate")), current_user
        )
    except NotFound:
        abort(404)
    flash(_("บันทึกแล้ว"), "success")
    return redirect(url_for(".manage", workshop_id=workshop_id))


@bp.get("/organizer/workshops/<int:workshop_id>/evaluation/results")
@role_required(Role.ORGANIZER)
def results(workshop_id: int):
    workshop = _workshop(workshop_id)
    try:
        figures = form_results(workshop_id)
    except NotFound:
        abort(404)
    return render_template(
        "evaluations/results.html",
        workshop=workshop,
        results=figures,
        minimum=MIN_RESPONSES_SHOWN,
        rate=format_rate,
    )


@bp.get("/organizer/workshops/<int:workshop_id>/evaluation.xlsx")
@role_required(Role.ORGANIZER)
def results_xlsx(workshop_id: int):
    workshop = _workshop(workshop_id)
    try:
        figures = form_results(workshop_id)
    except NotFound:
        abort(404)
    return download(evaluation_xlsx(workshop, figures), XLSX, f"evaluation-{workshop.id}.xlsx")


# ------------------------------------------------------------------ officers


@bp.route("/my/workshops/<int:workshop_id>/evaluation/<part>", methods=["GET", "POST"])
@role_required(Role.OFFICER)
def answer(workshop_id: int, part: str):
    workshop = _workshop(workshop_id)
    form = form_of(workshop_id)
    if form is None or part not in _PARTS or not form.questions_of(part):
        abort(404)
    if part not in open_parts(form, current_user.id):
        return render_template(
            "evaluations/closed.html", workshop=workshop, part=part_label(part)
        ), 409
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            submit_answers(workshop_id, current_user, part, request.form.to_dict())
        except ValidationFailed as exc:
            errors = exc.fields  # every unanswered question, listed at the top of the page
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("registration.mine"))
        else:
            flash(_("ขอบคุณที่ตอบ%(part)s", part=part_label(part)), "success")
            return redirect(url_for("registration.mine"))
    return render_template(
        "evaluations/answer.html",
        workshop=workshop,
        form=form,
        part=part,
        title=part_label(part),
        questions=form.questions_of(part),
        values=request.form if request.method == "POST" else {},
        errors=errors,
        scale_labels=SCALE_LABELS,
    ), (422 if errors else 200)
