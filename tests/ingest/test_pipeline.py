"""Validation end to end: every malformed file gets a located, plain-words error and the store is unchanged."""

import pytest

from perfdash import service, store
from perfdash.ingest.pipeline import prepare
from perfdash.periods import label
from tests.ingest.corpus import BAD_FILES, HEADER, BadFile


def test_corpus_is_big_enough():
    assert len(BAD_FILES) >= 40
    assert len({f.name for f in BAD_FILES}) == len(BAD_FILES)


@pytest.mark.parametrize("bad", BAD_FILES, ids=[f.name for f in BAD_FILES])
def test_bad_file_is_rejected_with_a_located_message(bad: BadFile, config, demo_sqlite):
    sqlite_engine = demo_sqlite("2025-03")
    before = store.table_counts(sqlite_engine)
    prepared = prepare(f"{bad.name}.csv", bad.data, config, sqlite_engine, today_month="2026-11")
    assert not prepared.ok
    messages = [p.describe() for p in prepared.errors]
    assert any(bad.expect in m for m in messages), messages
    if bad.line is not None:
        assert any(p.line == bad.line and bad.expect in p.describe() for p in prepared.errors), messages
    with pytest.raises(ValueError, match="cannot be committed"):
        service.commit_prepared(sqlite_engine, prepared, user="x")
    assert store.table_counts(sqlite_engine) == before


def test_file_over_the_size_limit(config, sqlite_engine):
    data = (HEADER + "2025-04,R1H,ae_attendances,1,,\n" * (config.app.max_upload_mb * 40_000)).encode()
    prepared = prepare("big.csv", data, config, sqlite_engine)
    assert f"over the {config.app.max_upload_mb} MB limit" in prepared.errors[0].describe()


def test_documented_normalisations(config, sqlite_engine):
    text = (
        "\ufeffPeriod , ORG_CODE,metric_id,value,numerator,denominator\n"
        "2025-04-01, r1h ,ae_4hr_all,,15230,20410\n"
        "\n"
        '2025-04,R1H,ae_attendances,"20,410",,\n'
        "2025-04,RF4,ae_4hr_all,77.5%,,\n"
    )
    prepared = prepare("ok.csv", text.encode("utf-8"), config, sqlite_engine, today_month="2026-11")
    assert prepared.ok, [p.describe() for p in prepared.errors]
    rows = prepared.rows.set_index(["org_code", "metric_id"])
    assert rows.loc[("R1H", "ae_4hr_all"), "value"] == pytest.approx(100 * 15230 / 20410)
    assert rows.loc[("R1H", "ae_4hr_all"), "period"] == "2025-04"
    assert rows.loc[("R1H", "ae_attendances"), "value"] == 20410
    assert rows.loc[("R1H", "ae_attendances"), "line"] == 4  # the blank line keeps numbering right
    assert rows.loc[("RF4", "ae_4hr_all"), "value"] == 77.5


def test_codes_are_upper_cased_only_when_ascii(config, sqlite_engine):
    folded = prepare("codes.csv", (HEADER + "2025-04,rf4,ae_attendances,100,,\n").encode(), config, sqlite_engine)
    assert folded.ok and folded.rows["org_code"].tolist() == ["RF4"]  # rf4 is RF4, a known trust
    # "rßh".upper() would be "RSSH": a non-ASCII code is refused as written, never folded into a valid-looking one.
    text = HEADER + "2025-04,rf4,ae_attendances,100,,\n2025-04,rßh,ae_attendances,100,,\n"
    refused = prepare("codes.csv", text.encode("utf-8"), config, sqlite_engine, today_month="2026-11")
    assert [(p.line, p.column, p.value) for p in refused.errors] == [(3, "org_code", "r\\xdfh")]
    assert "LATIN SMALL LETTER SHARP S" in refused.errors[0].message


def test_windows_1252_is_accepted(config, sqlite_engine):
    data = (HEADER + "2025-04,R1H,ae_attendances,100,,\n").encode("cp1252")
    prepared = prepare("w.csv", data.replace(b"\n", b"\r\n"), config, sqlite_engine, today_month="2026-11")
    assert prepared.ok
    assert prepared.encoding == "utf-8"
    prepared = prepare(
        "w.csv",
        "period,org_code,metric_id,value\n2025-04,R1H,ae_attendances,100\n".encode("cp1252"),
        config,
        sqlite_engine,
        today_month="2026-11",
    )
    assert prepared.ok


def test_windows_1252_only_bytes(config, sqlite_engine):
    # "é" in Windows-1252 is not valid UTF-8: read as Windows-1252, then rejected only for the bad org code.
    data = HEADER.encode() + "2025-04,R1H,ae_attendances,100,,\n2025-04,Ré,ae_attendances,1,,\n".encode("cp1252")
    prepared = prepare("w.csv", data, config, sqlite_engine, today_month="2026-11")
    assert prepared.encoding == "windows-1252"
    assert any(p.line == 3 and p.column == "org_code" for p in prepared.errors)


def test_wide_form(config, sqlite_engine):
    text = "period,org_code,ae_attendances,ae_4hr_all\n2025-04,R1H,20410,74.6\n2025-04,RF4,,77\n"
    prepared = prepare("wide.csv", text.encode(), config, sqlite_engine, today_month="2026-11")
    assert prepared.ok, prepared.problem_table()
    assert prepared.format == "wide"
    assert len(prepared.rows) == 3  # the blank cell is missing, not zero


def test_preview_and_warnings_against_history(config, demo_sqlite):
    sqlite_engine = demo_sqlite("2025-06")
    current = store.read_current(sqlite_engine)
    june = current[(current["period"] == "2025-06") & (current["metric_id"] == "ae_attendances")]
    revised = june.assign(value=june["value"] + 1)[["period", "org_code", "metric_id", "value"]]
    revised = revised[revised["org_code"] != "RQX"]  # RQX reported in May but is missing for June? no: same month
    text = revised.to_csv(index=False)
    prepared = prepare("rev.csv", text.encode(), config, sqlite_engine, today_month="2026-11")
    assert prepared.ok
    assert prepared.counts() == {"new": 0, "revised": len(revised), "unchanged": 0}
    assert any("already loaded" in w.message for w in prepared.warnings)
    name = config.metric_by_id["ae_attendances"].name
    assert any(
        f"{config.org_names['RQX']} (RQX) reported {name} (ae_attendances) for May 2025 but not for "
        "Jun 2025" in w.message
        for w in prepared.warnings
    ), [w.message for w in prepared.warnings]


def test_one_revision_warning_per_month_and_metric_in_their_order_naming_the_first(config, demo_sqlite):
    sqlite_engine = demo_sqlite("2025-06")
    current = store.read_current(sqlite_engine)
    months, metrics = ["2025-05", "2025-06"], ["ae_4hr_all", "ae_attendances"]
    chosen = current[current["period"].isin(months) & current["metric_id"].isin(metrics)]
    chosen = chosen[chosen["org_code"].isin(["R1H", "RF4", "RQX"])]
    # Written newest month and last metric first, so the file meets its keys out of their order.
    rows = chosen.sort_values(["period", "metric_id", "org_code"], ascending=[False, False, True])
    revised = rows.assign(value=rows["value"] + 1)[["period", "org_code", "metric_id", "value"]].reset_index(drop=True)
    prepared = prepare("rev.csv", revised.to_csv(index=False).encode(), config, sqlite_engine, today_month="2026-11")
    assert prepared.ok, prepared.problem_table()
    old = chosen.set_index(["period", "metric_id", "org_code"])["value"]
    expected = []
    for period in months:
        for metric_id in metrics:
            group = revised[(revised["period"] == period) & (revised["metric_id"] == metric_id)]
            first = group.iloc[0]
            message = (
                f"{label(period)} is already loaded for {metric_id}; {len(group)} value(s) will be revised "
                f"(e.g. {first['org_code']}: {old[(period, metric_id, first['org_code'])]:g} to {first['value']:g})"
            )
            expected.append((message, int(group.index[0]) + 2))  # the file's line: its header is line 1
    found = [(w.message, w.line) for w in prepared.warnings if "already loaded" in w.message]
    assert found == expected


def test_outlier_warning(config, demo_sqlite):
    sqlite_engine = demo_sqlite("2025-06")
    text = "period,org_code,metric_id,value\n2025-07,R1H,ae_4hr_all,0.74\n"
    prepared = prepare("o.csv", text.encode(), config, sqlite_engine, today_month="2026-11")
    assert prepared.ok
    assert any("far outside" in w.message and w.line == 2 for w in prepared.warnings)


def test_outliers_are_warned_of_when_a_file_would_load_them_not_when_it_repeats_them(config, demo_sqlite):
    from perfdash.service import commit_prepared

    sqlite_engine = demo_sqlite("2025-06")
    text = "period,org_code,metric_id,value\n2025-07,R1H,ae_4hr_all,0.74\n"
    first = prepare("o.csv", text.encode(), config, sqlite_engine, today_month="2026-11")
    commit_prepared(sqlite_engine, first, user="a@nhs.net")
    # The same value again (in a republished file, say): already loaded and accepted, so no second warning.
    again = prepare("again.csv", (text + "2025-07,RF4,ae_4hr_all,0.73\n").encode(), config, sqlite_engine)
    outliers = [w for w in again.warnings if "far outside" in w.message]
    assert [w.line for w in outliers] == [3], [w.message for w in again.warnings]  # RF4's new value only


def test_format_is_detected_and_named(config, sqlite_engine):
    prepared = prepare(
        "c.csv", (HEADER + "2025-04,R1H,ae_attendances,100,,\n").encode(), config, sqlite_engine, today_month="2026-11"
    )
    assert prepared.format == "canonical" and "canonical" in prepared.format_label


def test_every_problem_in_a_file_is_reported_at_once(config, sqlite_engine):
    data = (
        HEADER + "2025-04,R1H,ae_4hr_all,abc,,\n2025-04,ZZZ99,ae_4hr_all,70,,\n2025-04,RF4,ae_4hr_all,170,,\n"
    ).encode()
    prepared = prepare("month.csv", data, config, sqlite_engine, today_month="2026-11")
    located = sorted((p.line, p.column) for p in prepared.errors)
    # Line 2's unreadable number, line 3's unknown organisation and line 4's impossible value, in one pass.
    assert located == [(2, "value"), (3, "org_code"), (4, "value")], [p.describe() for p in prepared.errors]


def test_a_value_computed_from_counts_is_described_as_computed(config):
    prepared = prepare("month.csv", (HEADER + "2025-04,R1H,ae_4hr_all,,1200,1000\n").encode(), config, None)
    computed = [p for p in prepared.errors if "numerator / denominator is above 100" in p.message]
    assert computed and computed[0].value == "120"
    assert not any(p.column == "value" for p in prepared.errors)


def test_no_warning_for_organisations_a_file_of_this_kind_never_has(config, demo_sqlite):
    # The demo has emergency admissions for trusts and places; a trusts-only file must not be told places are missing.
    sqlite_engine = demo_sqlite("2025-03")
    trusts = [
        o.code
        for o in config.organisations
        if o.code in config.metric_orgs(config.metric_by_id["emergency_admissions"])
    ]
    rows = "".join(f"2025-04,{code},emergency_admissions,5000,,\n" for code in trusts)
    prepared = prepare("month.csv", (HEADER + rows).encode(), config, sqlite_engine, today_month="2026-11")
    missing = [p.message for p in prepared.warnings if "but not for" in p.message]
    assert missing == [], missing
    # Drop one trust: exactly that one is named, with the metric and both months.
    fewer = "".join(f"2025-04,{code},emergency_admissions,5000,,\n" for code in trusts[1:])
    prepared = prepare("month.csv", (HEADER + fewer).encode(), config, sqlite_engine, today_month="2026-11")
    missing = [p.message for p in prepared.warnings if "but not for" in p.message]
    assert len(missing) == 1 and f"({trusts[0]})" in missing[0]
    assert "Emergency" in missing[0] and "Mar 2025" in missing[0] and "Apr 2025" in missing[0]
