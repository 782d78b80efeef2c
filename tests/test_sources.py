"""The Sources table, the synthetic-data notice and the late line, on a real store."""

from __future__ import annotations

from datetime import date

import pandas as pd

from perfdash import html_table, service, sources, store
from perfdash.ingest.pipeline import prepare

RETURN = b"period,org_code,metric_id,value,numerator,denominator\n2025-04,R1H,ae_4hr_all,,700,1000\n"
TODAY = date(2025, 5, 20)


def loaded(demo_sqlite, config, *, keep_demo: bool):
    engine = demo_sqlite("2025-03")
    if not keep_demo:
        service.withdraw_demo(engine, user="ann@nhs.net")
    prepared = prepare("nel-return.csv", RETURN, config, engine)
    service.commit_prepared(engine, prepared, user="ann@nhs.net")
    return store.read_current(engine), store.list_uploads(engine)


def test_demo_only_says_every_number_is_made_up(demo_sqlite, config):
    sqlite_engine = demo_sqlite("2025-03")
    current, uploads = store.read_current(sqlite_engine), store.list_uploads(sqlite_engine)
    synthetic = sources.synthetic_metrics(config, current, uploads)
    assert len(synthetic) == len(config.metrics)
    notice = sources.demo_notice(config, synthetic, real_loaded=sources.real_data_loaded(uploads))
    assert "every number is made up" in notice


def test_real_beside_demo_names_the_synthetic_metrics(demo_sqlite, config):
    current, uploads = loaded(demo_sqlite, config, keep_demo=True)
    mask = sources.synthetic_mask(current, uploads)
    real = current[~mask]
    assert real[["period", "org_code", "metric_id"]].values.tolist() == [["2025-04", "R1H", "ae_4hr_all"]]
    synthetic = sources.synthetic_metrics(config, current, uploads)
    notice = sources.demo_notice(config, synthetic, real_loaded=True)
    assert notice.startswith(f"Real data is loaded, but {len(synthetic)} of {len(config.metrics)} metrics")
    assert config.metric_by_id["ae_4hr_all"].name in notice


def test_sources_table_says_where_each_metric_came_from(demo_sqlite, config):
    current, uploads = loaded(demo_sqlite, config, keep_demo=True)
    table = sources.sources_table(config, current, uploads, TODAY).set_index("metric_id")
    ae = table.loc["ae_4hr_all"]
    assert ae["last_month"] == "Apr 2025"
    assert ae["origin"] == "trust return"
    assert ae["last_upload"].startswith("#2 nel-return.csv (perfdash canonical long form")
    assert ae["last_upload"].endswith("by ann@nhs.net")
    assert ae["publication"] == config.metric_by_id["ae_4hr_all"].source
    other = table.loc["amb_cat2_mean"]
    assert (other["last_month"], other["origin"]) == ("Mar 2025", "synthetic demo")


def test_withdrawn_demo_leaves_no_data_and_no_notice(demo_sqlite, config):
    current, uploads = loaded(demo_sqlite, config, keep_demo=False)
    assert sources.synthetic_metrics(config, current, uploads) == []
    table = sources.sources_table(config, current, uploads, TODAY).set_index("metric_id")
    assert table.loc["amb_cat2_mean", ["last_month", "origin", "late"]].tolist() == ["none", "no data", "no data yet"]
    summary = sources.late_summary(table.reset_index())
    assert summary.startswith(f"{len(config.metrics) - 1} have no data yet")


def test_next_publication_is_the_month_after_the_one_due():
    # A&E-like day 14: on 20 May 2025, April was due on 14 May, so May is next, due 14 June.
    assert sources.next_publication(14, TODAY) == ("2025-05", date(2025, 6, 14))
    # Before the day, the month before is the one due: on 10 May, March is due, April next on 14 May.
    assert sources.next_publication(14, date(2025, 5, 10)) == ("2025-04", date(2025, 5, 14))


def test_synthetic_periods_of_a_roll_up_inherit_its_members(demo_sqlite, config):
    current, uploads = loaded(demo_sqlite, config, keep_demo=True)
    # R1H's April value is real; the ICS roll-up for April is fed by other trusts' demo values too.
    assert "2025-04" not in sources.synthetic_periods(current, uploads, "ae_4hr_all", ["R1H"])
    assert "2025-03" in sources.synthetic_periods(current, uploads, "ae_4hr_all", ["R1H"])
    members = [o.code for o in config.organisations]
    assert "2025-04" not in sources.synthetic_periods(current, uploads, "ae_4hr_all", members)


def test_the_page_shows_each_metric_as_a_link_and_escapes_what_files_say():
    table = pd.DataFrame(
        [
            {
                "metric_id": "ae_4hr_all",
                "metric": "A&E 4-hour <b>all</b>",
                "publication": "MSitAE",
                "last_month": "Sep 2025",
                "origin": "publication",
                "last_upload": "#2 <img src=x onerror=alert(1)>.csv",
                "file_status": "",
                "next_expected": "Oct 2025, due 13 Nov 2025",
                "late": "on time",
            }
        ],
        columns=sources.COLUMNS,
    )
    frame = sources.shown(table)
    assert frame.columns.tolist() == list(sources.HEADINGS.values())
    body = html_table.frame_table(frame)
    assert '<a href="/metric?metric=ae_4hr_all">A&amp;E 4-hour &lt;b&gt;all&lt;/b&gt;</a>' in body
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in body and "<img" not in body
