"""Sources: where each metric's numbers come from, the last month loaded, and what is late or missing."""

import streamlit as st

from perfdash import sources, ui

config = ui.get_config()
st.title("Sources")
ui.demo_banner(config)
st.caption(
    "For each metric: the publication it comes from, the last month loaded for North East London, whether those "
    "values are published statistics, a trust return or synthetic demo data, the upload they came from, and when "
    "the next month is due. The board pack's appendix carries the same table."
)
table = ui.sources_table()
summary = sources.late_summary(table)
if summary:
    st.warning(summary.split(". The Sources page")[0] + ".")
ui.plain_table(
    sources.shown(table),
    long=("Last upload",),
    download=table,
    name="perfdash-sources.csv",
    key="sources",
)
