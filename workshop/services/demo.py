"""Demo data: the reference workshop (the one the README names) and accounts.

Phitsanulok provincial community development office, FY 2559: a workshop for community
development officers at the Wang Thong training centre on 20 October 2015, opened by the
provincial governor. The officers are fictional people at the province's district offices.
The reference workshop took place: the officers were checked in (3.5 training hours each
half-day), one was excused from the afternoon on official duty and one left at lunch, so its
report, certificates and after-event sign-in sheets have something to show. The follow-up
workshop scans people out and has hours typed by the organizer. A monthly meeting is under way
on the day the demo is loaded, for trying the door.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select, update

from workshop.extensions import db
from workshop.models import (
    CertificateImageKind,
    CertificateKind,
    CheckInMethod,
    ExcuseKind,
    FormPart,
    FormStatus,
    Office,
    PasswordReset,
    RefusedScan,
    Registration,
    RegistrationStatusChange,
    User,
    Venue,
    Workshop,
    WorkshopStatus,
)
from workshop.models.types import utcnow
from workshop.services.accounts import create_user
from workshop.services.certificate_design import DesignInput, save_certificate_design
from workshop.services.certificate_images import save_certificate_image
from workshop.services.checkins import check_in
from workshop.services.evaluations import change_form_status, create_form, form_of, submit_answers
from workshop.services.excuses import excuse_absence
from workshop.services.offices import OfficeInput, create_office, office_by_name
from workshop.services.password_resets import request_password_reset
from workshop.services.registrations import cancel_registration, register_officer
from workshop.services.transactions import write_transaction
from workshop.services.venues import VenueInput, create_venue
from workshop.services.workshops import (
    SessionInput,
    WorkshopInput,
    change_status,
    create_workshop,
    workshop_input,
)
from workshop.thai.dates import BANGKOK, bangkok_to_utc
from workshop.thai.districts import districts_of

PROVINCE = "พิษณุโลก"
PROVINCIAL_OFFICE = "สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    title_prefix: str
    first_name: str
    last_name: str
    position: str
    district: str
    # Organizers and staff work for the provincial office unless this is set.
    district_office: bool = False

    @property
    def agency(self) -> str:
        if self.role == "officer" or self.district_office:
            return district_office_name(self.district)
        return PROVINCIAL_OFFICE


def district_office_name(district: str) -> str:
    return f"สำนักงานพัฒนาชุมชนอำเภอ{district}"


def _officer(n: int, prefix: str, first: str, last: str, position: str, district: str):
    return DemoAccount(
        f"officer{n}@demo.cdd.go.th",
        "demo-officer-2559",
        "officer",
        prefix,
        first,
        last,
        position,
        district,
    )


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "admin@demo.cdd.go.th",
        "demo-admin-2559",
        "admin",
        "นาย",
        "ประยุทธ",
        "ดูแลระบบ",
        "นักวิชาการคอมพิวเตอร์ชำนาญการ",
        "เมืองพิษณุโลก",
    ),
    DemoAccount(
        "organizer@demo.cdd.go.th",
        "demo-organizer-2559",
        "organizer",
        "นาง",
        "สุนันทา",
        "วงศ์ใหญ่",
        "นักวิชาการพัฒนาชุมชนชำนาญการพิเศษ",
        "เมืองพิษณุโลก",
    ),
    DemoAccount(
        "staff@demo.cdd.go.th",
        "demo-staff-2559",
        "staff",
        "นาย",
        "อนุชา",
        "มีสุข",
        "เจ้าพนักงานธุรการชำนาญงาน",
        "เมืองพิษณุโลก",
    ),
    # An organizer of one district office: sees that office's workshops only.
    DemoAccount(
        "organizer-wangthong@demo.cdd.go.th",
        "demo-organizer-2559",
        "organizer",
        "นางสาว",
        "มาลัย",
        "ทองวัง",
        "พัฒนาการอำเภอวังทอง",
        "วังทอง",
        district_office=True,
    ),
    _officer(1, "นางสาว", "กิ่งแก้ว", "ปิ่นทอง", "นักวิชาการพัฒนาชุมชนปฏิบัติการ", "วังทอง"),
    _officer(2, "นาย", "สมศักดิ์", "ศรีสุวรรณ", "พัฒนาการอำเภอนครไทย", "นครไทย"),
    _officer(3, "นาง", "พรทิพย์", "ใจดี", "นักวิชาการพัฒนาชุมชนชำนาญการ", "เมืองพิษณุโลก"),
    _officer(4, "นาย", "ณัฐพงษ์", "ทองคำ", "เจ้าพนักงานพัฒนาชุมชนปฏิบัติงาน", "บางระกำ"),
    _officer(5, "นางสาว", "ศิริพร", "น้ำใจงาม", "นักวิชาการพัฒนาชุมชนปฏิบัติการ", "ชาติตระการ"),
    _officer(6, "นาย", "วีระศักดิ์", "ฤทธิ์เดช", "นักวิชาการพัฒนาชุมชนชำนาญการ", "พรหมพิราม"),
    _officer(7, "นาง", "อำไพ", "แก้วประเสริฐ", "เจ้าพนักงานพัฒนาชุมชนชำนาญงาน", "วัดโบสถ์"),
    _officer(8, "นาย", "ธีรวัฒน์", "สุขเกษม", "นักวิชาการพัฒนาชุมชนปฏิบัติการ", "บางกระทุ่ม"),
    _officer(9, "นางสาว", "ปิยะนุช", "ศักดิ์สิทธิ์", "นักวิชาการพัฒนาชุมชนปฏิบัติการ", "เนินมะปราง"),
    _officer(10, "นาย", "บุญเลิศ", "ปั้นเหน่งเพชร", "พัฒนาการอำเภอวังทอง", "วังทอง"),
)

VENUE = VenueInput(
    name="ศูนย์ศึกษาและพัฒนาชุมชนพิษณุโลก",
    address="ตำบลวังทอง",
    district="วังทอง",
    province=PROVINCE,
    capacity=120,
)

TITLE = "ประชุมเชิงปฏิบัติการเพิ่มประสิทธิภาพเจ้าหน้าที่พัฒนาชุมชนในการขับเคลื่อนงานพัฒนาชุมชนจังหวัดพิษณุโลก ปี 2559"
OBJECTIVES = (
    "สร้างความรู้ความเข้าใจร่วมกันของเจ้าหน้าที่พัฒนาชุมชน เพื่อให้สามารถขับเคลื่อนงานพัฒนาชุมชน"
    "ภายใต้นโยบายวาระสำคัญของรัฐบาลและนโยบายกระทรวงมหาดไทย ตามวิสัยทัศน์ของกรมการพัฒนาชุมชน "
    "ให้ชุมชนเข้มแข็ง เศรษฐกิจฐานรากมั่นคง ภายใต้ 5 ประเด็นยุทธศาสตร์ "
    "โดยน้อมนำหลักปรัชญาของเศรษฐกิจพอเพียงเป็นแนวทาง"
)
TOPICS = "\n".join(
    (
        "การพัฒนา OTOP และการเพิ่มช่องทางการตลาด",
        "การพัฒนาหมู่บ้านเศรษฐกิจพอเพียง",
        "ตลาดนัดชุมชน",
        "กองทุนพัฒนาบทบาทสตรี",
        "การจัดเก็บและใช้ประโยชน์จากข้อมูล จปฐ.",
        "การส่งเสริมกลุ่มออมทรัพย์เพื่อการผลิตให้เกิดธรรมาภิบาล",
        "การแก้ไขปัญหาความยากจน",
        "การแก้ไขปัญหายาเสพติดโดยกลไกการขับเคลื่อนกิจกรรมกองทุนแม่ของแผ่นดิน",
        "โครงการริเริ่มสร้างสรรค์ โครงการพิษณุโลกเพชรน้ำหนึ่ง",
    )
)
DAY = date(2015, 10, 20)


def _seed_offices() -> tuple[dict[str, Office], bool]:
    """The provincial office and its nine district offices (DOPA codes from thai.districts)."""
    offices: dict[str, Office] = {}
    created = False
    province = office_by_name(PROVINCIAL_OFFICE)
    if province is None:
        province = create_office(
            OfficeInput(name=PROVINCIAL_OFFICE, short_name="พช.จ.พิษณุโลก", province=PROVINCE),
            None,
        )
        created = True
    offices[PROVINCIAL_OFFICE] = province
    for district in districts_of(PROVINCE):
        name = district_office_name(district.name)
        office = office_by_name(name)
        if office is None:
            office = create_office(
                OfficeInput(
                    name=name,
                    short_name=f"พช.อ.{district.name}",
                    parent_id=province.id,
                    province=PROVINCE,
                    district=district.name,
                ),
                None,
            )
            created = True
        offices[name] = office
    return offices, created


def _seed_accounts(offices: dict[str, Office]) -> tuple[dict[str, User], list[User], bool]:
    """The demo accounts (made once): the first account of each role, the officers in order,
    and whether any was created."""
    created = False
    users: dict[str, User] = {}
    officers: list[User] = []
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account.email))
        if user is None:
            office = offices.get(account.agency)
            user = create_user(
                email=account.email,
                password=account.password,
                role=account.role,
                title_prefix=account.title_prefix,
                first_name=account.first_name,
                last_name=account.last_name,
                position=account.position,
                agency=account.agency,
                district=account.district,
                province=PROVINCE,
                office_id=office.id if office is not None and account.role != "admin" else None,
            )
            created = True
        users[account.role] = users.get(account.role, user)
        if account.role == "officer":
            officers.append(user)
    return users, officers, created


def _seed_reference_workshop(
    venue: Venue, organizer: User, staff: User, officers: list[User]
) -> None:
    """The reference workshop of 20 October 2015, published, every district officer
    registered by the office before the day, and a scan the door refused."""
    workshop = create_workshop(
        WorkshopInput(
            title=TITLE,
            organizing_agency=PROVINCIAL_OFFICE,
            venue_id=venue.id,
            capacity=100,
            registration_opens_at=bangkok_to_utc(date(2015, 10, 1), time(8, 30)),
            registration_closes_at=bangkok_to_utc(date(2015, 10, 19), time(16, 30)),
            objectives=OBJECTIVES,
            topics=TOPICS,
            attendance_threshold=80,
            presiding_official="นายชูชาติ กีฬาแปง ผู้ว่าราชการจังหวัดพิษณุโลก",
            signatory_name="นายชูชาติ กีฬาแปง",
            signatory_position="ผู้ว่าราชการจังหวัดพิษณุโลก",
            sessions=[
                SessionInput(
                    title="พิธีเปิดและการบรรยายนโยบายการขับเคลื่อนงานพัฒนาชุมชน",
                    starts_at=bangkok_to_utc(DAY, time(8, 30)),
                    ends_at=bangkok_to_utc(DAY, time(12, 0)),
                ),
                SessionInput(
                    title="ประชุมเชิงปฏิบัติการ: แผนขับเคลื่อนงานพัฒนาชุมชน ปี 2559",
                    starts_at=bangkok_to_utc(DAY, time(13, 0)),
                    ends_at=bangkok_to_utc(DAY, time(16, 30)),
                ),
            ],
        ),
        organizer,
    )
    change_status(workshop, WorkshopStatus.PUBLISHED, organizer)
    # The district officers attended the reference workshop: registered by the office.
    registrations = [
        register_officer(workshop.id, officer, actor=organizer) for officer in officers
    ]
    _registered_before_the_day(registrations)
    _seed_refused_scan(workshop, registrations[-1], staff)


def seed_demo() -> bool:
    """Load the demo data unless it is there already; True if anything was created."""
    offices, created = _seed_offices()
    users, officers, made = _seed_accounts(offices)
    created = created or made
    organizer = users["organizer"]

    venue = db.session.scalar(select(Venue).where(Venue.name == VENUE.name))
    if venue is None:
        venue = create_venue(VENUE, organizer)
        created = True

    if db.session.scalar(select(Workshop.id).where(Workshop.title == TITLE)) is None:
        _seed_reference_workshop(venue, organizer, users["staff"], officers)
        created = True

    reference = db.session.scalar(select(Workshop).where(Workshop.title == TITLE))
    if form_of(reference.id) is None:
        _seed_attendance_and_evaluation(reference, organizer, officers)
        created = True

    if db.session.scalar(select(Workshop.id).where(Workshop.title == UPCOMING_TITLE)) is None:
        _seed_upcoming(venue, organizer, officers)
        created = True

    if db.session.scalar(select(Workshop.id).where(Workshop.title == DISTRICT_TITLE)) is None:
        district = db.session.scalar(select(User).where(User.email == DISTRICT_ORGANIZER))
        _seed_district_workshop(venue, district, officers)
        created = True

    for past in PAST_WORKSHOPS:
        if db.session.scalar(select(Workshop.id).where(Workshop.title == past.title)) is None:
            _seed_past(past, venue, organizer, officers)
            created = True

    if db.session.scalar(select(Workshop.id).where(Workshop.title == SOON_TITLE)) is None:
        _seed_soon(venue, organizer, officers)
        created = True

    if db.session.scalar(select(Workshop.id).where(Workshop.title == TODAY_TITLE)) is None:
        _seed_today(venue, organizer, users["staff"], officers)
        created = True

    # One officer forgot their password and asked for a link: the mail is in the outbox (or
    # the mail server), valid for an hour, and the audit log shows the request.
    if db.session.scalar(select(PasswordReset.id).limit(1)) is None:
        request_password_reset(FORGETFUL_OFFICER)
        created = True

    if not reference.signatory2_name:
        _seed_certificate_design(organizer)
        created = True

    if db.session.scalar(select(Workshop.id).where(Workshop.title == QUOTA_TITLE)) is None:
        _seed_quota_workshop(venue, organizer, officers, offices)
        created = True
    return created


FORGETFUL_OFFICER = "officer2@demo.cdd.go.th"


def _signature_png(seed: int) -> bytes:
    """A pen stroke on a transparent background, standing in for a scanned signature."""
    image = Image.new("RGBA", (420, 130), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + i * 38, 80 + ((i * (seed + 3) * 37) % 50) - 25) for i in range(10)]
    draw.line(points, fill=(16, 32, 110, 255), width=5, joint="curve")
    draw.line([(60, 110), (360, 100)], fill=(16, 32, 110, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _seed_certificate_design(organizer: User) -> None:
    """The reference workshop's certificates carry two signatories (the governor and the
    provincial community development officer, each with a signature) in the ornate frame; the
    follow-up prints Thai numerals (๑/๒๕๕๙) on its วุฒิบัตร and report, in the modern frame."""
    reference = db.session.scalar(select(Workshop).where(Workshop.title == TITLE))
    save_certificate_design(
        reference,
        DesignInput(
            signatory2_name="นางสุนันทา วงศ์ใหญ่",
            signatory2_position="พัฒนาการจังหวัดพิษณุโลก",
            frame="ornate",
        ),
        organizer,
    )
    for n, kind in enumerate((CertificateImageKind.SIGNATURE, CertificateImageKind.SIGNATURE_2)):
        save_certificate_image(reference, kind.value, _signature_png(n), organizer)
    # Its first cohort: the next one (same title) is seeded beside it, and without an order
    # PostgreSQL may return either.
    upcoming = db.session.scalar(
        select(Workshop).where(Workshop.title == UPCOMING_TITLE).order_by(Workshop.id).limit(1)
    )
    if upcoming is not None:
        save_certificate_design(
            upcoming, DesignInput(thai_numerals=True, frame="modern"), organizer
        )


# In the afternoon one officer was away on official duty: excused, as the reports, the
# session's attendance page and the after-event sign-in sheet show.
EXCUSED_OFFICER = "officer9@demo.cdd.go.th"
OFFICIAL_DUTY_ORDER = "ตามคำสั่งจังหวัดพิษณุโลกที่ 2345/2558"


def _registered_before_the_day(
    registrations: list[Registration], day: date = date(2015, 10, 5)
) -> None:
    """The office registered them in October 2015 (their history says so too), not when the
    demo was loaded: a scan from the workshop day is judged by the seats held that day."""
    when = bangkok_to_utc(day, time(10, 0))
    ids = [r.id for r in registrations]
    with write_transaction():
        db.session.execute(
            update(Registration)
            .where(Registration.id.in_(ids))
            .values(created_at=when, confirmed_at=when)
        )
        db.session.execute(
            update(RegistrationStatusChange)
            .where(RegistrationStatusChange.registration_id.in_(ids))
            .values(changed_at=when)
        )


def _seed_refused_scan(workshop: Workshop, registration: Registration, staff: User) -> None:
    """The afternoon door lost its network and its phone sent one queued scan, of the officer
    who has no afternoon signature on the sign-in sheet, only three days later: refused at
    sync, it waits on the workshop's page for the organizer to decide."""
    session_id, registration_id, staff_id = workshop.sessions[1].id, registration.id, staff.id
    with write_transaction():
        db.session.add(
            RefusedScan(
                session_id=session_id,
                registration_id=registration_id,
                staff_id=staff_id,
                method="offline",
                scanned_at=bangkok_to_utc(DAY, time(13, 7)),
                received_at=bangkok_to_utc(DAY + timedelta(days=3), time(9, 12)),
                code="sync_too_late",
            )
        )


# What the demo's attendees answered: (level for every scale question, comment).
_DEMO_ANSWERS = [
    (5, "อยากให้มีการศึกษาดูงานกลุ่ม OTOP ที่ประสบความสำเร็จ"),
    (4, "ควรเพิ่มเวลาฝึกปฏิบัติการทำแผนชุมชน"),
    (5, ""),
    (4, "ห้องประชุมเย็นเกินไปในช่วงบ่าย"),
    (4, ""),
    (3, "เอกสารประกอบการบรรยายควรแจกล่วงหน้า"),
    (5, ""),
    (4, ""),
]


def _seed_attendance_and_evaluation(
    workshop: Workshop, organizer: User, officers: list[User]
) -> None:
    """The reference workshop as held: everyone came in the morning, all but the last officer
    in the afternoon (entered from the signed sign-in sheet) and one away on official duty
    (excused), and an open evaluation form that all attendees but officer1 have answered, so
    that officer1 can try it."""
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.workshop_id == workshop.id)
        .order_by(Registration.id)
    ).all()
    # Entered with the times on the sheet, the check-ins are judged by the seats held then
    # (a demo loaded before registrations kept their history gets it here).
    _registered_before_the_day(list(registrations))
    for registration in registrations:
        for n, session in enumerate(workshop.sessions):
            if n == 1 and registration.user_id == officers[-1].id:
                continue  # left at noon
            if n == 1 and registration.user.email == EXCUSED_OFFICER:
                excuse_absence(
                    registration.id,
                    session.id,
                    ExcuseKind.OFFICIAL_DUTY,
                    OFFICIAL_DUTY_ORDER,
                    organizer,
                )
                continue
            check_in(
                session_id=session.id,
                staff=organizer,
                registration_id=registration.id,
                scanned_at=session.starts_at + timedelta(minutes=10),
                method=CheckInMethod.MANUAL.value,
                override_reason="บันทึกจากใบลงลายมือชื่อผู้เข้าอบรม",
            )
    form = create_form(workshop.id, organizer)
    change_form_status(workshop.id, FormStatus.OPEN.value, organizer)
    for n, (officer, (level, comment)) in enumerate(zip(officers[1:], _DEMO_ANSWERS, strict=False)):
        answers = {
            f"q{q.id}": (
                comment if q.kind == "text" else str(max(1, level - ((q.position + n) % 3 == 0)))
            )
            for q in form.questions_of(FormPart.EVALUATION.value)
        }
        submit_answers(workshop.id, officer, FormPart.EVALUATION.value, answers)


UPCOMING_TITLE = "อบรมการใช้ประโยชน์จากข้อมูล จปฐ. สำหรับเจ้าหน้าที่พัฒนาชุมชน"


def _seed_upcoming(venue: Venue, organizer: User, officers: list[User]) -> None:
    """A follow-up workshop open for registration, six weeks after the demo is loaded, so that
    signing up, registering and tickets can be tried at once. Capacity 12: the demo officers
    fill most of it and a few more sign-ups reach the waitlist."""
    today = utcnow().astimezone(BANGKOK).date()
    first_day = today + timedelta(days=42)
    workshop = create_workshop(
        WorkshopInput(
            title=UPCOMING_TITLE,
            organizing_agency=PROVINCIAL_OFFICE,
            venue_id=venue.id,
            capacity=12,
            registration_opens_at=bangkok_to_utc(today - timedelta(days=1), time(8, 30)),
            registration_closes_at=bangkok_to_utc(first_day - timedelta(days=3), time(16, 30)),
            objectives="ให้เจ้าหน้าที่พัฒนาชุมชนจัดเก็บ ตรวจสอบ และใช้ข้อมูลความจำเป็นพื้นฐาน (จปฐ.) "
            "ในการวางแผนพัฒนาหมู่บ้าน",
            topics="การจัดเก็บข้อมูล จปฐ.\nการตรวจสอบคุณภาพข้อมูล\nการวิเคราะห์และใช้ข้อมูลวางแผน",
            attendance_threshold=80,
            # The follow-up scans people out at the end of each session and counts excused
            # sessions toward the วุฒิบัตร.
            checkout_enabled=True,
            excused_count=True,
            certificate_kind=CertificateKind.ACHIEVEMENT.value,
            signatory_name="นางสุนันทา วงศ์ใหญ่",
            # Signing on the governor's behalf: the position in three lines, as printed.
            signatory_position="พัฒนาการจังหวัดพิษณุโลก\nปฏิบัติราชการแทน\nผู้ว่าราชการจังหวัดพิษณุโลก",
            sessions=[
                SessionInput(
                    title=title,
                    starts_at=bangkok_to_utc(first_day + timedelta(days=day), start),
                    ends_at=bangkok_to_utc(first_day + timedelta(days=day), end),
                    hours=hours,
                )
                for day, start, end, title, hours in (
                    # Hours typed by the organizer: the morning's half-hour break is not training.
                    (0, time(8, 30), time(12, 0), "การจัดเก็บข้อมูล จปฐ.", Decimal("3.00")),
                    (0, time(13, 0), time(16, 30), "การตรวจสอบคุณภาพข้อมูล", None),
                    (1, time(8, 30), time(12, 0), "การวิเคราะห์และใช้ข้อมูลวางแผน", None),
                )
            ],
        ),
        organizer,
    )
    change_status(workshop, WorkshopStatus.PUBLISHED, organizer)
    for officer in officers[:8]:
        register_officer(workshop.id, officer)
    # คัดลอกเป็นรุ่นถัดไป: the same course again eight weeks later, a draft without people.
    later = timedelta(weeks=8)
    again = workshop_input(workshop)
    again.registration_opens_at += later
    again.registration_closes_at += later
    again.sessions = [
        SessionInput(
            title=s.title, starts_at=s.starts_at + later, ends_at=s.ends_at + later, hours=s.hours
        )
        for s in workshop.sessions
    ]
    again.next_cohort_of = workshop.id
    create_workshop(again, organizer)


DISTRICT_ORGANIZER = "organizer-wangthong@demo.cdd.go.th"
DISTRICT_TITLE = "เวทีประชาคมจัดทำแผนชุมชน อำเภอวังทอง ปี 2559"


def _seed_district_workshop(venue: Venue, organizer: User, officers: list[User]) -> None:
    """A workshop of the Wang Thong district office in FY 2559: its organizer sees only this
    one, the provincial office's sees it with its own (and its fiscal-year report groups
    them by office)."""
    day = date(2015, 11, 10)
    workshop = create_workshop(
        WorkshopInput(
            title=DISTRICT_TITLE,
            venue_id=venue.id,
            capacity=30,
            registration_opens_at=bangkok_to_utc(date(2015, 10, 26), time(8, 30)),
            registration_closes_at=bangkok_to_utc(date(2015, 11, 9), time(16, 30)),
            objectives="ทบทวนแผนชุมชนของหมู่บ้านในอำเภอวังทองให้ทันสมัยก่อนปีงบประมาณใหม่",
            sessions=[
                SessionInput(
                    title="เวทีประชาคม",
                    starts_at=bangkok_to_utc(day, time(9, 0)),
                    ends_at=bangkok_to_utc(day, time(12, 0)),
                )
            ],
        ),
        organizer,
    )
    change_status(workshop, WorkshopStatus.PUBLISHED, organizer)
    for officer in (officers[0], officers[-1]):  # the two Wang Thong officers
        register_officer(workshop.id, officer, actor=organizer)


@dataclass(frozen=True)
class PastWorkshop:
    title: str
    first_day: date
    days: int
    attendees: int  # the first this many demo officers came (all sessions but noted below)


# Two more workshops the district officers attended, one later in FY 2559 and one in FY 2560,
# so that an officer's transcript (ประวัติการอบรม) spans two fiscal years: officer1's has three
# workshops, 7 + 14 + 7 hours.
PAST_WORKSHOPS = (
    PastWorkshop("การจัดทำแผนชุมชนแบบมีส่วนร่วม", date(2016, 3, 15), 2, 6),
    PastWorkshop("การส่งเสริมและพัฒนากลุ่มอาชีพ OTOP", date(2016, 11, 22), 1, 4),
)


def _seed_past(past: PastWorkshop, venue: Venue, organizer: User, officers: list[User]) -> None:
    """A workshop held (08.30–16.30 each day less lunch: 7 hours), its attendees checked in
    from the signed sheets; the last attendee missed the afternoon of the last day."""
    workshop = create_workshop(
        WorkshopInput(
            title=past.title,
            organizing_agency=PROVINCIAL_OFFICE,
            venue_id=venue.id,
            capacity=30,
            registration_opens_at=bangkok_to_utc(past.first_day - timedelta(days=30), time(8, 30)),
            registration_closes_at=bangkok_to_utc(past.first_day - timedelta(days=2), time(16, 30)),
            attendance_threshold=80,
            sessions=[
                SessionInput(
                    title=f"{part} วันที่ {day + 1}",
                    starts_at=bangkok_to_utc(past.first_day + timedelta(days=day), start),
                    ends_at=bangkok_to_utc(past.first_day + timedelta(days=day), end),
                )
                for day in range(past.days)
                for part, start, end in (
                    ("ภาคเช้า", time(8, 30), time(12, 0)),
                    ("ภาคบ่าย", time(13, 0), time(16, 30)),
                )
            ],
        ),
        organizer,
    )
    change_status(workshop, WorkshopStatus.PUBLISHED, organizer)
    attendees = officers[: past.attendees]
    registrations = [register_officer(workshop.id, o, actor=organizer) for o in attendees]
    _registered_before_the_day(registrations, past.first_day - timedelta(days=10))
    for registration in registrations:
        for n, session in enumerate(workshop.sessions):
            if registration.user_id == attendees[-1].id and n == len(workshop.sessions) - 1:
                continue
            check_in(
                session_id=session.id,
                staff=organizer,
                registration_id=registration.id,
                scanned_at=session.starts_at + timedelta(minutes=5),
                method=CheckInMethod.MANUAL.value,
                override_reason="บันทึกจากใบลงลายมือชื่อผู้เข้าอบรม",
            )


SOON_TITLE = "ประชุมชี้แจงแนวทางการจัดเก็บข้อมูล จปฐ. ประจำปี"


def _seed_soon(venue: Venue, organizer: User, officers: list[User]) -> None:
    """A half-day briefing two days after the demo is loaded, reminding three days ahead: its
    reminders fall due at once and are queued in the outbox for the next sender pass, and the
    organizer has already messaged the registrants (its messages page shows both)."""
    from workshop.models import MessageAudience
    from workshop.services.messages import send_message
    from workshop.services.reminders import queue_scheduled_notices

    day = utcnow().astimezone(BANGKOK).date() + timedelta(days=2)
    workshop = create_workshop(
        WorkshopInput(
            title=SOON_TITLE,
            organizing_agency=PROVINCIAL_OFFICE,
            venue_id=venue.id,
            capacity=20,
            registration_opens_at=bangkok_to_utc(day - timedelta(days=14), time(8, 30)),
            registration_closes_at=bangkok_to_utc(day - timedelta(days=1), time(12, 0)),
            attendance_threshold=80,
            sessions=[
                SessionInput(
                    title="ชี้แจงแนวทางและแบบสอบถาม",
                    starts_at=bangkok_to_utc(day, time(9, 0)),
                    ends_at=bangkok_to_utc(day, time(12, 0)),
                )
            ],
        ),
        organizer,
    )
    change_status(workshop, WorkshopStatus.PUBLISHED, organizer)
    with write_transaction():
        db.session.get(Workshop, workshop.id).reminder_days = 3
    for officer in officers[:6]:
        register_officer(workshop.id, officer, actor=organizer)
    send_message(
        workshop.id,
        organizer,
        MessageAudience.CONFIRMED,
        "เตรียมแบบสอบถาม จปฐ. มาด้วย",
        "ขอให้ผู้เข้าประชุมนำแบบสอบถาม จปฐ. ของหมู่บ้านที่รับผิดชอบมาด้วย 1 ชุด\nที่จอดรถอยู่ด้านหลังอาคารฝึกอบรม",
    )
    queue_scheduled_notices()


QUOTA_TITLE = "อบรมการบริหารจัดการกองทุนแม่ของแผ่นดินระดับหมู่บ้าน"
# The pending nomination link of the demo (Nakhon Thai's head has not answered yet): a fixed
# token so that people trying the demo can open /nominate/<token>. Real links are random.
DEMO_NOMINATION_TOKEN = "demo-nakhonthai-nomination"


def _seed_wang_thong_nominations(
    workshop: Workshop, office_id: int, organizer: User, officers: list[User]
) -> None:
    """Wang Thong's head, through the office's link, names two people: an officer who has an
    account already and one who gets a new account."""
    from workshop.services.quotas import NomineeInput, create_nomination_link, submit_nominations

    _, token = create_nomination_link(
        workshop.id,
        office_id,
        head_name="นายสมพงษ์ ทองดี",
        head_email="head-wangthong@demo.cdd.go.th",
        days=14,
        actor=organizer,
    )
    submit_nominations(
        token,
        [
            NomineeInput(
                title_prefix=officers[0].title_prefix,
                first_name=officers[0].first_name,
                last_name=officers[0].last_name,
                position=officers[0].position,
                email=officers[0].email,
            ),
            NomineeInput(
                title_prefix="นางสาว",
                first_name="วรรณา",
                last_name="แก้วมณี",
                position="นักวิชาการพัฒนาชุมชนปฏิบัติการ",
                email="wanna.k@demo.cdd.go.th",
            ),
        ],
    )


def _seed_quota_workshop(
    venue: Venue, organizer: User, officers: list[User], offices: dict[str, Office]
) -> None:
    """A workshop with seats held for three district offices: Wang Thong's head has named two
    people (one with an account already, one new), Nakhon Thai's link is pending, Bang Rakam
    has no link yet; the quotas go back to the general pool two weeks before the first day."""
    from workshop.services.quotas import create_nomination_link, set_quotas

    today = utcnow().astimezone(BANGKOK).date()
    first_day = today + timedelta(days=35)
    workshop = create_workshop(
        WorkshopInput(
            title=QUOTA_TITLE,
            organizing_agency=PROVINCIAL_OFFICE,
            venue_id=venue.id,
            capacity=30,
            registration_opens_at=bangkok_to_utc(today - timedelta(days=1), time(8, 30)),
            registration_closes_at=bangkok_to_utc(first_day - timedelta(days=3), time(16, 30)),
            objectives="ให้คณะกรรมการกองทุนแม่ของแผ่นดินบริหารกองทุนได้อย่างโปร่งใส "
            "และขยายผลการป้องกันยาเสพติดในหมู่บ้าน",
            sessions=[
                SessionInput(
                    title="การบริหารจัดการกองทุน",
                    starts_at=bangkok_to_utc(first_day, time(9, 0)),
                    ends_at=bangkok_to_utc(first_day, time(16, 0)),
                )
            ],
        ),
        organizer,
    )
    change_status(workshop, WorkshopStatus.PUBLISHED, organizer)
    quota = {
        offices[district_office_name("วังทอง")].id: 4,
        offices[district_office_name("นครไทย")].id: 3,
        offices[district_office_name("บางระกำ")].id: 3,
    }
    release = bangkok_to_utc(first_day - timedelta(days=14), time(8, 30))
    set_quotas(workshop.id, quota, release, organizer)
    _seed_wang_thong_nominations(
        workshop, offices[district_office_name("วังทอง")].id, organizer, officers
    )
    create_nomination_link(
        workshop.id,
        offices[district_office_name("นครไทย")].id,
        head_name="นางอรุณี ศรีสุข",
        head_email="head-nakhonthai@demo.cdd.go.th",
        days=14,
        actor=organizer,
        token=DEMO_NOMINATION_TOKEN,
    )
    for officer in officers[1:4]:
        register_officer(workshop.id, officer)


TODAY_TITLE = "ประชุมประจำเดือนเจ้าหน้าที่พัฒนาชุมชนจังหวัดพิษณุโลก"
TODAY_CAPACITY = 6
TODAY_CHECKED_IN = 4  # of the six seated, checked in already
TODAY_WAITLISTED = 6  # officers[6] waits for a seat
TODAY_CANCELLED = 7  # officers[7] gave up their seat


def today_session_times(now: datetime) -> tuple[datetime, datetime]:
    """A session on the day the demo is loaded (Bangkok), under way when it is loaded and for
    two and a half hours more: the working day 08.30-16.30 when loaded between 09.30 and
    14.00, else four hours from the half hour an hour or more before loading (not before
    midnight)."""
    day = now.astimezone(BANGKOK).date()
    day_starts, day_ends = bangkok_to_utc(day, time(8, 30)), bangkok_to_utc(day, time(16, 30))
    if day_starts <= now - timedelta(hours=1) and now + timedelta(hours=2.5) <= day_ends:
        return day_starts, day_ends
    an_hour_ago = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
    an_hour_ago -= timedelta(minutes=an_hour_ago.minute % 30)  # Bangkok is UTC+7:00
    return max(bangkok_to_utc(day, time(0, 0)), an_hour_ago), an_hour_ago + timedelta(hours=4)


def _seed_today(venue: Venue, organizer: User, staff: User, officers: list[User]) -> None:
    """A meeting under way when the demo is loaded, for trying the door: four of its six seats
    are checked in (the name search shows their times), officer7 is on the waitlist and
    officer8 cancelled, so scanning their tickets or finding them by name shows the door's
    "รายชื่อสำรอง" and "ยกเลิกแล้ว" answers."""
    now = utcnow()
    starts, ends = today_session_times(now)
    workshop = create_workshop(
        WorkshopInput(
            title=TODAY_TITLE,
            organizing_agency=PROVINCIAL_OFFICE,
            venue_id=venue.id,
            capacity=TODAY_CAPACITY,
            registration_opens_at=starts - timedelta(days=14),
            registration_closes_at=starts - timedelta(days=1),
            attendance_threshold=80,
            sessions=[SessionInput(title="ประชุมติดตามงาน", starts_at=starts, ends_at=ends)],
        ),
        organizer,
    )
    change_status(workshop, WorkshopStatus.PUBLISHED, organizer)
    # The one who cancelled held a seat first; then six seats filled and one more waits.
    cancelled = register_officer(workshop.id, officers[TODAY_CANCELLED], actor=organizer)
    cancel_registration(cancelled.id, organizer, "ติดภารกิจด่วนของอำเภอ")
    seated = [
        register_officer(workshop.id, officer, actor=organizer)
        for officer in officers[:TODAY_CAPACITY]
    ]
    register_officer(workshop.id, officers[TODAY_WAITLISTED], actor=organizer)
    # Seated in advance, so scans from the morning are judged by seats held then.
    _registered_before_the_day(seated, (starts - timedelta(days=3)).astimezone(BANGKOK).date())
    session_id = workshop.sessions[0].id
    for n, registration in enumerate(seated[:TODAY_CHECKED_IN]):
        check_in(
            session_id=session_id,
            staff=staff,
            registration_id=registration.id,
            scanned_at=min(starts - timedelta(minutes=20) + timedelta(minutes=7 * n), now),
            method=CheckInMethod.SEARCH.value,
        )
