"""perfdash's own controls in an AppTest run: its pickers (perfdash.ui.picker), what each shows and a choice."""

from __future__ import annotations

import json


def mounted(at, name: str) -> list:
    """The data of every components v2 element with this name an AppTest run shows, in page order."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == name]


def pickers(at) -> dict[str, dict]:
    """Every picker the run shows, by its key: {"label", "options" ([value, text] pairs), "value"}."""
    from perfdash.ui import PICKER

    return {data["id"].removeprefix("pd-pick-"): data for data in mounted(at, PICKER)}


def shown(at, key: str) -> str:
    """The value the picker with this key shows."""
    return pickers(at)[key]["value"]


def choose(at, key: str, value: str):
    """A reader's choice in the picker with this key, as its script reports it (perfdash.ui._remember); run next."""
    from perfdash import ui

    assert value in [option[0] for option in pickers(at)[key]["options"]], f"{value!r} is not offered by {key!r}"
    at.session_state[ui.CHOSEN + key] = value
    return at
