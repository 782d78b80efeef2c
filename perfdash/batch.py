"""Files chosen together on the Upload page: one summary of what lands, one tick for every warning, one commit.

Like a multi-file `ingest`, the selection is all-or-nothing: a file with errors blocks the commit (the analyst fixes
or removes it), a later file that changes an earlier one's value is a warning on the later file, and the valid
files are written in one transaction, one upload each (so each can be rolled back on its own).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from perfdash import store
from perfdash.ingest.pipeline import Prepared
from perfdash.service import flag_conflicts


@dataclass(frozen=True)
class Batch:
    """The chosen files in order: each with the name of an earlier identical file it repeats (shown, loaded once)."""

    items: tuple[tuple[Prepared, str | None], ...]

    @property
    def files(self) -> list[Prepared]:
        """The distinct files, in the order chosen: what one commit writes."""
        return [prepared for prepared, repeats in self.items if repeats is None]

    @property
    def blocked(self) -> list[Prepared]:
        """Files with errors: while any is chosen, nothing is committed."""
        return [prepared for prepared in self.files if not prepared.ok]

    @property
    def warning_count(self) -> int:
        """Warnings over every file (conflicts between the files included): one tick acknowledges them all."""
        return sum(len(prepared.warnings) for prepared in self.files)

    def refusal(self) -> str | None:
        """Why the selection cannot be committed, in words; None when it can."""
        if not self.blocked:
            return None
        names = _listed([prepared.file_name for prepared in self.blocked])
        return (
            f"Fix or remove {names} before committing: files chosen together are loaded together, so nothing is "
            "written while one of them has errors."
        )

    def summary(self) -> str:
        """What one press of Commit writes, in one sentence."""
        files = self.files
        totals = {key: sum(p.counts()[key] for p in files) for key in ("new", "revised", "unchanged")}
        values = f"{totals['new']:,} new, {totals['revised']:,} revised and {totals['unchanged']:,} unchanged values"
        if len(files) == 1:
            return f"Commit writes {files[0].file_name} as one upload: {values}."
        return (
            f"Commit writes these {len(files)} files in one transaction, one upload each ({values} in all): "
            "all of them land, or none does. Each upload can later be rolled back on its own."
        )

    def table(self) -> pd.DataFrame:
        """One row per distinct file: how it was read, its new, revised and unchanged values, its warnings."""
        rows = [
            {
                "file": prepared.file_name,
                "read as": prepared.format_label or "not recognised",
                **prepared.counts(),
                "warnings": len(prepared.warnings),
                "errors": len(prepared.errors),
            }
            for prepared in self.files
        ]
        columns = ["file", "read as", "new", "revised", "unchanged", "warnings", "errors"]
        return pd.DataFrame(rows, columns=columns)

    def outcome(self, results: list[store.CommitResult]) -> list[str]:
        """What the commit did, one line a file (names as the analyst chose them)."""
        lines = []
        for prepared, result in zip(self.files, results, strict=True):
            if result.duplicate_of is not None:
                lines.append(f"{prepared.file_name}: identical to upload {result.duplicate_of}; nothing changed.")
            else:
                lines.append(
                    f"{prepared.file_name} loaded as upload {result.upload_id}: {result.added:,} new, "
                    f"{result.revised:,} revised, {result.unchanged:,} unchanged. Every page now shows it."
                )
        return lines


def batch(prepared_files: list[Prepared]) -> Batch:
    """The chosen files as one batch: identical copies marked, conflicts between the files flagged as warnings.

    Each file is copied first, so the conflict warnings of this selection never stick to a file prepared earlier
    (the page keeps those between reruns, and the analyst may deselect the file a conflict came from).
    """
    seen: dict[str, str] = {}
    items: list[tuple[Prepared, str | None]] = []
    for prepared in prepared_files:
        copy = replace(prepared, problems=list(prepared.problems))
        items.append((copy, seen.get(prepared.sha256)))
        seen.setdefault(prepared.sha256, prepared.file_name)
    result = Batch(tuple(items))
    flag_conflicts(result.files)
    return result


def _listed(names: list[str]) -> str:
    """'a.csv', 'a.csv and b.csv', 'a.csv, b.csv and c.csv'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
