"""An importer that meets something it does not handle: one clear line for the analyst, the traceback in the log."""

import logging

import pytest

from perfdash.ingest import canonical
from perfdash.ingest.guard import never_raises
from perfdash.ingest.model import Parsed
from tests.ingest.corpus import HEADER


def _assert_one_clear_line_and_a_logged_traceback(parsed: Parsed, caplog: pytest.LogCaptureFixture, error: str) -> None:
    assert parsed.rows.empty and len(parsed.problems) == 1
    shown = parsed.problems[0].describe()
    assert "\n" not in shown and "Traceback" not in shown
    assert shown.startswith("perfdash could not read this file") and error in shown
    logged = [r for r in caplog.records if r.name == "perfdash" and r.levelno == logging.ERROR]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "Traceback (most recent call last)" in caplog.text and error in caplog.text


def test_an_unexpected_error_in_an_importer_is_logged_and_shown_as_one_line(caplog):
    @never_raises("nhse_example")
    def broken(text: str) -> Parsed:
        raise KeyError("a column the importer assumed")

    with caplog.at_level(logging.ERROR, logger="perfdash"):
        parsed = broken("anything")
    assert parsed.format == "nhse_example"
    _assert_one_clear_line_and_a_logged_traceback(parsed, caplog, "KeyError")


def test_a_file_the_csv_reader_refuses_is_a_problem_not_a_logged_error(caplog):
    with caplog.at_level(logging.ERROR, logger="perfdash"):
        parsed = canonical.parse_long('period,org_code,metric_id,value\n"2025-04,R1H\n', None)
    assert parsed.problems and "could not read" not in parsed.problems[0].message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("parse", [canonical.parse_long, canonical.parse_wide])
def test_the_canonical_importers_let_no_traceback_through(parse, caplog):
    # No registry to check metric ids against: the real parser fails deep inside, as a bug would.
    text = (
        HEADER + "2025-04,R1H,ae_attendances,100,,\n"
        if parse is canonical.parse_long
        else ("period,org_code,ae_attendances\n2025-04,R1H,100\n")
    )
    with caplog.at_level(logging.ERROR, logger="perfdash"):
        parsed = parse(text, None)
    _assert_one_clear_line_and_a_logged_traceback(parsed, caplog, "AttributeError")
