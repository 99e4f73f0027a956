"""Evaluation forms through the pages: set up, open, answer once and anonymously, results,
the certificate held back until answered, pre- and post-tests, XLSX."""

from __future__ import annotations

import io
import math
import re
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select

from tests.pdf_checks import check_archival
from tests.support import (
    csrf_token_from,
    finished_workshop,
    login,
    make_officers,
    my_certificate,
    seat,
)
from workshop.extensions import db
from workshop.models import (
    AuditEvent,
    Certificate,
    EvaluationAnswer,
    EvaluationForm,
    EvaluationQuestion,
    EvaluationResponse,
    EvaluationSubmission,
)
from workshop.services.errors import DomainError
from workshop.services.evaluations import (
    DEFAULT_QUESTIONS,
    change_form_status,
    create_form,
    form_results,
    interpretation,
    submit_answers,
)


@pytest.fixture
def held(venue, organizer):
    """A finished workshop: four officers attended, one had a seat but never came."""
    workshop = finished_workshop(venue, organizer, sessions=2)
    officers = make_officers(5)
    registrations = [seat(workshop, o, organizer, attended=2) for o in officers[:4]]
    registrations.append(seat(workshop, officers[4], organizer, attended=0))
    return workshop, officers, registrations


def signed_in(app, user):
    """A browser of its own, signed in as ``user``."""
    browser = app.test_client()
    login(browser, user)
    return browser


def post(client, url: str, data: dict, page: str | None = None):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token_from(html), **data})


def open_default_form(workshop, organizer, **kwargs) -> EvaluationForm:
    form = create_form(workshop.id, organizer, **kwargs)
    change_form_status(workshop.id, "open", organizer)
    return form


def scale_answers(form: EvaluationForm, level: int, comment: str = "") -> dict[str, str]:
    answers = {}
    for q in form.questions_of("evaluation"):
        answers[f"q{q.id}"] = comment if q.kind == "text" else str(level)
    return answers


def test_organizer_creates_edits_and_opens_a_form(client, organizer, held):
    workshop, *_ = held
    login(client, organizer)
    manage = f"/organizer/workshops/{workshop.id}/evaluation"
    assert "สร้างแบบประเมินจากแบบมาตรฐาน" in client.get(manage).get_data(as_text=True)

    created = post(client, f"{manage}/create", {}, page=manage)
    assert created.status_code == 302
    page = client.get(manage).get_data(as_text=True)
    assert "วิทยากรถ่ายทอดได้ชัดเจน เข้าใจง่าย" in page
    assert len(EvaluationForm.query.one().questions) == len(DEFAULT_QUESTIONS)

    # The organizer rewrites question 1, removes question 2, adds one, and holds certificates.
    rows = {"count": str(len(DEFAULT_QUESTIONS))}
    for i, (section, kind, text) in enumerate(DEFAULT_QUESTIONS):
        rows |= {f"q-{i}-part": "evaluation", f"q-{i}-section": section, f"q-{i}-kind": kind}
        rows[f"q-{i}-text"] = text
    rows["q-0-text"] = "วิทยากรใช้ตัวอย่างจากงานพัฒนาชุมชนจริง"
    rows["q-1-delete"] = "1"
    added = post(client, f"{manage}/questions", {**rows, "add": "evaluation"}, page=manage)
    assert added.status_code == 200
    assert f'name="q-{len(DEFAULT_QUESTIONS) - 1}-text" value=""' in added.get_data(as_text=True)
    assert EvaluationQuestion.query.count() == len(DEFAULT_QUESTIONS)  # nothing saved yet

    new = len(DEFAULT_QUESTIONS)
    rows |= {f"q-{new}-part": "evaluation", f"q-{new}-section": "ด้านเอกสาร"}
    rows |= {f"q-{new}-kind": "scale", f"q-{new}-text": "เอกสารประกอบการอบรมครบถ้วน"}
    rows |= {"count": str(new + 1), "required_for_certificate": "1"}
    saved = post(client, f"{manage}/questions", rows, page=manage)
    assert saved.status_code == 302
    db.session.rollback()
    form = EvaluationForm.query.one()
    texts = [q.text for q in form.questions_of("evaluation")]
    assert texts[0] == "วิทยากรใช้ตัวอย่างจากงานพัฒนาชุมชนจริง"
    assert DEFAULT_QUESTIONS[1][2] not in texts
    assert texts[-1] == "เอกสารประกอบการอบรมครบถ้วน"
    assert form.required_for_certificate is True

    opened = post(client, f"{manage}/status", {"status": "open"}, page=manage)
    assert opened.status_code == 302
    db.session.rollback()
    assert EvaluationForm.query.one().status == "open"
    # Once open, the questions are fixed.
    refused = post(client, f"{manage}/questions", rows, page=manage)
    assert refused.status_code == 302
    assert "แก้ไขคำถามได้เฉพาะก่อนเปิดให้ตอบ" in client.get(manage).get_data(as_text=True)
    actions = [e.action for e in AuditEvent.query.order_by(AuditEvent.id)]
    assert actions[-3:] == ["evaluation.create", "evaluation.update", "evaluation.open"]


def test_bad_questions_are_all_reported_at_once_and_nothing_is_saved(client, organizer, held):
    workshop, *_ = held
    create_form(workshop.id, organizer, with_tests=True)
    login(client, organizer)
    manage = f"/organizer/workshops/{workshop.id}/evaluation"
    rows = {
        "count": "3",
        **{"q-0-part": "evaluation", "q-0-kind": "scale", "q-0-text": "  "},
        **{"q-1-part": "pretest", "q-1-kind": "choice", "q-1-text": "ข้อหนึ่ง"},
        **{"q-1-options": "ก\nข", "q-1-correct": "3"},
        **{"q-2-part": "posttest", "q-2-kind": "choice", "q-2-text": "ข้อสอง", "q-2-options": "ก"},
    }
    response = post(client, f"{manage}/questions", rows, page=manage)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "กรุณากรอกคำถาม" in html
    assert "กรุณาเลือกคำตอบที่ถูกต้อง" in html
    assert "ใส่ตัวเลือก 2–8 ข้อ บรรทัดละหนึ่งข้อ" in html
    assert 'value="ข้อหนึ่ง"' in html  # what was typed stays
    # ... and listed at the top, each linked to its field, which points to its message.
    summary = re.search(r'<div class="error-summary"[^>]*role="alert".*?</div>', html, re.S)
    links = re.findall(r'href="#([^"]+)"', summary.group(0))
    assert links == ["q-0-text", "q-1-correct", "q-2-options"]
    for field_id in links:
        assert re.search(rf'id="{field_id}"[^>]*aria-describedby="{field_id}-error"', html)
    db.session.rollback()
    assert len(EvaluationForm.query.one().questions) == len(DEFAULT_QUESTIONS) + 2


def test_attendees_answer_once_and_anonymously(client, organizer, held):
    workshop, officers, _registrations = held
    form = open_default_form(workshop, organizer)
    login(client, officers[0])
    mine = client.get("/my/registrations").get_data(as_text=True)
    url = f"/my/workshops/{workshop.id}/evaluation/evaluation"
    assert url in mine

    # Missing answers: every one listed, what was chosen kept.
    first = form.questions_of("evaluation")[0]
    partial = post(client, url, {f"q{first.id}": "4"})
    assert partial.status_code == 422
    html = partial.get_data(as_text=True)
    scale_count = sum(1 for q in form.questions_of("evaluation") if q.kind == "scale")
    assert f"มี {scale_count - 1} ข้อที่ยังไม่ได้ตอบ" in html
    assert f'name="q{first.id}" value="4" checked' in html
    assert EvaluationResponse.query.count() == 0

    done = post(client, url, scale_answers(form, 5, "อยากให้มีการศึกษาดูงาน"))
    assert done.status_code == 302
    assert url not in client.get("/my/registrations").get_data(as_text=True)
    again = post(client, url, scale_answers(form, 1), page="/my/registrations")
    assert again.status_code == 409
    assert EvaluationResponse.query.count() == 1

    # Who answered and what was answered cannot be joined.
    for table in ("evaluation_responses", "evaluation_answers"):
        columns = {c["name"] for c in inspect(db.engine).get_columns(table)}
        assert not columns & {"user_id", "registration_id", "created_at", "submitted_at"}
    response = EvaluationResponse.query.one()
    assert len(response.id) == 32 and not response.id.isdigit()
    assert EvaluationSubmission.query.one().user_id == officers[0].id


def test_only_attendees_may_answer_and_only_while_open(app, client, organizer, held):
    workshop, officers, _ = held
    form = create_form(workshop.id, organizer)
    login(client, officers[0])
    url = f"/my/workshops/{workshop.id}/evaluation/evaluation"
    assert client.get(url).status_code == 409  # still a draft
    change_form_status(workshop.id, "open", organizer)
    assert client.get(url).status_code == 200

    absent = signed_in(app, officers[4])  # had a seat, never checked in
    assert url not in absent.get("/my/registrations").get_data(as_text=True)
    assert absent.get(url).status_code == 409
    with pytest.raises(Exception, match="สำหรับผู้ที่เข้าร่วมการอบรมเท่านั้น"):
        submit_answers(workshop.id, officers[4], "evaluation", scale_answers(form, 3))
    change_form_status(workshop.id, "closed", organizer)
    assert signed_in(app, officers[1]).get(url).status_code == 409
    assert EvaluationResponse.query.count() == 0


def test_results_give_n_mean_sd_band_rate_and_non_responders(client, organizer, held):
    workshop, officers, _ = held
    form = open_default_form(workshop, organizer)
    login(client, organizer)
    results_url = f"/organizer/workshops/{workshop.id}/evaluation/results"
    submit_answers(workshop.id, officers[0], "evaluation", scale_answers(form, 5, "ดีมาก"))
    submit_answers(workshop.id, officers[1], "evaluation", scale_answers(form, 4, "ขอเวลาเพิ่ม"))
    few = client.get(results_url).get_data(as_text=True)
    assert "ผลจะแสดงเมื่อมีผู้ตอบอย่างน้อย 3 คน" in few
    assert "ดีมาก" not in few  # two answers could be told apart

    submit_answers(workshop.id, officers[2], "evaluation", scale_answers(form, 4))
    results = form_results(workshop.id)
    first = results.scale[0]
    assert (first.n, round(first.mean, 2)) == (3, 4.33)
    assert math.isclose(first.sd, math.sqrt(((5 - 13 / 3) ** 2 + 2 * (4 - 13 / 3) ** 2) / 2))
    assert first.band == "มาก"
    assert results.responses == 3 and results.attendees == 4
    assert results.non_responders == [officers[3].full_name]

    page = client.get(results_url).get_data(as_text=True)
    assert "ผู้ตอบ 3 จากผู้เข้าร่วม 4 คน (75.0%)" in page
    assert "4.33" in page and "0.58" in page
    assert "ขอเวลาเพิ่ม" in page and "ดีมาก" in page
    assert officers[3].full_name in page
    assert officers[4].full_name not in page  # never attended: not asked


@pytest.mark.parametrize(
    ("mean", "band"),
    [
        *[(5.0, "มากที่สุด"), (4.51, "มากที่สุด"), (4.5, "มาก"), (3.51, "มาก"), (3.5, "ปานกลาง")],
        *[(2.51, "ปานกลาง"), (2.5, "น้อย"), (1.51, "น้อย"), (1.5, "น้อยที่สุด"), (1.0, "น้อยที่สุด")],
    ],
)
def test_interpretation_bands(app, mean, band):
    assert interpretation(mean) == band


def test_certificate_waits_for_the_evaluation_when_the_form_says_so(client, organizer, held):
    workshop, officers, registrations = held
    form = open_default_form(workshop, organizer)
    form.required_for_certificate = True
    db.session.commit()
    login(client, officers[0])
    page = client.get("/my/registrations").get_data(as_text=True)
    assert "กรุณาตอบแบบประเมินการอบรมก่อน" in page
    refused = my_certificate(client, registrations[0].id, follow_redirects=False)
    assert refused.status_code == 302  # back to the page, which says why
    assert Certificate.query.count() == 0

    post(client, f"/my/workshops/{workshop.id}/evaluation/evaluation", scale_answers(form, 5))
    assert my_certificate(client, registrations[0].id).mimetype == "application/pdf"
    assert Certificate.query.count() == 1


def test_pre_and_post_tests_are_scored_with_the_mean_gain(client, organizer, held):
    workshop, officers, _ = held
    form = open_default_form(workshop, organizer, with_tests=True)
    pre, post_question = form.questions_of("pretest")[0], form.questions_of("posttest")[0]
    submit_answers(workshop.id, officers[0], "pretest", {f"q{pre.id}": "2"})  # wrong
    submit_answers(workshop.id, officers[1], "pretest", {f"q{pre.id}": "0"})  # right
    submit_answers(workshop.id, officers[0], "posttest", {f"q{post_question.id}": "0"})
    submit_answers(workshop.id, officers[1], "posttest", {f"q{post_question.id}": "0"})
    test = form_results(workshop.id).test
    assert (test.questions, test.pre_n, test.pre_mean, test.post_mean) == (1, 2, 0.5, 1.0)
    assert test.gain == 0.5

    login(client, organizer)
    page = client.get(f"/organizer/workshops/{workshop.id}/evaluation/results")
    assert "เพิ่มขึ้นโดยเฉลี่ย +0.50 คะแนน" in page.get_data(as_text=True)


def test_results_export_to_xlsx(client, organizer, held):
    workshop, officers, _ = held
    form = open_default_form(workshop, organizer)
    for officer, level in zip(officers[:3], (5, 4, 4), strict=True):
        submit_answers(workshop.id, officer, "evaluation", scale_answers(form, level, "=1+1"))
    login(client, organizer)
    response = client.get(f"/organizer/workshops/{workshop.id}/evaluation.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["สรุป", "ผลการประเมิน", "ข้อเสนอแนะ", "ผู้ยังไม่ตอบ"]
    results = list(book["ผลการประเมิน"].iter_rows(values_only=True))
    assert results[0][:6] == ("ด้าน", "ข้อ", "n", "ค่าเฉลี่ย", "S.D.", "ระดับ")
    assert results[1][2:6] == (3, "4.33", "0.58", "มาก")
    assert results[-1][1] == "ภาพรวม"
    comments = list(book["ข้อเสนอแนะ"].iter_rows(values_only=True))
    assert comments[1][1] == "'=1+1"  # never a formula
    assert [row[1] for row in book["ผู้ยังไม่ตอบ"].iter_rows(min_row=2, values_only=True)] == [
        officers[3].full_name
    ]


def test_evaluation_pages_are_for_organizers_and_officers_only(app, staff, officer, held):
    workshop, *_ = held
    door = signed_in(app, staff)
    assert door.get(f"/organizer/workshops/{workshop.id}/evaluation").status_code == 403
    stranger = signed_in(app, officer)
    results = f"/organizer/workshops/{workshop.id}/evaluation/results"
    assert stranger.get(results).status_code == 403
    # No form yet: nothing to answer.
    assert stranger.get(f"/my/workshops/{workshop.id}/evaluation/evaluation").status_code == 404


def test_a_second_submit_by_one_person_stores_nothing(app, organizer, held):
    """The unique (form, person, part) row refuses the second submit, answers and all."""
    workshop, officers, _ = held
    form = open_default_form(workshop, organizer)
    submit_answers(workshop.id, officers[0], "evaluation", scale_answers(form, 5))
    with pytest.raises(DomainError, match="คุณตอบแบบประเมินส่วนนี้แล้ว"):
        submit_answers(workshop.id, officers[0], "evaluation", scale_answers(form, 1))
    assert EvaluationResponse.query.count() == 1
    assert set(db.session.scalars(select(EvaluationAnswer.scale))) == {5}  # none of the 1s


def test_the_report_pdf_has_the_evaluation_section(client, organizer, held, tmp_path):
    workshop, officers, _ = held
    form = open_default_form(workshop, organizer, with_tests=True)
    for officer, level in zip(officers[:3], (5, 4, 4), strict=True):
        submit_answers(workshop.id, officer, "evaluation", scale_answers(form, level, "ดีมาก"))
    pre = form.questions_of("pretest")[0]
    submit_answers(workshop.id, officers[0], "pretest", {f"q{pre.id}": "1"})
    login(client, organizer)
    response = client.get(f"/organizer/workshops/{workshop.id}/report.pdf")
    assert response.status_code == 200
    check_archival(response.data)  # the evaluation section and its chart keep it PDF/A-2u
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "ผลการประเมินความพึงพอใจ" in text
    assert "ผู้ตอบแบบประเมิน 3 จากผู้เข้าร่วม 4 คน (75.0%)" in text
    assert "วิทยากรถ่ายทอดได้ชัดเจน เข้าใจง่าย" in text
    assert "4.33" in text and "0.58" in text
    assert "• ดีมาก" in text
    assert "แบบทดสอบก่อนและหลังการอบรม" in text
