"""Organisation: every metric for one trust or place (or the ICS), with its SPC reading."""

import streamlit as st

from perfdash import board, ui
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

kind = config.org_kind(org)
if kind == "trust":
    trust = next(o for o in config.organisations if o.code == org)
    places = ", ".join(config.org_names[p] for p in trust.places)
    st.markdown(f"**{trust.name}** ({trust.code}), {trust.type.replace('_', ' ')} trust. Mainly serves: {places}.")
elif kind == "place":
    trusts = ", ".join(o.short_name for o in config.organisations if org in o.places)
    st.markdown(
        f"**{config.org_names[org]}** ({org}), a place (borough) in {config.system.short_name}. "
        f"Served mainly by: {trusts}."
    )
else:
    st.markdown(f"**{config.system.name}** ({org}): figures rolled up from its trusts and places.")

table = ui.overview(org, month)
if table.empty:
    st.info("No metrics are reported for this organisation.")
    st.stop()
counts = table["met"].value_counts(dropna=True)
a, b, c = st.columns(3)
a.metric("Metrics reported", int(table["value"].notna().sum()))
b.metric("Meeting target", int(counts.get(True, 0)))
c.metric("Missing target", int(counts.get(False, 0)))
ui.overview_table(table, org, month, show_domain=True)
