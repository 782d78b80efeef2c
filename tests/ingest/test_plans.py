"""Plan trajectories: a BHRUT plan file loads through the upload flow, is drawn, shows as vs plan, and rolls back."""

import pandas as pd
import pytest

from perfdash import board, service, spc_chart, store
from perfdash.ingest.pipeline import prepare

# BHRUT's (RF4) 4-hour trajectory to March 2027: plans run into months with no data yet.
BHRUT_PLAN = (
    "period,org_code,metric_id,plan\n"
    + "".join(
        f"{period},RF4,ae_4hr_all,{plan}\n"
        for period, plan in zip(
            [f"2026-{m:02d}" for m in range(4, 13)] + ["2027-01", "2027-02", "2027-03"],
            [77.0, 77.5, 78.0, 78.5, 79.0, 79.5, 80.0, 80.0, 80.5, 81.0, 81.5, 82.0],
            strict=True,
        )
    )
).encode()


def _load(engine, config, data: bytes = BHRUT_PLAN, name: str = "bhrut-plan-2026-27.csv"):
    prepared = prepare(name, data, config, engine, today_month="2026-11")
    assert prepared.ok, [p.describe() for p in prepared.errors]
    return prepared, service.commit_prepared(engine, prepared, user="analyst@nhs.net", note="2026/27 operating plan")


def test_bhrut_plan_loads_is_drawn_and_rolls_back(config, engine):
    service.load_demo(engine, config, last="2026-10")
    values_before = store.read_current(engine)
    prepared, result = _load(engine, config)
    assert prepared.format == "plan"
    assert prepared.filled() == "plans for ae_4hr_all for RF4, Apr 2026 to Mar 2027"
    assert (result.added, result.revised, result.unchanged) == (12, 0, 0)

    plans = store.read_plans(engine)
    assert len(plans) == 12 and set(plans["org_code"]) == {"RF4"}
    assert plans.set_index("period").at["2026-10", "plan"] == 80.0
    # Plans never touch the values.
    pd.testing.assert_frame_equal(store.read_current(engine), values_before)
    uploads = store.list_uploads(engine)
    assert uploads.iloc[0]["format"] == "plan" and uploads.iloc[0]["note"] == "2026/27 operating plan"

    # The overview shows vs plan beside vs target for October 2026.
    current = store.read_current(engine)
    row = board.overview(current, config, "RF4", "2026-10", plans).set_index("metric_id").loc["ae_4hr_all"]
    assert row["plan"] == 80.0 and row["target"] == 82
    assert row["met_plan"] is bool(row["value"] >= 80.0)

    # The chart draws it as a dashed line, months to come included.
    metric = config.metric_by_id["ae_4hr_all"]
    series = board.series(current, config, metric, "RF4")
    reading = board.spc_reading(config, metric, "RF4", series, plans=plans)
    plan = board.plan_rows(plans, metric, "RF4")
    figure = spc_chart.spc_figure(
        reading.periods,
        reading.result,
        title="t",
        unit="percent",
        targets=board.target_series(config, metric, "RF4", reading.periods, series),
        plans=list(zip(plan["period"], plan["plan"], strict=True)),
    )
    trace = next(t for t in figure.data if t.name == "Plan")
    assert trace.line.dash == "dash"
    assert list(trace.x)[-1] == "2027-03" and list(trace.y)[-1] == 82.0

    # A revised plan supersedes it; rolling that back restores the first; rolling the first back removes it.
    revised = BHRUT_PLAN.replace(b"2026-10,RF4,ae_4hr_all,80.0", b"2026-10,RF4,ae_4hr_all,79.0")
    prepared, second = _load(engine, config, revised, "bhrut-plan-revised.csv")
    assert prepared.counts() == {"new": 0, "revised": 1, "unchanged": 11}
    assert store.read_plans(engine).set_index("period").at["2026-10", "plan"] == 79.0
    assert service.rollback_upload(engine, second.upload_id, user="lead@nhs.net", reason="wrong version") == 12
    assert store.read_plans(engine).set_index("period").at["2026-10", "plan"] == 80.0
    service.rollback_upload(engine, result.upload_id, user="lead@nhs.net", reason="plan withdrawn")
    assert store.read_plans(engine).empty
    assert (
        board.overview(store.read_current(engine), config, "RF4", "2026-10", store.read_plans(engine))
        .set_index("metric_id")
        .at["ae_4hr_all", "plan"]
        is None
    )


def test_the_same_plan_file_twice_changes_nothing(config, sqlite_engine):
    _, first = _load(sqlite_engine, config)
    prepared, again = _load(sqlite_engine, config)
    assert prepared.duplicate_of == first.upload_id and again.duplicate_of == first.upload_id
    assert len(store.read_plans(sqlite_engine)) == 12


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("period,org_code,metric_id,plan\n2026-04,RF4,ae_4hr_all,\n", "line 2, column plan: is blank"),
        ("period,org_code,metric_id,plan\n2026-04,RF4,ae_4hr_al,80\n", "column metric_id: is not a known metric id"),
        ("period,org_code,metric_id,plan\n2026-04,XYZ,ae_4hr_all,80\n", "column org_code: is not a known organisation"),
        ("period,org_code,metric_id,plan\n2026-04,RF4,ae_4hr_all,180\n", "column plan: is above 100"),
        ("period,org_code,metric_id,plan\n04/2026,RF4,ae_4hr_all,80\n", "column period: is not a month"),
        ("period,org_code,metric_id,plan\n2026-04,RF4,ae_4hr_all,eighty\n", "column plan: is not a number"),
        ("period,org_code,metric_id,plan,owner\n2026-04,RF4,ae_4hr_all,80,x\n", "unexpected column 'owner'"),
        (
            "period,org_code,metric_id,plan\n2026-04,RF4,ae_4hr_all,80\n2026-04,RF4,ae_4hr_all,81\n",
            "line 3, column metric_id: repeats the month, organisation and metric of line 2",
        ),
    ],
)
def test_bad_plan_files_are_refused_with_a_located_message(config, sqlite_engine, text, expected):
    before = store.table_counts(sqlite_engine)
    prepared = prepare("plan.csv", text.encode(), config, sqlite_engine, today_month="2026-11")
    assert prepared.format == "plan"
    messages = [p.describe() for p in prepared.errors]
    assert any(expected in m for m in messages), messages
    with pytest.raises(ValueError, match="cannot be committed"):
        service.commit_prepared(sqlite_engine, prepared, user="x")
    assert store.table_counts(sqlite_engine) == before


def test_a_values_file_with_a_plan_column_is_not_a_plan(config, sqlite_engine):
    text = b"period,org_code,metric_id,value,plan\n2026-04,RF4,ae_4hr_all,80,81\n"
    prepared = prepare("mixed.csv", text, config, sqlite_engine, today_month="2026-11")
    assert prepared.format == "canonical"
    assert any("unexpected column 'plan'" in p.describe() for p in prepared.errors)


def test_a_plan_saved_from_excel_loads_with_excel_row_numbers(config, sqlite_engine):
    from tests.ingest.test_workbook import xlsx

    rows = [
        ["BHRUT operating plan 2026/27: 4-hour trajectory"],
        [],
        ["period", "org_code", "metric_id", "plan"],
        ["2026-04", "RF4", "ae_4hr_all", 77],
        ["2026-05", "RF4", "ae_4hr_all", 77.5],
        ["2026-06", "RF4", "ae_4hr_all", "seventy-eight"],
    ]
    bad = prepare("bhrut-plan.xlsx", xlsx({"Trajectory": rows}), config, sqlite_engine, today_month="2026-11")
    assert bad.format == "plan"
    # The bad cell is on Excel row 6 of the Trajectory sheet.
    assert any(p.line == 6 and p.column == "plan" and p.sheet == "Trajectory" for p in bad.errors), bad.errors
    rows[-1][-1] = 78
    prepared = prepare("bhrut-plan.xlsx", xlsx({"Trajectory": rows}), config, sqlite_engine, today_month="2026-11")
    assert prepared.ok, [p.describe() for p in prepared.errors]
    service.commit_prepared(sqlite_engine, prepared, user="analyst@nhs.net")
    assert store.read_plans(sqlite_engine)["plan"].tolist() == [77.0, 77.5, 78.0]


def test_the_plan_template_is_a_plan_file_that_loads(config, sqlite_engine):
    prepared = prepare("perfdash-plan-template.csv", service.plan_template_csv(), config, sqlite_engine)
    assert prepared.format == "plan" and prepared.ok


def test_a_plan_upload_records_its_provenance(config, sqlite_engine):
    _load(sqlite_engine, config)
    upload = store.list_uploads(sqlite_engine).iloc[0]
    assert (upload["format"], upload["origin"]) == ("plan", store.ORIGIN_RETURN)
    assert upload["source"].startswith("perfdash plan form")
