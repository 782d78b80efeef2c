"""Organisation: every metric for one trust or place (or the ICS), with its SPC reading."""

import streamlit as st

from perfdash import present, ui

config = ui.get_config()
current = ui.current()
st.title("Organisation")
ui.demo_banner(config)
if current.empty:
    st.warning("No data has been loaded yet.")
    st.stop()

org, month = ui.org_and_month(config, default_org=config.organisations[0].code)

st.markdown(present.organisation_description(config, org))

table = ui.overview(org, month)
if table.empty:
    st.info("No metrics are reported for this organisation.")
    st.stop()
ui.count_tiles([(name, count, None) for name, count in present.target_counts(table).items()], "Counts this month")
ui.overview_table(org, month, show_domain=True)
