"""Months and days in words."""

from perfdash.periods import day_label, label


def test_a_month_and_a_day_in_words():
    assert label("2025-09") == "Sep 2025"
    assert day_label("2025-12-05") == "5 Dec 2025"
    assert day_label(" 2026-03-31 ") == "31 Mar 2026"


def test_text_that_is_not_a_date_is_shown_as_written():
    assert day_label("end of March") == "end of March"
    assert day_label("") == ""
