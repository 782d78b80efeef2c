"""Fixtures for the NHS England importer tests: the real published files, read from ../shared/data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_file(shared_data: Path) -> Callable[[str], str]:
    """Reads a real NHS England file by name as the upload page would (UTF-8, BOM removed), or skips."""

    def read(name: str) -> str:
        path = shared_data / "nhse-ae" / name
        if not path.is_file():
            pytest.skip(f"real NHS England file {path} is missing")
        return path.read_text(encoding="utf-8-sig")

    return read
