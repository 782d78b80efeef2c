"""Data: the audit log of uploads, rolling one back, a value's history, and the full export (analysts)."""

import streamlit as st

from perfdash import audit_log, service, store, ui
from perfdash.periods import label

user = ui.require("upload")
config = ui.get_config()
engine = ui.get_engine()
st.title("Data and audit")

for message in st.session_state.pop("data_messages", []):
    st.success(message)

uploads = store.list_uploads(engine)
st.subheader("Uploads")
ui.plain_table(
    audit_log.uploads_shown(uploads),
    audit_log.uploads_caption(len(uploads)),
    numbers=audit_log.UPLOAD_COUNTS,
    download=audit_log.uploads_offered(uploads),
    name="perfdash-uploads.csv",
    key="uploads",
)

if ui.allowed(user, "rollback"):
    st.subheader("Roll back an upload")
    live = uploads[uploads["status"] == "live"]
    if live.empty:
        st.caption("No live uploads.")
    else:
        # A new key after each rollback gives a fresh, empty form: nothing stays chosen or ticked for a second click.
        round_ = st.session_state.setdefault("rollback_round", 0)
        with st.form(f"rollback_{round_}"):
            by_id = live.set_index("id")
            upload_id = st.selectbox(
                "Upload",
                live["id"].tolist(),
                index=None,
                placeholder="Choose an upload to roll back",
                format_func=lambda i: f"{i}: {by_id.at[i, 'file_name']} ({by_id.at[i, 'uploaded_at']})",
            )
            reason = st.text_input("Reason")
            confirm = st.checkbox("I understand its values will return to what they were before it")
            if st.form_submit_button("Roll back"):
                problem = service.rollback_problem(upload_id, confirm, reason)
                if problem:
                    st.error(problem)
                else:
                    affected = service.rollback_upload(engine, int(upload_id), user=user.email, reason=reason)
                    st.session_state["data_messages"] = [
                        f"Upload {upload_id} ({by_id.at[upload_id, 'file_name']}) rolled back: {affected} values "
                        "returned to what they were before. Its status in the table above is now 'rolled back'."
                    ]
                    st.session_state["rollback_round"] = round_ + 1
                    st.rerun()

st.subheader("History of one value")
metric_ids = [m.id for m in config.metrics]
c1, c2, c3 = st.columns(3)
metric_id = c1.selectbox("Metric", metric_ids, format_func=lambda i: config.metric_by_id[i].name, key="h_metric")
org = c2.selectbox("Organisation", list(config.org_names), format_func=lambda c: config.org_names[c], key="h_org")
months = ui.months()
month = c3.selectbox("Month", months, format_func=label, key="h_month") if months else None
if month:
    history = store.value_history(engine, metric_id, org, month)
    if history.empty:
        st.caption("No value has ever been loaded for this metric, organisation and month.")
    else:
        ui.plain_table(
            audit_log.history_shown(history, config.metric_by_id[metric_id]),
            f"Every load of this value, oldest first: {config.metric_by_id[metric_id].name}, "
            f"{config.org_names[org]}, {label(month)}",
            numbers=audit_log.HISTORY_NUMBERS,
            download=history,
            name=f"history-{metric_id}-{org}-{month}.csv",
            key="history",
        )

st.subheader("Export")
# Built when the button is pressed, not on every visit: a national-scale export takes seconds.
st.download_button(
    "Download all current data (canonical CSV)",
    lambda: service.export_csv(engine),
    file_name="perfdash-export.csv",
    mime="text/csv",
    on_click="ignore",
)
