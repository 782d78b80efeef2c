"""The command line: ingest, export, demo, uploads, rollback, check, boardpack, docs, formats."""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys
from pathlib import Path

from perfdash import logs, terminal


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
EXIT_FAILED = 2
# A file with thousands of problems prints the first ones; the rest are counted (the page lists them all).
MAX_PROBLEM_LINES = 50


def say(text: object) -> None:
    """Print a line to stdout with control characters escaped (file names and values come from users)."""
    print(terminal.safe(text))


def complain(text: object) -> None:
    """Print a line to stderr with control characters escaped."""
    print(terminal.safe(text), file=sys.stderr)


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
            complain(f"{path}: cannot read the file: {error.strerror}")
            failed = True
            continue
        prepared = prepare(Path(path).name, data, config, engine)
        prepared_files.append(prepared)
        _print_problems(path, prepared.errors, "")
        failed |= not prepared.ok
    return prepared_files, failed


def cmd_ingest(args: argparse.Namespace) -> int:
    """Validate every file first; write nothing unless all are valid (and warnings accepted)."""
    config = load_config(args.config)
    engine = _engine(args)
    prepared_files, failed = _prepare_files(args.files, config, engine)
    if failed:
        complain("Nothing was loaded: fix the problems above and run ingest again.")
        return EXIT_INVALID
    if service.needs_demo_decision(engine, prepared_files) and not args.keep_demo:
        if not args.withdraw_demo:
            complain(
                "Nothing was loaded: the store still holds the synthetic demo data and these files are real. "
                "Re-run with --withdraw-demo to withdraw the demo first (recorded like a rollback; recommended), "
                "or --keep-demo to keep it beside them (its points are marked synthetic)."
            )
            return EXIT_WARNINGS
        if not args.dry_run:
            withdrawn = service.withdraw_demo(engine, user=_user(args))
            say(f"withdrew the synthetic demo data ({withdrawn} values); it stays in the audit log")
            # Compare with the store as it now is, so real months are not previewed as revisions of made-up ones.
            prepared_files, failed = _prepare_files(args.files, config, engine)
            if failed:
                return EXIT_INVALID
    # Files of one command are one upload batch: a later file changing an earlier one's value is a revision.
    service.flag_conflicts(prepared_files)
    warned = False
    for prepared in prepared_files:
        _print_problems(prepared.file_name, prepared.warnings, "warning: ")
        warned |= bool(prepared.warnings)
    for prepared in prepared_files:
        counts = prepared.counts()
        say(
            f"{prepared.file_name}: read as {prepared.format_label} ({prepared.format}); "
            f"{len(prepared.rows)} values: {counts['new']} new, {counts['revised']} revised, "
            f"{counts['unchanged']} unchanged"
        )
        say(f"  fills: {prepared.filled()}")
        for note in prepared.notes:
            say(f"  note: {note}")
    if args.dry_run:
        for prepared in prepared_files:
            revised = prepared.changes[prepared.changes["change"] == "revised"].head(20)
            for row in revised.itertuples():
                say(f"  revise {row.period} {row.org_code} {row.metric_id}: {row.old_value:g} -> {row.value:g}")
        say("Dry run: nothing was written.")
        return 0
    if warned and not args.accept_warnings:
        complain("Nothing was loaded: re-run with --accept-warnings to load despite the warnings.")
        return EXIT_WARNINGS
    # One transaction for the whole command: interrupted or failed, it leaves the store as it was.
    results = service.commit_files(engine, prepared_files, user=_user(args), note=args.note or "")
    total = {"added": 0, "revised": 0, "unchanged": 0}
    for prepared, result in zip(prepared_files, results, strict=True):
        if result.duplicate_of is not None:
            say(f"{prepared.file_name}: identical to upload {result.duplicate_of}; nothing changed")
            continue
        total["added"] += result.added
        total["revised"] += result.revised
        total["unchanged"] += result.unchanged
        say(f"{prepared.file_name}: loaded as upload {result.upload_id}")
    say(f"added {total['added']}, revised {total['revised']}, unchanged {total['unchanged']}")
    return 0


def _print_problems(name: str, problems: list, prefix: str) -> None:
    """Each problem on its own line, at most MAX_PROBLEM_LINES of them, then how many more there are."""
    for problem in problems[:MAX_PROBLEM_LINES]:
        complain(f"{name}: {prefix}{problem.describe()}")
    if len(problems) > MAX_PROBLEM_LINES:
        complain(f"{name}: ... and {len(problems) - MAX_PROBLEM_LINES:,} more (the Upload page lists them all)")


def cmd_export(args: argparse.Namespace) -> int:
    """Write current data in the canonical format."""
    data = service.export_csv(_engine(args))
    Path(args.out).write_bytes(data)
    rows = data.count(b"\n") - 1
    say(f"wrote {rows} rows to {args.out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """(Re)load the synthetic demo data as a new upload."""
    config = load_config(args.config)
    result = service.load_demo(_engine(args), config, user=_user(args))
    if result.duplicate_of is not None:
        say(f"demo data identical to upload {result.duplicate_of}; nothing changed")
    else:
        say(f"demo data loaded as upload {result.upload_id}: {result.added} added, {result.revised} revised")
    return 0


def cmd_uploads(args: argparse.Namespace) -> int:
    """List uploads, newest first."""
    frame = store.list_uploads(_engine(args))
    if frame.empty:
        say("no uploads")
        return 0
    for row in frame.itertuples():
        say(
            f"{row.id:>5}  {row.uploaded_at}  {row.uploaded_by:<28} {row.file_name:<40} {row.format:<16} "
            f"rows={row.n_rows} added={row.n_added} revised={row.n_revised} unchanged={row.n_unchanged}  {row.status}"
        )
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    """Roll back one upload."""
    affected = service.rollback_upload(_engine(args), args.upload_id, user=_user(args), reason=args.reason or "")
    say(f"rolled back upload {args.upload_id}: {affected} values returned to what they were before")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """Regenerate docs/metrics.md from config.yaml."""
    from perfdash.config import PROJECT_ROOT
    from perfdash.docs import metrics_markdown

    path = Path(args.out) if args.out else PROJECT_ROOT / "docs" / "metrics.md"
    path.write_text(metrics_markdown(load_config(args.config)), encoding="utf-8")
    say(f"wrote {path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate config and database, report freshness per metric; exit 0 ok, 1 stale data, 2 broken."""
    from datetime import date

    from perfdash import check

    today = date.fromisoformat(args.today) if args.today else date.today()
    report = check.run(args.config, args.database, today)
    for line in report.lines:
        say(line)
    for problem in report.problems:
        complain(problem)
    return report.exit_code


def cmd_boardpack(args: argparse.Namespace) -> int:
    """Write the month's board pack, PDF or PowerPoint, for an organisation (charts drawn by the system Chromium)."""
    from perfdash import boardpack
    from perfdash.periods import parse_period

    period = None
    if args.period:
        period = parse_period(args.period)
        if period is None:
            complain(f"--period {args.period!r} is not a month: write YYYY-MM, e.g. 2025-09.")
            return EXIT_INVALID
    out = Path(args.out)
    if not out.parent.is_dir():
        complain(f"{out}: cannot write the board pack: the folder {out.parent} does not exist")
        return EXIT_INVALID
    config = load_config(args.config)
    try:
        inputs = boardpack.inputs_from_store(_engine(args), args.org, generated_by=_user(args))
        made = boardpack.pack_content(inputs, config, args.org, period)
        written = boardpack.render_slides(made) if args.format == "pptx" else boardpack.render_pdf(made)
    except boardpack.BoardPackError as error:
        complain(str(error))
        return EXIT_INVALID
    try:
        out.write_bytes(written.data)
    except OSError as error:
        complain(f"{out}: cannot write the board pack: {error.strerror}")
        return EXIT_INVALID
    say(f"wrote {out}: board pack for {args.org}, {made.period}, {written.extent()}, {len(made.charted)} charts")
    return 0


def cmd_formats(args: argparse.Namespace) -> int:
    """List the formats perfdash reads, perfdash's own first (a refused file's message points here)."""
    for format_label in _pipeline.format_labels(load_config(args.config)):
        say(format_label)
    return 0


def _upload_id(text: str) -> int:
    """An upload number as the store can hold it (a positive 64-bit integer)."""
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**63:
        raise argparse.ArgumentTypeError(f"{terminal.safe(text, limit=40)!r} is not an upload number")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """Arguments for every command."""
    parser = argparse.ArgumentParser(prog="python -m perfdash", description="perfdash command line")
    parser.add_argument("--config", help="path to config.yaml (default: the project's, or PERFDASH_CONFIG)")
    parser.add_argument("--debug", action="store_true", help="show the full traceback when a command fails")
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
    rollback.add_argument("upload_id", type=_upload_id, metavar="UPLOAD_ID")
    rollback.add_argument("--reason", help="why it is being rolled back")
    check = add("check", cmd_check, "check config.yaml, the database and data freshness (exit 0 ok, 1 stale, 2 broken)")
    check.add_argument("--today", metavar="YYYY-MM-DD", help="judge freshness as on this date (default: today)")
    pack = add("boardpack", cmd_boardpack, "write the month's board pack (PDF) for the ICS, a trust or a place")
    pack.add_argument("--org", required=True, metavar="CODE", help="organisation code, e.g. QMF (the ICS) or R1H")
    pack.add_argument("--period", metavar="YYYY-MM", help="the month (default: the latest with data)")
    pack.add_argument("--out", required=True, metavar="FILE.pdf")
    pack.add_argument(
        "--format", choices=["pdf", "pptx"], default="pdf", help="pdf (default) or pptx: editable PowerPoint"
    )
    docs = sub.add_parser("docs", help="regenerate docs/metrics.md from config.yaml")
    docs.add_argument("--out", help="where to write (default docs/metrics.md)")
    docs.set_defaults(func=cmd_docs)
    formats = sub.add_parser("formats", help="list the formats perfdash reads (CSV, workbooks, publications)")
    formats.set_defaults(func=cmd_formats)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; any failure prints one clear line to stderr and exits 2 (the traceback only with --debug)."""
    # INFO by default so loads say what, by whom and how long (PERFDASH_LOG_LEVEL=WARNING quietens it).
    logs.configure()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        complain("Interrupted: any unfinished write was rolled back.")
        return EXIT_FAILED
    except Exception as error:  # the one place every failure becomes one line
        if args.debug:
            raise
        complain(failure_line(error))
        return EXIT_FAILED
    finally:
        # Commands that never touched the store (--help, docs, formats) should not import it just to tidy up.
        if "perfdash.store" in sys.modules:
            store.dispose_engines()


def failure_line(error: BaseException) -> str:
    """Any exception as one line an operator can act on."""
    # Only modules already imported can have raised their errors, so this imports nothing (an import may be
    # what failed).
    config = sys.modules.get("perfdash.config")
    store_module = sys.modules.get("perfdash.store")
    sa = sys.modules.get("sqlalchemy")
    if (config is not None and isinstance(error, config.ConfigError)) or (
        store_module is not None and isinstance(error, store_module.StoreError)
    ):
        return " ".join(str(error).split())
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or error}" + (" (add --debug for details)" if not error.filename else "")
    if sa is not None and store_module is not None and isinstance(error, sa.exc.SQLAlchemyError):
        return f"Database problem: {store_module.explain(error)}"
    if isinstance(error, MemoryError):
        return "Out of memory: the input is too large for this machine; split it into smaller files"
    text = " ".join(str(error).split())[:300]
    return f"Unexpected {type(error).__name__}: {text} (run again with --debug for the traceback)"
