"""Evaluation forms (แบบประเมินความพึงพอใจ) and optional pre- and post-tests of a workshop.

What was answered and who answered are kept apart: a ``EvaluationSubmission`` records only that
a person answered a part; the ``EvaluationResponse`` with the answers carries no person, no time
and a random key, so results are anonymous.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.extensions import db
from workshop.models.types import UTCDateTime, utcnow


class FormStatus(enum.StrEnum):
    DRAFT = "draft"  # the organizer edits the questions
    OPEN = "open"  # attendees answer; questions are fixed
    CLOSED = "closed"  # no more answers


class FormPart(enum.StrEnum):
    EVALUATION = "evaluation"
    PRETEST = "pretest"
    POSTTEST = "posttest"


class QuestionKind(enum.StrEnum):
    SCALE = "scale"  # 5 มากที่สุด … 1 น้อยที่สุด
    TEXT = "text"  # open comment, optional
    CHOICE = "choice"  # multiple choice with one correct option (tests)


class EvaluationForm(db.Model):
    __tablename__ = "evaluation_forms"
    __table_args__ = (CheckConstraint("status IN ('draft', 'open', 'closed')", name="form_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(10), default=FormStatus.DRAFT.value)
    # Certificates of this workshop wait until the attendee has answered the evaluation.
    required_for_certificate: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questions: Mapped[list[EvaluationQuestion]] = relationship(
        back_populates="form",
        cascade="all, delete-orphan",
        order_by="(EvaluationQuestion.part, EvaluationQuestion.position)",
    )

    def questions_of(self, part: str) -> list[EvaluationQuestion]:
        return [q for q in self.questions if q.part == part]

    @property
    def has_tests(self) -> bool:
        return any(q.part != FormPart.EVALUATION for q in self.questions)


class EvaluationQuestion(db.Model):
    __tablename__ = "evaluation_questions"
    __table_args__ = (
        CheckConstraint("kind IN ('scale', 'text', 'choice')", name="question_kind"),
        CheckConstraint("part IN ('evaluation', 'pretest', 'posttest')", name="question_part"),
    )

    TEXT_MAX = 500
    SECTION_MAX = 200
    OPTION_MAX = 300

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_forms.id", ondelete="CASCADE"), index=True
    )
    part: Mapped[str] = mapped_column(String(10), default=FormPart.EVALUATION.value)
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(SECTION_MAX), default="")
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(String(TEXT_MAX))
    # Multiple choice: one option per line; the correct one by its 0-based index.
    options: Mapped[str] = mapped_column(Text, default="")
    correct_option: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)

    form: Mapped[EvaluationForm] = relationship(back_populates="questions")

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]


class EvaluationSubmission(db.Model):
    """That a person answered a part of a form: nothing about what they answered, or when."""

    __tablename__ = "evaluation_submissions"
    __table_args__ = (UniqueConstraint("form_id", "user_id", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_forms.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(10))


class EvaluationResponse(db.Model):
    """One anonymous set of answers: a random key, no person, no time. (On SQLite the table has
    no rowid, whose order would follow the submissions'.)"""

    __tablename__ = "evaluation_responses"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    form_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_forms.id", ondelete="CASCADE"), index=True
    )
    part: Mapped[str] = mapped_column(String(10))
    # Tests: the number of correct answers, kept for the mean gain.
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)

    answers: Mapped[list[EvaluationAnswer]] = relationship(cascade="all, delete-orphan")


class EvaluationAnswer(db.Model):
    __tablename__ = "evaluation_answers"
    __table_args__ = (
        CheckConstraint("scale IS NULL OR (scale >= 1 AND scale <= 5)", name="scale_range"),
        {"sqlite_with_rowid": False},
    )

    TEXT_MAX = 2000

    response_id: Mapped[str] = mapped_column(
        ForeignKey("evaluation_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    scale: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    choice: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
