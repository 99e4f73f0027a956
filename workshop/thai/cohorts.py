"""Cohorts: a workshop run again (รุ่นที่ 2, ...) keeps its title and adds its cohort."""

from __future__ import annotations


def cohort_label(cohort: int) -> str:
    return f"รุ่นที่ {cohort}"


def with_cohort(title: str, cohort: int | None) -> str:
    """``title`` with its cohort (``อบรม… รุ่นที่ 2``); the title alone when there is none.
    A title that already ends with the cohort is not given it twice."""
    if not cohort:
        return title
    label = cohort_label(cohort)
    return title if title.rstrip().endswith(label) else f"{title} {label}"
