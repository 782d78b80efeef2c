"""Exceptions: every metric that misses its target or shows special cause of concern, with its lead and actions."""

import streamlit as st

from perfdash import ui
from perfdash.periods import label

config = ui.get_config()
current = ui.current()
st.title("Exceptions")
ui.demo_banner(config)
if current.empty:
    st.warning("No data has been loaded yet. An analyst can load files on the Upload page.")
    st.stop()

org, month = ui.org_and_month(config, default_org=config.system.code)

reports = ui.exception_reports(org, month)
name = config.org_names.get(org, org)
if not reports:
    st.success(f"No exceptions for {name} in {label(month)}: every metric with a target meets it, with no concern.")
    st.stop()
st.markdown(
    f"**{len(reports)} exception report{'' if len(reports) == 1 else 's'}** for {name}, {label(month)}: each metric "
    "that misses its target or shows special cause of concern. Commentary is written on the Metric page."
)
ui.exception_report_cards(reports, org)
