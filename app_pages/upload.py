"""Upload: validate files as published, show every problem, preview the change, then commit (analysts only)."""

import streamlit as st

from perfdash import batch, markup, problem_list, service, ui
from perfdash.ingest.pipeline import format_labels, prepare

user = ui.require("upload")
config = ui.get_config()
engine = ui.get_engine()
st.title("Upload data")
st.write(
    "Drop the month's files as you downloaded them, several at once: NHS England's and NHS Digital's publications "
    "(CSV, Excel .xlsx or .xls, .ods, or a .zip holding one of them), perfdash's canonical and wide forms as CSV "
    "or .xlsx, or the plan form (period, org_code, metric_id, plan: each organisation's monthly plan trajectory). "
    "Each file is checked and previewed on its own; the files you choose together are committed together, all or "
    "nothing. Nothing is written until you press **Commit**."
)
left, right = st.columns(2)
left.download_button(
    "Download the canonical template (CSV)",
    service.template_csv(config),
    file_name="perfdash-template.csv",
    mime="text/csv",
)
right.download_button(
    "Download the plan template (CSV)",
    service.plan_template_csv(),
    file_name="perfdash-plan-template.csv",
    mime="text/csv",
)
st.caption(f"Largest file accepted: {config.app.max_upload_mb} MB. Larger extracts: split them by year.")
with st.expander("Formats perfdash reads"):
    st.markdown("\n".join(f"- {markup.plain(label)}" for label in format_labels(config)))

generation = st.session_state.setdefault("upload_generation", 0)
files = st.file_uploader(
    "Files",
    type=["csv", "txt", "xlsx", "xls", "ods", "zip"],
    accept_multiple_files=True,
    key=f"uploader-{generation}",
    max_upload_size=config.app.max_upload_mb,
)

for message in st.session_state.pop("upload_messages", []):
    st.success(message)

files = files or []
if files and service.demo_is_live(engine):
    st.warning(
        "The store still holds the **synthetic demo data**. Loaded beside real files, made-up months would sit in "
        "the same charts as real ones. Withdraw it first (recorded in the audit log like a rollback), or keep it: "
        "its points are then marked synthetic and the banner names the metrics it still fills."
    )
    left, right = st.columns(2)
    if left.button("Withdraw the demo data", type="primary", key="withdraw-demo"):
        with st.spinner("Withdrawing the demo data…"):
            withdrawn = service.withdraw_demo(engine, user=user.email)
        st.session_state["upload_messages"] = [f"Withdrew the synthetic demo data ({withdrawn:,} values)."]
        st.rerun()
    keep_demo = right.checkbox("Keep the demo beside these files", key="keep-demo")
    demo_decided = keep_demo
else:
    demo_decided = True

# Prepared once per file and data version: a click elsewhere on the page must not re-read every file.
version = ui.values_version()
cache = st.session_state.setdefault("prepared", {})
pending = [f for f in files if (f.file_id, version) not in cache]
progress = st.progress(0.0, text=f"Checking {len(pending)} file(s)…") if pending else None
for done, uploaded in enumerate(pending, start=1):
    progress.progress(
        (done - 1) / len(pending), text=f"Checking {markup.plain(uploaded.name)} ({done} of {len(pending)})…"
    )
    cache[(uploaded.file_id, version)] = prepare(uploaded.name, uploaded.getvalue(), config, engine)
if progress is not None:
    progress.empty()
st.session_state["prepared"] = {key: value for key, value in cache.items() if key[1] == version}

# The chosen files are one batch: shown one by one, committed together (all or nothing) after one tick.
# Kept while the selection and the data stay the same: comparing large files with each other takes a moment.
selection = tuple((uploaded.file_id, version) for uploaded in files)
if st.session_state.get("batch-selection") != selection:
    st.session_state["batch"] = batch.batch([st.session_state["prepared"][key] for key in selection])
    st.session_state["batch-selection"] = selection
chosen = st.session_state["batch"]
for index, (prepared, repeats) in enumerate(chosen.items):
    # A file name is the uploader's text: shown literally, stored as text, never used as a path.
    st.subheader(markup.plain(prepared.file_name))
    if repeats is not None:
        st.info(f"Identical to {markup.plain(repeats)} above; it is shown and loaded once.")
        continue
    key = f"{index}-{prepared.sha256[:16]}"
    if prepared.format != "unknown":
        st.write(
            f"Read as **{prepared.format_label}**"
            + (f", encoding {prepared.encoding}." if prepared.encoding else ".")
            + (f" Fills {prepared.filled()}." if prepared.ok else "")
            + (
                f" The file says its status is **{markup.plain(prepared.file_status)}**."
                if prepared.file_status
                else ""
            )
        )
    for note in prepared.notes:
        st.caption(markup.plain(note))  # notes quote the file's own text
    problems = prepared.problem_table()
    if problems["sheet"].eq("").all():
        problems = problems.drop(columns="sheet")
    if prepared.errors:
        st.error(
            f"{len(prepared.errors)} problem(s) must be fixed before this file can be loaded. Nothing has been written."
        )
    if not problems.empty:
        # Text that wraps, whole line numbers, the first problems of a file that has thousands (the CSV has all).
        ui.plain_table(
            problem_list.problems_shown(problems),
            problem_list.problems_caption(problems, prepared.file_name),
            long=("Value",),
        )
        st.download_button(
            "Download the problems (CSV)",
            ui.safe_csv(problems),
            file_name=f"problems-{prepared.file_name}.csv",
            mime="text/csv",
            key=f"problems-{key}",
        )
    if not prepared.ok:
        continue
    if prepared.duplicate_of is not None:
        st.info(f"This exact file was already loaded as upload {prepared.duplicate_of}; committing changes nothing.")
    counts = prepared.counts()
    ui.count_tiles(
        [
            ("New values", counts["new"], "values no upload has loaded before"),
            ("Revised values", counts["revised"], "values that replace different ones; the old ones are kept"),
            ("Unchanged values", counts["unchanged"], "values already loaded as they are"),
        ],
        f"What committing {prepared.file_name} would change",
    )
    if not prepared.changes.empty:
        with st.expander("Preview by metric and organisation", expanded=counts["revised"] > 0):
            st.dataframe(prepared.preview_summary(), hide_index=True, width="stretch")
            revised = prepared.changes[prepared.changes["change"] == "revised"]
            if not revised.empty:
                st.markdown("**Revisions (old value to new)**")
                st.dataframe(revised[["period", "org_code", "metric_id", "old_value", "value"]], hide_index=True)

if chosen.files:
    st.subheader("Commit")
    refusal = chosen.refusal()
    if len(chosen.files) > 1:
        st.dataframe(chosen.table(), hide_index=True, width="stretch")
    if refusal is not None:
        st.error(markup.plain(refusal))
    else:
        st.write(markup.plain(chosen.summary()))
    accepted = True
    if chosen.warning_count and refusal is None:
        # One tick for every warning of the selection; a different selection asks again.
        files_key = "-".join(p.sha256[:8] for p in chosen.files)
        accepted = st.checkbox(
            f"I have checked the {chosen.warning_count} warning(s) above and want to load anyway",
            key=f"accept-{files_key}",
        )
    note = st.text_input("Note for the audit log (optional)", key="note")
    if not demo_decided:
        st.caption("Withdraw the demo data, or tick to keep it, before committing.")
    ready = refusal is None and accepted and demo_decided
    if st.button("Commit", type="primary", disabled=not ready, key="commit"):
        rows = sum(len(p.rows) for p in chosen.files)
        with st.spinner(f"Writing {rows:,} values from {len(chosen.files)} file(s) in one transaction…"):
            results = service.commit_files(engine, chosen.files, user=user.email, note=note)
        messages = [markup.plain(line) for line in chosen.outcome(results)]
        st.session_state["upload_messages"] = [*st.session_state.get("upload_messages", []), *messages]
        # A new uploader key clears the files so a rerun cannot commit them twice.
        st.session_state["upload_generation"] = generation + 1
        st.rerun()
