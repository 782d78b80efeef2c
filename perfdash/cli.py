"""The command line: ingest, export, demo, uploads, rollback, check, boardpack, docs."""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys
from pathlib import Path

from perfdash import logs


class _Lazy:
    """A module imported on first use: `--help` should not pay a second for pandas, SQLAlchemy and pydantic."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


service = _Lazy("perfdash.service")
store = _Lazy("perfdash.store")
config_module = _Lazy("perfdash.config")
_pipeline = _Lazy("perfdash.ingest.pipeline")


def load_config(path: str | None = None):
    """perfdash.config.load_config, imported when a command needs it."""
    return config_module.load_config(path)


def prepare(*args, **kwargs):
    """perfdash.ingest.pipeline.prepare, imported when a command needs it."""
    return _pipeline.prepare(*args, **kwargs)


EXIT_INVALID = 1
EXIT_WARNINGS = 3


def _user(args: argparse.Namespace) -> str:
    return args.user or os.environ.get("PERFDASH_USER") or f"{getpass.getuser()}@cli"


def _engine(args: argparse.Namespace):
    return store.get_engine(args.database)


def _prepare_files(paths: list[str], config, engine) -> tuple[list, bool]:
    """Read and validate every file, printing each error; the prepared files and whether any failed."""
    prepared_files = []
    failed = False
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            print(f"{path}: cannot read the file: {error.strerror}", file=sys.stderr)
            failed = True
            continue
        prepared = prepare(Path(path).name, data, config, engine)
        prepared_files.append(prepared)
        for problem in prepared.errors:
            print(f"{path}: {problem.describe()}", file=sys.stderr)
        failed |= not prepared.ok
    return prepared_files, failed


def cmd_ingest(args: argparse.Namespace) -> int:
    """Validate every file first; write nothing unless all are valid (and warnings accepted)."""
    config = load_config(args.config)
    engine = _engine(args)
    prepared_files, failed = _prepare_files(args.files, config, engine)
    if failed:
        print("Nothing was loaded: fix the problems above and run ingest again.", file=sys.stderr)
        return EXIT_INVALID
    if service.needs_demo_decision(engine, prepared_files) and not args.keep_demo:
        if not args.withdraw_demo:
            print(
                "Nothing was loaded: the store still holds the synthetic demo data and these files are real. "
                "Re-run with --withdraw-demo to withdraw the demo first (recorded like a rollback; recommended), "
                "or --keep-demo to keep it beside them (its points are marked synthetic).",
                file=sys.stderr,
            )
            return EXIT_WARNINGS
        if not args.dry_run:
            withdrawn = service.withdraw_demo(engine, user=_user(args))
            print(f"withdrew the synthetic demo data ({withdrawn} values); it stays in the audit log")
            # Compare with the store as it now is, so real months are not previewed as revisions of made-up ones.
            prepared_files, failed = _prepare_files(args.files, config, engine)
            if failed:
                return EXIT_INVALID
    warned = False
    for prepared in prepared_files:
        for problem in prepared.warnings:
            print(f"{prepared.file_name}: warning: {problem.describe()}", file=sys.stderr)
            warned = True
    for prepared in prepared_files:
        counts = prepared.counts()
        print(
            f"{prepared.file_name}: read as {prepared.format_label} ({prepared.format}); "
            f"{len(prepared.rows)} values: {counts['new']} new, {counts['revised']} revised, "
            f"{counts['unchanged']} unchanged"
        )
        print(f"  fills: {prepared.filled()}")
        for note in prepared.notes:
            print(f"  note: {note}")
    if args.dry_run:
        for prepared in prepared_files:
            revised = prepared.changes[prepared.changes["change"] == "revised"].head(20)
            for row in revised.itertuples():
                print(f"  revise {row.period} {row.org_code} {row.metric_id}: {row.old_value:g} -> {row.value:g}")
        print("Dry run: nothing was written.")
        return 0
    if warned and not args.accept_warnings:
        print("Nothing was loaded: re-run with --accept-warnings to load despite the warnings.", file=sys.stderr)
        return EXIT_WARNINGS
    total = {"added": 0, "revised": 0, "unchanged": 0}
    for prepared in prepared_files:
        result = service.commit_prepared(engine, prepared, user=_user(args), note=args.note or "")
        if result.duplicate_of is not None:
            print(f"{prepared.file_name}: identical to upload {result.duplicate_of}; nothing changed")
            continue
        total["added"] += result.added
        total["revised"] += result.revised
        total["unchanged"] += result.unchanged
        print(f"{prepared.file_name}: loaded as upload {result.upload_id}")
    print(f"added {total['added']}, revised {total['revised']}, unchanged {total['unchanged']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write current data in the canonical format."""
    data = service.export_csv(_engine(args))
    Path(args.out).write_bytes(data)
    rows = data.count(b"\n") - 1
    print(f"wrote {rows} rows to {args.out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """(Re)load the synthetic demo data as a new upload."""
    config = load_config(args.config)
    result = service.load_demo(_engine(args), config, user=_user(args))
    if result.duplicate_of is not None:
        print(f"demo data identical to upload {result.duplicate_of}; nothing changed")
    else:
        print(f"demo data loaded as upload {result.upload_id}: {result.added} added, {result.revised} revised")
    return 0


def cmd_uploads(args: argparse.Namespace) -> int:
    """List uploads, newest first."""
    frame = store.list_uploads(_engine(args))
    if frame.empty:
        print("no uploads")
        return 0
    for row in frame.itertuples():
        print(
            f"{row.id:>5}  {row.uploaded_at}  {row.uploaded_by:<28} {row.file_name:<40} {row.format:<16} "
            f"rows={row.n_rows} added={row.n_added} revised={row.n_revised} unchanged={row.n_unchanged}  {row.status}"
        )
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    """Roll back one upload."""
    try:
        affected = service.rollback_upload(_engine(args), args.upload_id, user=_user(args), reason=args.reason or "")
    except store.StoreError as error:
        print(str(error), file=sys.stderr)
        return EXIT_INVALID
    print(f"rolled back upload {args.upload_id}: {affected} values returned to what they were before")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """Regenerate docs/metrics.md from config.yaml."""
    from perfdash.config import PROJECT_ROOT
    from perfdash.docs import metrics_markdown

    path = Path(args.out) if args.out else PROJECT_ROOT / "docs" / "metrics.md"
    path.write_text(metrics_markdown(load_config(args.config)), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate config and database, report freshness per metric; exit 0 ok, 1 stale data, 2 broken."""
    from datetime import date

    from perfdash import check

    today = date.fromisoformat(args.today) if args.today else date.today()
    report = check.run(args.config, args.database, today)
    for line in report.lines:
        print(line)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    return report.exit_code


def cmd_boardpack(args: argparse.Namespace) -> int:
    """Write the month's board pack PDF for an organisation (charts drawn by the system Chromium)."""
    from perfdash import boardpack
    from perfdash.periods import parse_period

    period = None
    if args.period:
        period = parse_period(args.period)
        if period is None:
            print(f"--period {args.period!r} is not a month: write YYYY-MM, e.g. 2025-09.", file=sys.stderr)
            return EXIT_INVALID
    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"{out}: cannot write the board pack: the folder {out.parent} does not exist", file=sys.stderr)
        return EXIT_INVALID
    config = load_config(args.config)
    try:
        pack = boardpack.pack_from_store(_engine(args), config, args.org, period, generated_by=_user(args))
    except boardpack.BoardPackError as error:
        print(str(error), file=sys.stderr)
        return EXIT_INVALID
    try:
        out.write_bytes(pack.pdf)
    except OSError as error:
        print(f"{out}: cannot write the board pack: {error.strerror}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {out}: board pack for {args.org}, {pack.period}, {pack.pages} pages, {len(pack.charted)} charts")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Arguments for every command."""
    parser = argparse.ArgumentParser(prog="python -m perfdash", description="perfdash command line")
    parser.add_argument("--config", help="path to config.yaml (default: the project's, or PERFDASH_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "--database", help="SQLAlchemy URL (default: PERFDASH_DATABASE_URL or data/perfdash.sqlite)"
        )
        command.add_argument("--user", help="who is doing this (default: PERFDASH_USER or your login)")
        command.set_defaults(func=func)
        return command

    ingest = add(
        "ingest",
        cmd_ingest,
        "validate and load files as published (CSV, .xlsx, .xls, .ods or a .zip of one) or perfdash's own forms",
    )
    ingest.add_argument("files", nargs="+", metavar="FILE")
    demo_choice = ingest.add_mutually_exclusive_group()
    demo_choice.add_argument(
        "--withdraw-demo", action="store_true", help="first real load: withdraw the synthetic demo data (recommended)"
    )
    demo_choice.add_argument(
        "--keep-demo", action="store_true", help="first real load: keep the demo beside real data, marked synthetic"
    )
    ingest.add_argument("--dry-run", action="store_true", help="validate and preview; write nothing")
    ingest.add_argument("--accept-warnings", action="store_true", help="load even if there are warnings")
    ingest.add_argument("--note", help="a note recorded with the upload")
    export = add("export", cmd_export, "write the current data in the canonical CSV format")
    export.add_argument("--out", required=True, metavar="FILE")
    add("demo", cmd_demo, "(re)load the synthetic demo data")
    add("uploads", cmd_uploads, "list uploads with who, when, file, counts and status")
    rollback = add("rollback", cmd_rollback, "roll back an upload; its values return to what they were before")
    rollback.add_argument("upload_id", type=int, metavar="UPLOAD_ID")
    rollback.add_argument("--reason", help="why it is being rolled back")
    check = add("check", cmd_check, "check config.yaml, the database and data freshness (exit 0 ok, 1 stale, 2 broken)")
    check.add_argument("--today", metavar="YYYY-MM-DD", help="judge freshness as on this date (default: today)")
    pack = add("boardpack", cmd_boardpack, "write the month's board pack (PDF) for the ICS, a trust or a place")
    pack.add_argument("--org", required=True, metavar="CODE", help="organisation code, e.g. QMF (the ICS) or R1H")
    pack.add_argument("--period", metavar="YYYY-MM", help="the month (default: the latest with data)")
    pack.add_argument("--out", required=True, metavar="FILE.pdf")
    docs = sub.add_parser("docs", help="regenerate docs/metrics.md from config.yaml")
    docs.add_argument("--out", help="where to write (default docs/metrics.md)")
    docs.set_defaults(func=cmd_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; configuration and storage problems print one clear line, never a traceback."""
    # INFO by default so loads say what, by whom and how long (PERFDASH_LOG_LEVEL=WARNING quietens it).
    logs.configure()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    # The except clauses are evaluated only when something is raised, so they import nothing up front.
    except config_module.ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2
    except store.StoreError as error:
        print(str(error), file=sys.stderr)
        return 2
    finally:
        if "perfdash.store" in sys.modules:
            store.dispose_engines()
