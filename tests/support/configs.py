"""Copies of the project's config.yaml with one change, for tests of other settings."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path

import yaml

from perfdash.config import DEFAULT_CONFIG_PATH, read_yaml

_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _project_registry() -> dict:
    """The project's registry as parsed YAML, read once per process."""
    return read_yaml(Path(DEFAULT_CONFIG_PATH))


def write_config_variant(folder: Path, change: Callable[[dict], object]) -> Path:
    """Write folder/config.yaml: the project's registry after change(raw) edits it in place."""
    raw = copy.deepcopy(_project_registry())
    change(raw)
    path = folder / "config.yaml"
    path.write_text(yaml.dump(raw, Dumper=_SAFE_DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
