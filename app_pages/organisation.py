"""Organisation: every metric for one trust or place (or the ICS), with its SPC reading."""

import streamlit as st

from perfdash import board, present, ui
from perfdash.periods import label

config = ui.get_config()
current = ui.current()
st.title("Organisation")
ui.demo_banner(config)
if current.empty:
    st.warning("No data has been loaded yet.")
    st.stop()

left, right = st.columns(2)
with left:
    org = ui.select_bound(
        "Organisation",
        board.org_choices(config),
        key="org",
        default=config.organisations[0].code,
        format_func=lambda code: config.org_names.get(code, code),
    )
months = sorted(current["period"].unique().tolist(), reverse=True)
with right:
    month = ui.select_bound("Month", months, key="month", default=months[0], format_func=label)

st.markdown(present.organisation_description(config, org))

table = ui.overview(org, month)
if table.empty:
    st.info("No metrics are reported for this organisation.")
    st.stop()
for column, (name, count) in zip(st.columns(4), present.target_counts(table).items(), strict=True):
    column.metric(name, count)
ui.overview_table(table, org, month, show_domain=True)
