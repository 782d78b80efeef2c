"""Logging for the app and the command line: the "perfdash" logger to stderr, with time and level."""

from __future__ import annotations

import logging
import os
import sys

_MARK = "_perfdash_handler"


class _CurrentStderr(logging.StreamHandler):
    """A handler that writes to whatever sys.stderr is at the time (tests and tools replace it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(level: str | None = None) -> logging.Logger:
    """Send "perfdash" log records to stderr once per process (level: argument, PERFDASH_LOG_LEVEL, else INFO)."""
    logger = logging.getLogger("perfdash")
    logger.setLevel((level or os.environ.get("PERFDASH_LOG_LEVEL") or "INFO").upper())
    if not any(getattr(handler, _MARK, False) for handler in logger.handlers):
        handler = _CurrentStderr()
        setattr(handler, _MARK, True)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    return logger
