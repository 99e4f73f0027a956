"""Evaluation forms: the questions an organizer sets, anonymous answers from attendees, and the
results as Thai government reports give them (n, mean, S.D. and the interpretation band).

Who answered is kept (``EvaluationSubmission``, so each person answers once and the organizer
sees who has not); what they answered is stored apart with a random key and no time
(``EvaluationResponse``), and results are shown only from MIN_RESPONSES_SHOWN answers on, so
that no single person's answers can be picked out.
"""

from __future__ import annotations

import math
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from workshop.extensions import db
from workshop.models import (
    CheckIn,
    EvaluationAnswer,
    EvaluationForm,
    EvaluationQuestion,
    EvaluationResponse,
    EvaluationSubmission,
    FormPart,
    FormStatus,
    QuestionKind,
    Registration,
    RegistrationStatus,
    User,
    Workshop,
    WorkshopSession,
)
from workshop.models.types import utcnow
from workshop.services.audit import record_event
from workshop.services.errors import DomainError, NotFound, ValidationFailed
from workshop.services.transactions import write_transaction
from workshop.thai.names import full_name, thai_sort_key

# Results (and comments) appear only once this many people answered a part.
MIN_RESPONSES_SHOWN = 3
MAX_QUESTIONS = 60
MAX_OPTIONS = 8

SCALE_LABELS: dict[int, object] = {
    5: _l("มากที่สุด"),
    4: _l("มาก"),
    3: _l("ปานกลาง"),
    2: _l("น้อย"),
    1: _l("น้อยที่สุด"),
}

PART_LABELS: dict[str, object] = {
    FormPart.EVALUATION.value: _l("แบบประเมินความพึงพอใจ"),
    FormPart.PRETEST.value: _l("แบบทดสอบก่อนการอบรม"),
    FormPart.POSTTEST.value: _l("แบบทดสอบหลังการอบรม"),
}

STATUS_LABELS: dict[str, object] = {
    FormStatus.DRAFT.value: _l("ร่าง (แก้ไขคำถามได้)"),
    FormStatus.OPEN.value: _l("เปิดให้ตอบ"),
    FormStatus.CLOSED.value: _l("ปิดรับคำตอบแล้ว"),
}

# The usual questions of a Thai government training evaluation: (section, kind, question).
DEFAULT_QUESTIONS: list[tuple[str, str, str]] = [
    ("ด้านวิทยากร", "scale", "วิทยากรมีความรู้ความเชี่ยวชาญในเรื่องที่ถ่ายทอด"),
    ("ด้านวิทยากร", "scale", "วิทยากรถ่ายทอดได้ชัดเจน เข้าใจง่าย"),
    ("ด้านวิทยากร", "scale", "วิทยากรเปิดโอกาสให้ซักถามและตอบคำถามได้ตรงประเด็น"),
    ("ด้านเนื้อหา", "scale", "เนื้อหาตรงตามวัตถุประสงค์ของการอบรม"),
    ("ด้านเนื้อหา", "scale", "เนื้อหาเหมาะสมและเป็นประโยชน์ต่อการปฏิบัติงาน"),
    ("ด้านสถานที่ อาหาร และระยะเวลา", "scale", "สถานที่อบรมมีความเหมาะสม"),
    ("ด้านสถานที่ อาหาร และระยะเวลา", "scale", "อาหารและเครื่องดื่มมีความเหมาะสม"),
    ("ด้านสถานที่ อาหาร และระยะเวลา", "scale", "ระยะเวลาการอบรมมีความเหมาะสม"),
    ("ด้านความรู้ความเข้าใจ", "scale", "ความรู้ความเข้าใจในเรื่องที่อบรม ก่อนการอบรม"),
    ("ด้านความรู้ความเข้าใจ", "scale", "ความรู้ความเข้าใจในเรื่องที่อบรม หลังการอบรม"),
    ("ด้านการนำไปใช้", "scale", "สามารถนำความรู้ที่ได้รับไปประยุกต์ใช้ในการปฏิบัติงานได้"),
    ("ด้านการนำไปใช้", "scale", "ความพึงพอใจโดยรวมต่อการอบรมครั้งนี้"),
    ("ข้อเสนอแนะ", "text", "ข้อเสนอแนะเพิ่มเติม"),
]

# A test starts with one example question for the organizer to replace.
DEFAULT_TEST_QUESTION = (
    "",
    "choice",
    "ตัวอย่างคำถาม: หน่วยงานใดรับผิดชอบงานพัฒนาชุมชนในระดับอำเภอ",
    ["สำนักงานพัฒนาชุมชนอำเภอ", "ที่ว่าการอำเภอ", "องค์การบริหารส่วนตำบล", "สำนักงานจังหวัด"],
    0,
)


def interpretation(mean: float) -> str:
    """The band of a 5-level mean: 4.51–5.00 มากที่สุด … 1.00–1.50 น้อยที่สุด."""
    for floor, level in ((4.505, 5), (3.505, 4), (2.505, 3), (1.505, 2)):
        if mean >= floor:
            return str(SCALE_LABELS[level])
    return str(SCALE_LABELS[1])


def part_label(part: str) -> str:
    return str(PART_LABELS.get(part, part))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


# ------------------------------------------------------------------ setting up a form


@dataclass
class QuestionInput:
    part: str
    section: str
    kind: str
    text: str
    options: list[str] = field(default_factory=list)
    correct_option: int | None = None


def form_of(workshop_id: int) -> EvaluationForm | None:
    return db.session.scalar(
        select(EvaluationForm).where(EvaluationForm.workshop_id == workshop_id)
    )


def _form(workshop_id: int) -> EvaluationForm:
    form = form_of(workshop_id)
    if form is None:
        raise NotFound(_("การอบรมนี้ยังไม่มีแบบประเมิน"))
    return form


def _default_questions(with_tests: bool) -> list[QuestionInput]:
    questions = [QuestionInput("evaluation", s, k, t) for s, k, t in DEFAULT_QUESTIONS]
    if with_tests:
        section, kind, text, options, correct = DEFAULT_TEST_QUESTION
        for part in (FormPart.PRETEST.value, FormPart.POSTTEST.value):
            questions.append(QuestionInput(part, section, kind, text, list(options), correct))
    return questions


def create_form(workshop_id: int, actor: User, *, with_tests: bool = False) -> EvaluationForm:
    """A draft form from the default template (and a pre- and post-test when asked)."""
    with write_transaction():
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is None:
            raise NotFound()
        if form_of(workshop_id) is not None:
            raise DomainError(_("การอบรมนี้มีแบบประเมินแล้ว"), code="evaluation_exists")
        form = EvaluationForm(workshop_id=workshop_id)
        db.session.add(form)
        _replace_questions(form, _default_questions(with_tests))
        db.session.flush()
        record_event(actor, "evaluation.create", workshop, {"questions": len(form.questions)})
    return form


def _clean(questions: list[QuestionInput]) -> list[QuestionInput]:
    """Every rule for questions, checked in one pass; errors keyed ``questions.<n>.<field>``."""
    errors: dict[str, str] = {}
    cleaned: list[QuestionInput] = []
    for index, q in enumerate(questions):
        key = f"questions.{index}"
        text = " ".join(q.text.split())
        options = [" ".join(o.split()) for o in q.options if o.strip()]
        if q.part not in {p.value for p in FormPart}:
            errors[f"{key}.part"] = _("ส่วนของแบบประเมินไม่ถูกต้อง")
        if q.kind not in {k.value for k in QuestionKind}:
            errors[f"{key}.kind"] = _("ชนิดคำถามไม่ถูกต้อง")
        if not text:
            errors[f"{key}.text"] = _("กรุณากรอกคำถาม")
        elif len(text) > EvaluationQuestion.TEXT_MAX:
            errors[f"{key}.text"] = _("คำถามยาวได้ไม่เกิน %(n)d ตัวอักษร", n=EvaluationQuestion.TEXT_MAX)
        if len(q.section) > EvaluationQuestion.SECTION_MAX:
            errors[f"{key}.section"] = _(
                "ชื่อหมวดยาวได้ไม่เกิน %(n)d ตัวอักษร", n=EvaluationQuestion.SECTION_MAX
            )
        is_test = q.part != FormPart.EVALUATION.value
        if is_test and q.kind != QuestionKind.CHOICE.value:
            errors[f"{key}.kind"] = _("คำถามในแบบทดสอบต้องเป็นแบบเลือกตอบ")
        if not is_test and q.kind == QuestionKind.CHOICE.value:
            errors[f"{key}.kind"] = _("คำถามแบบเลือกตอบใช้ได้ในแบบทดสอบเท่านั้น")
        if q.kind == QuestionKind.CHOICE.value:
            if not 2 <= len(options) <= MAX_OPTIONS:
                errors[f"{key}.options"] = _("ใส่ตัวเลือก 2–%(n)d ข้อ บรรทัดละหนึ่งข้อ", n=MAX_OPTIONS)
            elif any(len(o) > EvaluationQuestion.OPTION_MAX for o in options):
                errors[f"{key}.options"] = _("ตัวเลือกแต่ละข้อยาวได้ไม่เกิน 300 ตัวอักษร")
            elif q.correct_option is None or not 0 <= q.correct_option < len(options):
                errors[f"{key}.correct_option"] = _("กรุณาเลือกคำตอบที่ถูกต้อง")
        cleaned.append(
            QuestionInput(
                q.part,
                " ".join(q.section.split()),
                q.kind,
                text,
                options if q.kind == QuestionKind.CHOICE.value else [],
                q.correct_option if q.kind == QuestionKind.CHOICE.value else None,
            )
        )
    if len(questions) > MAX_QUESTIONS:
        errors["questions"] = _("มีคำถามได้ไม่เกิน %(n)d ข้อ", n=MAX_QUESTIONS)
    if not any(q.part == FormPart.EVALUATION.value for q in questions):
        errors["questions"] = _("แบบประเมินต้องมีคำถามอย่างน้อยหนึ่งข้อ")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _replace_questions(form: EvaluationForm, questions: list[QuestionInput]) -> None:
    form.questions.clear()
    position: dict[str, int] = defaultdict(int)
    for q in questions:
        position[q.part] += 1
        form.questions.append(
            EvaluationQuestion(
                part=q.part,
                position=position[q.part],
                section=q.section,
                kind=q.kind,
                text=q.text,
                options="\n".join(q.options),
                correct_option=q.correct_option,
            )
        )


def save_questions(
    workshop_id: int,
    questions: list[QuestionInput],
    required_for_certificate: bool,
    actor: User,
) -> EvaluationForm:
    """Replace a draft form's questions (once a form is open, answers refer to them)."""
    cleaned = _clean(questions)
    with write_transaction():
        form = _form(workshop_id)
        if form.status != FormStatus.DRAFT.value:
            raise DomainError(_("แก้ไขคำถามได้เฉพาะก่อนเปิดให้ตอบ"), code="evaluation_not_draft")
        _replace_questions(form, cleaned)
        form.required_for_certificate = required_for_certificate
        record_event(
            actor,
            "evaluation.update",
            db.session.get(Workshop, workshop_id),
            {"questions": len(cleaned), "required_for_certificate": required_for_certificate},
        )
    return form


def set_required_for_certificate(workshop_id: int, required: bool, actor: User) -> None:
    with write_transaction():
        form = _form(workshop_id)
        form.required_for_certificate = required
        record_event(
            actor,
            "evaluation.update",
            db.session.get(Workshop, workshop_id),
            {"required_for_certificate": required},
        )


def change_form_status(workshop_id: int, status: str, actor: User) -> EvaluationForm:
    """draft → open → closed, and closed → open again (late answers); never back to draft."""
    allowed = {
        FormStatus.DRAFT.value: {FormStatus.OPEN.value},
        FormStatus.OPEN.value: {FormStatus.CLOSED.value},
        FormStatus.CLOSED.value: {FormStatus.OPEN.value},
    }
    with write_transaction():
        form = _form(workshop_id)
        if status not in allowed[form.status]:
            raise DomainError(_("เปลี่ยนสถานะแบบประเมินเช่นนี้ไม่ได้"), code="invalid_status_change")
        workshop = db.session.get(Workshop, workshop_id)
        if status == FormStatus.OPEN.value and workshop.status == "cancelled":
            raise DomainError(_("การอบรมนี้ถูกยกเลิกแล้ว"), code="workshop_cancelled")
        form.status = status
        if status == FormStatus.OPEN.value:
            form.opened_at = form.opened_at or utcnow()
            form.closed_at = None
        else:
            form.closed_at = utcnow()
        record_event(actor, f"evaluation.{status}", workshop, {"status": status})
    return form


# ------------------------------------------------------------------ answering


def attended(workshop_id: int, user_id: int) -> bool:
    """A confirmed registration checked in to at least one of the workshop's sessions."""
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(Registration.workshop_id == workshop_id)
                .where(Registration.user_id == user_id)
                .where(Registration.status == RegistrationStatus.CONFIRMED.value)
                .where(CheckIn.registration_id == Registration.id)
            )
        )
    )


def _registered(workshop_id: int, user_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(Registration.workshop_id == workshop_id)
                .where(Registration.user_id == user_id)
                .where(Registration.status == RegistrationStatus.CONFIRMED.value)
            )
        )
    )


def answered_parts(form_id: int, user_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(EvaluationSubmission.part)
            .where(EvaluationSubmission.form_id == form_id)
            .where(EvaluationSubmission.user_id == user_id)
        )
    )


def open_parts(form: EvaluationForm, user_id: int) -> list[str]:
    """The parts this person may answer now, in the order they are meant to be answered."""
    if form.status != FormStatus.OPEN.value:
        return []
    done = answered_parts(form.id, user_id)
    parts = {q.part for q in form.questions}
    result = []
    for part in (FormPart.PRETEST.value, FormPart.EVALUATION.value, FormPart.POSTTEST.value):
        if part in parts and part not in done and _may_answer(form, part, user_id) is None:
            result.append(part)
    return result


def _may_answer(form: EvaluationForm, part: str, user_id: int) -> str | None:
    """Why this person may not answer this part now, or None."""
    if form.status != FormStatus.OPEN.value:
        return _("แบบประเมินนี้ไม่ได้เปิดให้ตอบในขณะนี้")
    if not form.questions_of(part):
        return _("ไม่มีแบบสอบถามส่วนนี้")
    if part == FormPart.PRETEST.value:
        if not _registered(form.workshop_id, user_id):
            return _("แบบทดสอบนี้สำหรับผู้ที่ได้ที่นั่งในการอบรมเท่านั้น")
    elif not attended(form.workshop_id, user_id):
        return _("แบบประเมินนี้สำหรับผู้ที่เข้าร่วมการอบรมเท่านั้น")
    return None


def _answer_for(question: EvaluationQuestion, raw: str, errors: dict[str, str]):
    key = f"q{question.id}"
    value = (raw or "").strip()
    if question.kind == QuestionKind.TEXT.value:
        if len(value) > EvaluationAnswer.TEXT_MAX:
            errors[key] = _("ข้อความยาวได้ไม่เกิน %(n)d ตัวอักษร", n=EvaluationAnswer.TEXT_MAX)
            return None
        return EvaluationAnswer(question_id=question.id, text=value) if value else None
    allowed = (
        range(1, 6)
        if question.kind == QuestionKind.SCALE.value
        else range(len(question.option_list))
    )
    if not (value.isascii() and value.isdigit()) or int(value) not in allowed:
        errors[key] = _("กรุณาเลือกคำตอบ")
        return None
    if question.kind == QuestionKind.SCALE.value:
        return EvaluationAnswer(question_id=question.id, scale=int(value))
    return EvaluationAnswer(question_id=question.id, choice=int(value))


def submit_answers(workshop_id: int, user: User, part: str, raw: dict[str, str]) -> None:
    """Store one person's answers to one part: anonymously, once, all or nothing.

    ``raw`` maps ``q<question id>`` to what was chosen or typed. Every question is checked in
    one pass (errors keyed the same way)."""
    form = _form(workshop_id)
    reason = _may_answer(form, part, user.id)
    if reason is not None:
        raise DomainError(reason, code="evaluation_closed")
    questions = form.questions_of(part)
    errors: dict[str, str] = {}
    answers = [a for q in questions if (a := _answer_for(q, raw.get(f"q{q.id}", ""), errors))]
    if errors:
        raise ValidationFailed(errors, _("กรุณาตอบทุกข้อที่มีเครื่องหมาย *"))
    score = None
    if part != FormPart.EVALUATION.value:
        correct = {q.id: q.correct_option for q in questions}
        score = sum(1 for a in answers if a.choice == correct[a.question_id])
    try:
        with write_transaction():
            current = db.session.get(EvaluationForm, form.id)
            if current is None or current.status != FormStatus.OPEN.value:
                raise DomainError(_("แบบประเมินนี้ไม่ได้เปิดให้ตอบในขณะนี้"), code="evaluation_closed")
            db.session.add(EvaluationSubmission(form_id=form.id, user_id=user.id, part=part))
            db.session.flush()  # a second answer from the same person stops here
            db.session.add(
                EvaluationResponse(
                    id=secrets.token_hex(16),
                    form_id=form.id,
                    part=part,
                    score=score,
                    answers=answers,
                )
            )
    except IntegrityError as exc:
        raise DomainError(_("คุณตอบแบบประเมินส่วนนี้แล้ว"), code="already_answered") from exc


def required_evaluation_answered_by(workshop_id: int) -> set[int] | None:
    """The people who answered the workshop's evaluation when its certificates wait for one,
    or None when they do not (no form, or the form does not hold certificates back)."""
    form = form_of(workshop_id)
    if form is None or not form.required_for_certificate:
        return None
    return set(
        db.session.scalars(
            select(EvaluationSubmission.user_id)
            .where(EvaluationSubmission.form_id == form.id)
            .where(EvaluationSubmission.part == FormPart.EVALUATION.value)
        )
    )


# ------------------------------------------------------------------ results


@dataclass
class QuestionResult:
    question: EvaluationQuestion
    counts: dict[int, int]  # level -> answers
    n: int
    mean: float | None
    sd: float | None

    @property
    def band(self) -> str:
        return interpretation(self.mean) if self.mean is not None else ""


@dataclass
class TestResult:
    questions: int
    pre_n: int
    pre_mean: float | None
    post_n: int
    post_mean: float | None

    @property
    def gain(self) -> float | None:
        if self.pre_mean is None or self.post_mean is None:
            return None
        return self.post_mean - self.pre_mean


@dataclass
class FormResults:
    form: EvaluationForm
    responses: int
    attendees: int
    non_responders: list[str]
    scale: list[QuestionResult]
    comments: dict[int, list[str]]  # text question id -> answers, in Thai order
    test: TestResult | None
    overall: QuestionResult | None

    @property
    def shown(self) -> bool:
        return self.responses >= MIN_RESPONSES_SHOWN

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.attendees if self.attendees else None

    def sections(self) -> list[tuple[str, list[QuestionResult]]]:
        grouped: dict[str, list[QuestionResult]] = {}
        for result in self.scale:
            grouped.setdefault(result.question.section, []).append(result)
        return list(grouped.items())


def _statistics(counts: dict[int, int]) -> tuple[int, float | None, float | None]:
    """n, mean and sample standard deviation (n − 1, as Thai reports give S.D.) of a histogram."""
    n = sum(counts.values())
    if n == 0:
        return 0, None, None
    mean = sum(level * c for level, c in counts.items()) / n
    if n == 1:
        return n, mean, 0.0
    variance = sum(c * (level - mean) ** 2 for level, c in counts.items()) / (n - 1)
    return n, mean, math.sqrt(variance)


def attendee_names(workshop_id: int) -> dict[int, str]:
    """User id -> full name of everyone who attended (confirmed and checked in at least once)."""
    rows = db.session.execute(
        select(User.id, User.title_prefix, User.first_name, User.last_name)
        .join(Registration, Registration.user_id == User.id)
        .where(Registration.workshop_id == workshop_id)
        .where(Registration.status == RegistrationStatus.CONFIRMED.value)
        .where(
            exists()
            .where(CheckIn.registration_id == Registration.id)
            .where(CheckIn.session_id == WorkshopSession.id)
            .where(WorkshopSession.workshop_id == workshop_id)
        )
    )
    return {
        uid: full_name(prefix, first, last)
        for uid, prefix, first, last in sorted(
            rows, key=lambda r: (thai_sort_key(r.first_name), thai_sort_key(r.last_name))
        )
    }


def form_results(workshop_id: int) -> FormResults:
    """Per question n, mean, S.D. and band; response rate; who has not answered; comments; the
    tests' means and gain. Aggregated in the database: one histogram query per form."""
    form = _form(workshop_id)
    evaluation = form.questions_of(FormPart.EVALUATION.value)
    histogram: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, level, count in db.session.execute(
        select(EvaluationAnswer.question_id, EvaluationAnswer.scale, func.count())
        .join(EvaluationQuestion, EvaluationQuestion.id == EvaluationAnswer.question_id)
        .where(EvaluationQuestion.form_id == form.id)
        .where(EvaluationAnswer.scale.is_not(None))
        .group_by(EvaluationAnswer.question_id, EvaluationAnswer.scale)
    ):
        histogram[question_id][level] = count
    scale = []
    overall_counts: dict[int, int] = defaultdict(int)
    for q in evaluation:
        if q.kind != QuestionKind.SCALE.value:
            continue
        counts = histogram.get(q.id, {})
        for level, count in counts.items():
            overall_counts[level] += count
        scale.append(QuestionResult(q, counts, *_statistics(counts)))
    overall = None
    if scale:
        # Mean and S.D. over every scale answer; n is the number of people who answered.
        _pooled, mean, sd = _statistics(overall_counts)
        overall = QuestionResult(
            EvaluationQuestion(text=_("ภาพรวม"), kind="scale", section=""),
            dict(overall_counts),
            0,
            mean,
            sd,
        )

    comments: dict[int, list[str]] = defaultdict(list)
    text_ids = [q.id for q in evaluation if q.kind == QuestionKind.TEXT.value]
    if text_ids:
        for question_id, text in db.session.execute(
            select(EvaluationAnswer.question_id, EvaluationAnswer.text).where(
                EvaluationAnswer.question_id.in_(text_ids), EvaluationAnswer.text.is_not(None)
            )
        ):
            comments[question_id].append(text)
        for texts in comments.values():
            texts.sort(key=thai_sort_key)  # not in the order given: that could tell who wrote it

    responses = dict(
        db.session.execute(
            select(EvaluationResponse.part, func.count())
            .where(EvaluationResponse.form_id == form.id)
            .group_by(EvaluationResponse.part)
        ).all()
    )
    names = attendee_names(workshop_id)
    answered = set(
        db.session.scalars(
            select(EvaluationSubmission.user_id)
            .where(EvaluationSubmission.form_id == form.id)
            .where(EvaluationSubmission.part == FormPart.EVALUATION.value)
        )
    )
    if overall is not None:
        overall.n = responses.get(FormPart.EVALUATION.value, 0)
    return FormResults(
        form=form,
        responses=responses.get(FormPart.EVALUATION.value, 0),
        attendees=len(names),
        non_responders=[name for uid, name in names.items() if uid not in answered],
        scale=scale,
        comments=dict(comments),
        test=_test_result(form) if form.has_tests else None,
        overall=overall,
    )


def _test_result(form: EvaluationForm) -> TestResult:
    means = {
        part: (n, mean)
        for part, n, mean in db.session.execute(
            select(EvaluationResponse.part, func.count(), func.avg(EvaluationResponse.score))
            .where(EvaluationResponse.form_id == form.id)
            .where(EvaluationResponse.part != FormPart.EVALUATION.value)
            .group_by(EvaluationResponse.part)
        )
    }
    pre_n, pre_mean = means.get(FormPart.PRETEST.value, (0, None))
    post_n, post_mean = means.get(FormPart.POSTTEST.value, (0, None))
    return TestResult(
        questions=len(form.questions_of(FormPart.POSTTEST.value))
        or len(form.questions_of(FormPart.PRETEST.value)),
        pre_n=pre_n,
        pre_mean=float(pre_mean) if pre_mean is not None else None,
        post_n=post_n,
        post_mean=float(post_mean) if post_mean is not None else None,
    )
