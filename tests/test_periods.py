"""Months and days in words."""

from perfdash.periods import day_label, label, moment_label


def test_a_month_and_a_day_in_words():
    assert label("2025-09") == "Sep 2025"
    assert day_label("2025-12-05") == "5 Dec 2025"
    assert day_label(" 2026-03-31 ") == "31 Mar 2026"


def test_text_that_is_not_a_date_is_shown_as_written():
    assert day_label("end of March") == "end of March"
    assert day_label("") == ""


def test_a_stored_moment_in_words_to_the_minute():
    assert moment_label("2025-10-03T17:45:01Z") == "3 Oct 2025, 17:45 UTC"
    assert moment_label("2026-01-09T00:05:00+00:00") == "9 Jan 2026, 00:05 UTC"
    assert moment_label("2026-07-01T00:30:00+01:00") == "30 Jun 2026, 23:30 UTC"
    assert moment_label(None) == "" and moment_label("") == ""
    assert moment_label("yesterday") == "yesterday"
