"""Run `python -m perfdash …` inside the test process, as a user would see it: exit code, stdout and stderr.

A subprocess pays Python's start-up and the pandas import (about a second) on every call; dozens of CLI tests
made that most of the fast loop. This calls the same `perfdash.cli.main` that `python -m perfdash` calls,
with the same clean environment and working directory, and captures what it prints. The real entry point
still runs as a subprocess in tests/test_cli.py (`test_the_real_entry_point_*`), and crash tests keep their
processes.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CLEAN_ENV = {"PATH": "/usr/bin:/bin"}


@dataclass(frozen=True)
class CliResult:
    """What a finished command left: like subprocess.CompletedProcess."""

    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(env: dict[str, str]):
    """Exactly these variables for the duration (like a subprocess's env=), then the old ones back."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _stream() -> io.TextIOWrapper:
    # A binary buffer underneath, as a real stdout has, for commands that write bytes.
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8", errors="replace")


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT_ROOT) -> CliResult:
    """`python -m perfdash *args` with `env` as the whole environment (PATH added), in `cwd`."""
    from perfdash import cli

    out, err = _stream(), _stream()
    previous = Path.cwd()
    with _environment({**CLEAN_ENV, **(env or {})}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        os.chdir(cwd)
        try:
            code = cli.main(list(args))
        except SystemExit as stop:  # argparse's --help and usage errors
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
        finally:
            os.chdir(previous)
    return CliResult(code, _text(out), _text(err))


def run_entry_point(*args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT_ROOT):
    """The real `python -m perfdash` in a subprocess, for the few tests that are about the process itself."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "perfdash", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**CLEAN_ENV, **(env or {})},
    )
