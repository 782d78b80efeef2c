"""How many examples a property test draws: all of them in `make test` (CI), a fifth in `make check`."""

from __future__ import annotations

import os


def examples(full: int) -> int:
    """`full` examples, or a fifth (at least 10) when PERFDASH_QUICK_PROPERTIES is set by the fast loop."""
    if os.environ.get("PERFDASH_QUICK_PROPERTIES"):
        return max(10, full // 5)
    return full
