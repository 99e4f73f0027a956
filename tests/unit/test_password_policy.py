"""The password policy: length, letters, not personal, not common, not repetitive."""

import pytest

from workshop.services.demo import DEMO_ACCOUNTS
from workshop.services.passwords import check_password, hash_password, password_problem

EMAIL = "kingkaew.p@example.go.th"
NAMES = ("กิ่งแก้ว", "ปิ่นทอง")


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short-1", "10–128"),
        ("x" * 129, "10–128"),
        ("12345678901234", "ตัวเลข"),
        ("2559-10-20 08:30", "ตัวเลข"),
        (EMAIL, "อีเมลหรือชื่อ"),
        ("kingkaewp2559", "อีเมลหรือชื่อ"),
        ("ปิ่นทอง-2559!", "อีเมลหรือชื่อ"),
        ("กิ่งแก้วปิ่นทอง1", "อีเมลหรือชื่อ"),
        ("password1234", "เดาได้ง่าย"),
        ("Password2559!", "เดาได้ง่าย"),
        ("P@ssw0rd-2559", "เดาได้ง่าย"),
        ("qwertyuiop", "เดาได้ง่าย"),
        ("1q2w3e4r5t", "เดาได้ง่าย"),
        ("thailand2559", "เดาได้ง่าย"),
        ("abababababab", "ซ้ำ"),
    ],
)
def test_weak_passwords_are_refused_with_a_thai_reason(password, words):
    problem = password_problem(password, email=EMAIL, names=NAMES)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    "password",
    ["correct-horse-2559", "ดอกแก้ว-วังทอง-2559", "แม่น้ำน่าน ไหลผ่าน", "x7#Lq9!vB2mZ"],
)
def test_reasonable_passwords_pass(password):
    assert password_problem(password, email=EMAIL, names=NAMES) is None


def test_demo_accounts_meet_the_policy():
    for account in DEMO_ACCOUNTS:
        names = (account.first_name, account.last_name)
        assert password_problem(account.password, email=account.email, names=names) is None


def test_hash_and_check():
    stored = hash_password("correct-horse-2559")
    assert check_password(stored, "correct-horse-2559")
    assert not check_password(stored, "correct-horse-2558")
    assert not check_password(None, "correct-horse-2559")


def test_the_minimum_length_is_exactly_ten():
    """A 9-character password that passes every other rule is refused for its length alone; one
    character more passes."""
    assert password_problem("kd8#mQ2vz", email=EMAIL, names=NAMES) == password_problem("x")
    assert "10–128" in password_problem("kd8#mQ2vz", email=EMAIL, names=NAMES)
    assert password_problem("kd8#mQ2vzp", email=EMAIL, names=NAMES) is None
    assert password_problem("กขคงจฉช-25", email=EMAIL, names=NAMES) is None  # 10, Thai
