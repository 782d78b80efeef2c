"""The current values are read once per values version and shared by every session, read-only."""

import pandas as pd
import pytest
import streamlit as st

from perfdash import service, store, ui
from perfdash.config import load_config
from tests.app.conftest import point_app_at


def test_one_shared_read_only_frame_per_values_version(app_env):
    first = ui.current()
    assert ui.current() is first  # every page run gets the same frame, not its own copy
    with pytest.raises(ValueError, match="read-only"):
        first.loc[first.index[0], "value"] = -1.0
    assert len(first) > 1000


def test_a_write_gives_a_new_frame(app_env, demo_sqlite, monkeypatch):
    url = str(demo_sqlite("2025-08").url)
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=url)
    before = ui.current()
    service.load_demo(store.get_engine(url), load_config(), last="2025-09")
    after = ui.current()
    assert after is not before
    assert after["period"].max() == "2025-09" and before["period"].max() == "2025-08"


def test_a_comment_leaves_the_values_and_their_caches_alone(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=url)
    engine = store.get_engine(url)
    rows = pd.DataFrame(
        {"period": ["2025-04"], "org_code": ["R1H"], "metric_id": ["ae_attendances"], "value": [100.0]}
    ).assign(numerator=float("nan"), denominator=float("nan"))
    store.commit(engine, rows, file_name="a.csv", sha256="a", file_format="canonical", uploaded_by="a")
    st.cache_data.clear()
    st.cache_resource.clear()
    values_before, comments_before = ui.current(), ui.commentary("ae_attendances", "R1H")
    version_before = ui.versions()
    reads: list[int] = []
    real_read_current = store.read_current
    # Count the reads of values while the real reader still does them (no stand-in data).
    monkeypatch.setattr(store, "read_current", lambda *a, **k: reads.append(1) or real_read_current(*a, **k))

    assert ui.save_commentary("ae_attendances", "R1H", "2025-04", "Winter pressures", "", "", "", author="a") is None

    assert ui.versions().values == version_before.values
    assert ui.versions().commentary == version_before.commentary + 1
    assert ui.current() is values_before and reads == []  # the values cache was not re-read
    assert comments_before.empty and ui.commentary("ae_attendances", "R1H")["narrative"].tolist() == [
        "Winter pressures"
    ]
    store.commit(
        engine, rows.assign(value=120.0), file_name="b.csv", sha256="b", file_format="canonical", uploaded_by="a"
    )
    assert ui.current()["value"].tolist() == [120.0] and reads == [1]  # an upload still re-reads the values
    store.dispose_engines()


def test_the_overview_html_is_made_once_per_values_version_and_follows_a_write(app_env, demo_sqlite, monkeypatch):
    from perfdash import overview_tables

    url = str(demo_sqlite("2025-08").url)
    point_app_at(monkeypatch, PERFDASH_DATABASE_URL=url)
    builds: list[int] = []
    real_overview_html = overview_tables.overview_html
    # Count the builds while the real builder still makes the table.
    monkeypatch.setattr(
        overview_tables, "overview_html", lambda *a, **k: builds.append(1) or real_overview_html(*a, **k)
    )

    before = ui.overview_table_html("R1H", "2025-08", show_domain=True)
    assert ui.overview_table_html("R1H", "2025-08", show_domain=True) == before and builds == [1]
    assert "12.3%" not in before

    revised = pd.DataFrame(
        {"period": ["2025-08"], "org_code": ["R1H"], "metric_id": ["ae_4hr_all"], "value": [12.3]}
    ).assign(numerator=float("nan"), denominator=float("nan"))
    store.commit(
        store.get_engine(url), revised, file_name="r.csv", sha256="r", file_format="canonical", uploaded_by="a"
    )

    after = ui.overview_table_html("R1H", "2025-08", show_domain=True)
    assert builds == [1, 1] and "12.3%" in after  # the upload shows at once, without clearing any cache
