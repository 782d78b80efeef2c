"""Upload: validate files, show every problem, preview the change, then commit (analysts only)."""

import streamlit as st

from perfdash import markup, service, ui
from perfdash.ingest.pipeline import prepare

user = ui.require("upload")
config = ui.get_config()
engine = ui.get_engine()
st.title("Upload data")
st.write(
    "Load monthly CSV files: perfdash's canonical long form, the wide form (one column per metric id), "
    "or NHS England's published files as downloaded. Nothing is written until you press **Commit**."
)
st.download_button(
    "Download the canonical template (CSV)",
    service.template_csv(config),
    file_name="perfdash-template.csv",
    mime="text/csv",
)
st.caption(f"Largest file accepted: {config.app.max_upload_mb} MB. Larger extracts: split them by year.")

generation = st.session_state.setdefault("upload_generation", 0)
files = st.file_uploader(
    "CSV files",
    type=["csv", "txt"],
    accept_multiple_files=True,
    key=f"uploader-{generation}",
    max_upload_size=config.app.max_upload_mb,
)

for message in st.session_state.pop("upload_messages", []):
    st.success(message)

for uploaded in files or []:
    data = uploaded.getvalue()
    # A file name is the uploader's text: shown literally, stored as text, never used as a path.
    st.subheader(markup.plain(uploaded.name))
    prepared = prepare(uploaded.name, data, config, engine)
    if prepared.format != "unknown":
        st.write(
            f"Read as **{prepared.format_label}**"
            + (f", encoding {prepared.encoding}." if prepared.encoding else ".")
            + (f" Fills {prepared.filled()}." if prepared.ok else "")
        )
    for note in prepared.notes:
        st.caption(markup.plain(note))  # notes quote the file's own text
    problems = prepared.problem_table()
    if prepared.errors:
        st.error(
            f"{len(prepared.errors)} problem(s) must be fixed before this file can be loaded. Nothing has been written."
        )
    if not problems.empty:
        st.dataframe(problems, hide_index=True, width="stretch")
        st.download_button(
            "Download the problems (CSV)",
            ui.safe_csv(problems),
            file_name=f"problems-{uploaded.name}",
            mime="text/csv",
            key=f"problems-{prepared.sha256}",
        )
    if not prepared.ok:
        continue
    if prepared.duplicate_of is not None:
        st.info(f"This exact file was already loaded as upload {prepared.duplicate_of}; committing changes nothing.")
    counts = prepared.counts()
    a, b, c = st.columns(3)
    a.metric("New values", counts["new"])
    b.metric("Revised values", counts["revised"])
    c.metric("Unchanged values", counts["unchanged"])
    if not prepared.changes.empty:
        summary = (
            prepared.changes.groupby(["metric_id", "org_code", "change"]).size().unstack(fill_value=0).reset_index()
        )
        with st.expander("Preview by metric and organisation", expanded=counts["revised"] > 0):
            st.dataframe(summary, hide_index=True, width="stretch")
            revised = prepared.changes[prepared.changes["change"] == "revised"]
            if not revised.empty:
                st.markdown("**Revisions (old value to new)**")
                st.dataframe(revised[["period", "org_code", "metric_id", "old_value", "value"]], hide_index=True)
    accepted = True
    if prepared.warnings:
        accepted = st.checkbox(
            f"I have checked the {len(prepared.warnings)} warning(s) above and want to load anyway",
            key=f"accept-{prepared.sha256}",
        )
    note = st.text_input("Note for the audit log (optional)", key=f"note-{prepared.sha256}")
    if st.button("Commit", type="primary", disabled=not accepted, key=f"commit-{prepared.sha256}"):
        result = service.commit_prepared(engine, prepared, user=user.email, note=note)
        if result.duplicate_of is not None:
            message = f"{markup.plain(uploaded.name)}: identical to upload {result.duplicate_of}; nothing changed."
        else:
            message = (
                f"{markup.plain(uploaded.name)} loaded as upload {result.upload_id}: {result.added} new, "
                f"{result.revised} revised, {result.unchanged} unchanged. Every page now shows it."
            )
        st.session_state["upload_messages"] = [*st.session_state.get("upload_messages", []), message]
        # A new uploader key clears the file so a rerun cannot commit it twice.
        st.session_state["upload_generation"] = generation + 1
        st.rerun()
