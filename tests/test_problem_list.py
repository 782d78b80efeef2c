"""The Upload page's list of a file's problems: whole line numbers, the whole file said in words, the first ones."""

import pandas as pd

from perfdash.config import load_config
from perfdash.ingest.pipeline import prepare
from perfdash.problem_list import WHOLE_FILE, problems_caption, problems_shown


def test_line_numbers_are_whole_and_a_problem_with_the_file_says_so():
    problems = pd.DataFrame(
        [
            {
                "severity": "warning",
                "sheet": "",
                "line": None,
                "column": "",
                "value": "",
                "problem": "p",
                "how to fix": "f",
            },
            {
                "severity": "error",
                "sheet": "",
                "line": 12,
                "column": "value",
                "value": "x",
                "problem": "q",
                "how to fix": "g",
            },
        ]
    )
    shown = problems_shown(problems)
    assert shown["Line"].tolist() == [WHOLE_FILE, "12"]  # not "nan" or "12.0"
    assert list(shown.columns) == ["Severity", "Sheet", "Line", "Column", "Value", "What is wrong", "How to fix"]
    assert problems_caption(problems, "a.csv") == "Problems in a.csv: 1 error(s) and 1 warning(s), by line."


def test_a_file_with_many_problems_shows_the_first_ones_and_says_so():
    rows = "".join(f"2025-{13 + i % 5},R1H,ae_4hr_all,1,,\n" for i in range(250))
    prepared = prepare(
        "many.csv", ("period,org_code,metric_id,value,numerator,denominator\n" + rows).encode(), load_config(), None
    )
    problems = prepared.problem_table()
    assert len(problems) == 250
    shown = problems_shown(problems, limit=200)
    assert shown["Line"].tolist() == [str(line) for line in range(2, 202)]
    assert problems_caption(problems, "many.csv", limit=200) == (
        "Problems in many.csv: 250 error(s) and 0 warning(s); "
        "the first 200 by line are shown, and the CSV has every one."
    )
