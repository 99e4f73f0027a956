"""The attendance rule shared by certificates and reports."""

import pytest

from workshop.services.attendance import meets_attendance_rule, sessions_required


@pytest.mark.parametrize(
    ("attended", "total", "threshold", "met"),
    [
        (2, 2, 80, True),
        (1, 2, 80, False),  # 50 % < 80 %
        (4, 5, 80, True),  # exactly 80 %
        (3, 5, 80, False),
        (0, 3, 0, True),  # no attendance required
        (1, 1, 100, True),
        (0, 0, 80, False),  # nothing to attend
    ],
)
def test_meets_attendance_rule(attended: int, total: int, threshold: int, met: bool) -> None:
    assert meets_attendance_rule(attended, total, threshold) is met


@pytest.mark.parametrize("total", range(0, 12))
@pytest.mark.parametrize("threshold", [0, 1, 33, 50, 66, 80, 99, 100])
def test_sessions_required_is_the_least_that_meets_the_rule(total: int, threshold: int) -> None:
    need = sessions_required(total, threshold)
    if total == 0:
        assert need == 0
        return
    assert meets_attendance_rule(need, total, threshold)
    assert need == 0 or not meets_attendance_rule(need - 1, total, threshold)
