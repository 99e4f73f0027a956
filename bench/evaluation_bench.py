"""Evaluation results (ผลการประเมินความพึงพอใจ) of a workshop with many answers, run by hand.

    .venv/bin/python bench/evaluation_bench.py [--attendees 2000] [--repeat 15]
        [--database-url postgresql://postgres@127.0.0.1:5432/NAME]

Builds a database (an SQLite file in a temporary folder; also PostgreSQL when --database-url is
given: its public schema is DROPPED and recreated, so name a scratch database) holding one
two-day workshop with the default evaluation form and its pre- and post-test
(services.evaluations.create_form, with_tests=True), opened, and --attendees officers who
were checked in and each answered all three parts: a submission per person and part, and apart
from it an anonymous response with its answers, in the shapes submit_answers stores (a spread
of 5-level answers leaning to มาก/มากที่สุด, a comment from about one in six, test scores
rising after the training), all bulk-inserted. Then, in a fresh child process (the Thai word
list loaded as wsgi.py does), signs the organizer in and times the results page, the results
XLSX and the workshop report PDF (which carries the evaluation section) through the test client,
i.e. whole requests: the first of each (cold), then the median and best of --repeat warm runs.
Target (issue 16): each under 1 s.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_bench import FIRST, LAST, POSITIONS
from bench.server import (
    bench_app,
    bench_organizer,
    measure_in_child,
    scratch_databases,
    seat_everyone,
)

TARGET = 1.0
BATCH = 5000
COMMENT_SHARE = 1 / 6
COMMENTS = (
    "ดีมาก อยากให้จัดอบรมแบบนี้อีก",
    "วิทยากรอธิบายเข้าใจง่าย ได้ความรู้ไปใช้ในงานจริง",
    "ควรเพิ่มเวลาฝึกปฏิบัติให้มากขึ้น",
    "ห้องประชุมเย็นเกินไป",
    "อาหารกลางวันอร่อย แต่อาหารว่างช่วงบ่ายน้อยไป",
    "อยากให้มีเอกสารประกอบการอบรมเป็นไฟล์ส่งทางไลน์กลุ่ม",
    "ระยะเวลาสั้นเกินไปสำหรับเนื้อหาที่มาก",
    "ขอบคุณคณะผู้จัดที่อำนวยความสะดวกเป็นอย่างดี",
    "ควรเชิญผู้นำชุมชนที่ประสบความสำเร็จมาแลกเปลี่ยนประสบการณ์",
    "ที่จอดรถไม่เพียงพอ",
    "เนื้อหาเรื่องการใช้ข้อมูล จปฐ. ยังยากสำหรับเจ้าหน้าที่ใหม่",
    "อยากให้จัดในพื้นที่อำเภอเพื่อลดการเดินทาง",
)


def _scale_weights(question: int) -> list[float]:
    """Weights of levels 1..5 for one question: most answers are 4 or 5, a few questions (the
    venue, food and the knowledge before training) lean lower, as real forms do."""
    if question in (6, 8):  # อาหาร, ความรู้ก่อนอบรม
        return [3, 10, 35, 35, 17]
    if question in (5, 7):  # สถานที่, ระยะเวลา
        return [1, 5, 22, 42, 30]
    return [0.5, 2, 12, 40, 45.5]


def build(database_url: str, instance: Path, attendees: int) -> int:
    """Schema, one workshop, its form and everyone's answers; returns the workshop's id."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from workshop.extensions import db
    from workshop.models import (
        CheckIn,
        EvaluationAnswer,
        EvaluationResponse,
        EvaluationSubmission,
        FormPart,
        QuestionKind,
        Registration,
        User,
        Workshop,
    )
    from workshop.services.evaluations import change_form_status, create_form
    from workshop.services.venues import VenueInput, create_venue
    from workshop.services.workshops import SessionInput, WorkshopInput, create_workshop

    app = bench_app(database_url, instance)
    rnd = random.Random(2567)
    with app.app_context():
        upgrade()
        organizer = bench_organizer()
        venue = create_venue(
            VenueInput(name="ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก", capacity=10_000), organizer
        )
        start = datetime(2024, 1, 15, 1, 30, tzinfo=UTC)  # 08.30 Bangkok
        workshop = create_workshop(
            WorkshopInput(
                title="การพัฒนาศักยภาพเจ้าหน้าที่พัฒนาชุมชนด้านการจัดทำแผนชุมชน ปี 2567",
                organizing_agency="สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก",
                venue_id=venue.id,
                capacity=attendees,
                registration_opens_at=start - timedelta(days=30),
                registration_closes_at=start - timedelta(days=1),
                sessions=[
                    SessionInput(
                        title=f"วันที่ {n + 1}",
                        starts_at=start + timedelta(days=n),
                        ends_at=start + timedelta(days=n, hours=8),
                    )
                    for n in range(2)
                ],
            ),
            organizer,
        )
        workshop_id = workshop.id
        session_ids = [s.id for s in workshop.sessions]
        form = create_form(workshop_id, organizer, with_tests=True)
        change_form_status(workshop_id, "open", organizer)
        form_id = form.id
        questions = {
            part: [
                (q.id, q.kind, q.correct_option, len(q.option_list))
                for q in form.questions_of(part)
            ]
            for part in (p.value for p in FormPart)
        }

        password_hash = generate_password_hash("bench-password")
        users = [
            {
                "email": f"officer{n}@bench.go.th",
                "password_hash": password_hash,
                "role": "officer",
                "title_prefix": rnd.choice(("นาย", "นาง", "นางสาว")),
                "first_name": f"{rnd.choice(FIRST)}{n}",
                "last_name": rnd.choice(LAST),
                "position": rnd.choice(POSITIONS),
                "agency": "สำนักงานพัฒนาชุมชนอำเภอวังทอง",
                "district": "วังทอง",
                "province": "พิษณุโลก",
                "phone": "",
            }
            for n in range(attendees)
        ]
        for first in range(0, len(users), BATCH):
            db.session.execute(insert(User), users[first : first + BATCH])
        user_ids = list(
            db.session.scalars(
                select(User.id).where(User.email.like("%@bench.go.th"), User.role == "officer")
            )
        )
        seat_everyone(workshop_id, user_ids, BATCH)
        registration_ids = db.session.scalars(
            select(Registration.id).where(Registration.workshop_id == workshop_id)
        ).all()
        checkins = [
            {
                "registration_id": registration_id,
                "session_id": session_id,
                "scanned_at": start,
                "recorded_at": start,
                "method": "qr",
                "override_reason": "",
            }
            for registration_id in registration_ids
            for session_id in session_ids
        ]
        for first in range(0, len(checkins), BATCH):
            db.session.execute(insert(CheckIn), checkins[first : first + BATCH])

        # Who answered (one row per person and part) and, unlinked, what was answered: the same
        # rows submit_answers writes, with random response keys.
        submissions, responses, answers = [], [], []
        for user_id in user_ids:
            for part in (p.value for p in FormPart):
                submissions.append({"form_id": form_id, "user_id": user_id, "part": part})
                response_id = secrets.token_hex(16)
                score = None
                if part == FormPart.EVALUATION.value:
                    for number, (question_id, kind, _correct, _options) in enumerate(
                        questions[part], start=1
                    ):
                        if kind == QuestionKind.SCALE.value:
                            level = rnd.choices(range(1, 6), _scale_weights(number))[0]
                            answers.append(
                                {
                                    "response_id": response_id,
                                    "question_id": question_id,
                                    "scale": level,
                                }
                            )
                        elif rnd.random() < COMMENT_SHARE:
                            answers.append(
                                {
                                    "response_id": response_id,
                                    "question_id": question_id,
                                    "text": rnd.choice(COMMENTS),
                                }
                            )
                else:
                    right = 0.45 if part == FormPart.PRETEST.value else 0.85
                    score = 0
                    for question_id, _kind, correct, options in questions[part]:
                        wrong = [o for o in range(options) if o != correct]
                        choice = correct if rnd.random() < right else rnd.choice(wrong)
                        score += choice == correct
                        answers.append(
                            {
                                "response_id": response_id,
                                "question_id": question_id,
                                "choice": choice,
                            }
                        )
                responses.append(
                    {"id": response_id, "form_id": form_id, "part": part, "score": score}
                )
        # Stored in key order, not in the order people answered (as the random keys make it).
        responses.sort(key=lambda r: r["id"])
        for table, rows in (
            (EvaluationSubmission, submissions),
            (EvaluationResponse, responses),
            (EvaluationAnswer, answers),
        ):
            for first in range(0, len(rows), BATCH):
                db.session.execute(insert(table), rows[first : first + BATCH])
        db.session.get(Workshop, workshop_id).confirmed_count = len(user_ids)
        db.session.commit()
        db.engine.dispose()
    return workshop_id


def measure(database_url: str, instance: Path, workshop_id: int, repeat: int) -> dict:
    """Run in a child process: the organizer's results page, XLSX and report PDF."""
    from workshop.pdf.linebreak import warm_up

    # The form's CSRF token is not what is measured here; the sign-in itself goes through the page.
    app = bench_app(database_url, instance, WTF_CSRF_ENABLED=False)
    warm_up()  # as wsgi.py does when a server worker starts
    client = app.test_client()
    signed_in = client.post(
        "/auth/login", data={"email": "organizer@bench.go.th", "password": "bench-password"}
    )
    assert signed_in.status_code == 302, signed_in.status_code

    def timed(url: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, response.data

    base = f"/organizer/workshops/{workshop_id}"
    out: dict = {}
    for key, url in (
        ("page", f"{base}/evaluation/results"),
        ("xlsx", f"{base}/evaluation.xlsx"),
        ("pdf", f"{base}/report.pdf"),
    ):
        cold, data = timed(url)
        runs = [timed(url)[0] for _ in range(repeat)]
        out[key] = {
            "cold": cold,
            "median": statistics.median(runs),
            "best": min(runs),
            "kb": len(data) / 1024,
        }
    page = client.get(f"{base}/evaluation/results").get_data(as_text=True)
    listed = page.split('<ul class="comments">', 1)[1:]
    out["comments"] = listed[0].split("</ul>", 1)[0].count("<li>") if listed else 0
    out["answered"] = page.split("ผู้ตอบ ", 1)[1].split(" ", 1)[0] if "ผู้ตอบ " in page else "?"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attendees", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", help="PostgreSQL scratch database (schema dropped)")
    parser.add_argument("--measure", nargs=3, metavar=("URL", "INSTANCE", "WORKSHOP"))
    args = parser.parse_args()
    if args.measure:
        url, instance, workshop_id = args.measure
        print(json.dumps(measure(url, Path(instance), int(workshop_id), args.repeat)))
        return

    with tempfile.TemporaryDirectory(prefix="evaluation-bench-") as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, tmp: Path) -> None:
    """Every database asked for, with its files under ``tmp`` (removed afterwards)."""
    print(
        f"Evaluation benchmark: {args.attendees} attendees, each answered the evaluation and "
        f"both tests; median of {args.repeat} warm requests"
    )
    for label, url, instance in scratch_databases(tmp, args.database_url):
        started = time.perf_counter()
        workshop_id = build(url, instance, args.attendees)
        setup = time.perf_counter() - started
        figures = measure_in_child(__file__, args.repeat, url, instance, workshop_id)
        print(
            f"{label} (set-up {setup:.1f} s, {figures['answered']} answers, "
            f"{figures['comments']} comments listed):"
        )
        for key, name in (
            ("page", "results page"),
            ("xlsx", "results XLSX"),
            ("pdf", "report PDF"),
        ):
            f = figures[key]
            verdict = "meets" if f["median"] < TARGET else "misses"
            print(
                f"  {name:<12} median {f['median'] * 1000:6.1f} ms  best {f['best'] * 1000:6.1f} ms"
                f"  cold {f['cold'] * 1000:6.1f} ms  {f['kb']:6.0f} KB"
                f"  -> {verdict} the < {TARGET:.0f} s target"
            )


if __name__ == "__main__":
    main()
