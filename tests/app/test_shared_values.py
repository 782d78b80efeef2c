"""The current values are read once per data version and shared by every session, read-only."""

import pytest

from perfdash import service, store, ui
from perfdash.config import load_config


def test_one_shared_read_only_frame_per_data_version(app_env):
    first = ui.current()
    assert ui.current() is first  # every page run gets the same frame, not its own copy
    with pytest.raises(ValueError, match="read-only"):
        first.loc[first.index[0], "value"] = -1.0
    assert len(first) > 1000


def test_a_write_gives_a_new_frame(app_env, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    monkeypatch.setenv("PERFDASH_DATABASE_URL", url)
    service.load_demo(store.get_engine(url), load_config(), last="2025-08")
    before = ui.current()
    service.load_demo(store.get_engine(url), load_config(), last="2025-09")
    after = ui.current()
    assert after is not before
    assert after["period"].max() == "2025-09" and before["period"].max() == "2025-08"
