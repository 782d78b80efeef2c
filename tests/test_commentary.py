"""Commentary validation."""

from perfdash.commentary import problem_with


def test_valid_entry():
    assert problem_with("Ambulance surge", "Open escalation beds", "2025-10-31") is None
    assert problem_with("Note only", "", "") is None


def test_bad_due_date_and_length():
    assert "not a date" in problem_with("x", "", "31/10/2025")
    assert "under 4,000" in problem_with("x" * 4001, "", "")
