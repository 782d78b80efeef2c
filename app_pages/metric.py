"""Metric: the SPC chart against its target, every organisation side by side, and the data."""

import pandas as pd
import streamlit as st

from perfdash import benchmark, board, present, spc_chart, ui, vocabulary
from perfdash.periods import label

config = ui.get_config()
current = ui.current()
st.title("Metric")
ui.demo_banner(config)
if current.empty:
    st.warning("No data has been loaded yet.")
    st.stop()

metric_ids = [m.id for m in config.metrics]
c1, c2, c3 = st.columns([2, 1, 1])
with c1:
    metric_id = ui.select_bound(
        "Metric", metric_ids, key="metric", default=metric_ids[0], format_func=lambda i: config.metric_by_id[i].name
    )
metric = config.metric_by_id[metric_id]
orgs = [config.system.code, *config.metric_orgs(metric)]
with c2:
    org = ui.select_bound(
        "Organisation",
        orgs,
        key="org",
        default=config.system.code,
        format_func=lambda code: config.org_names.get(code, code),
    )
months = sorted(current["period"].unique().tolist(), reverse=True)
with c3:
    month = ui.select_bound("Month", months, key="month", default=months[0], format_func=label)

st.markdown(f"**{metric.name}**: {metric.definition}")
st.caption(
    f"Source: {metric.source}. Unit: {vocabulary.unit_name(metric.unit)}. "
    f"{vocabulary.direction_sentence(metric.direction)}"
)

values = board.series(current, config, metric, org)
values = values[values["period"] <= month]
reading = board.spc_reading(config, metric, org, values)
if reading is None:
    st.warning(f"No data for {config.org_names.get(org, org)} up to {label(month)}.")
    st.stop()

result = reading.result
targets = board.target_series(metric, org, reading.periods)
commentary = ui.commentary(metric.id, org)
annotations = [(row.period, row.narrative) for row in commentary.itertuples() if row.period in reading.periods]
title = f"{metric.name}, {config.org_names.get(org, org)}"
# spc_figure draws a run chart itself when the series is too short for SPC.
rebases = [(r.month, r.reason) for r in config.spc.rebase_months(metric.id, org)]
figure = spc_chart.spc_figure(
    reading.periods, result, title=title, unit=metric.unit, targets=targets, annotations=annotations, rebases=rebases
)

chart, icons = st.columns([4, 1])
with chart:
    st.plotly_chart(figure, width="stretch", config={"displaylogo": False})
with icons:
    icon = present.variation_icon_name(result.variation, metric.direction)
    if icon is not None:
        st.image(
            present.variation_icon_uri(result.variation, metric.direction),
            width=110,
            caption=vocabulary.variation_text(result.variation),
            alt=f"Variation icon: {vocabulary.variation_text(result.variation)}",
        )
    st.image(
        present.assurance_icon_uri(result.assurance),
        width=110,
        caption=vocabulary.assurance_text(result.assurance),
        alt=f"Assurance icon: {vocabulary.assurance_text(result.assurance)}",
    )

last_value = values["value"].iloc[-1] if not values.empty else None
target_now = metric.target_for(month, org)
st.caption(
    f"Text alternative: {metric.name} for {config.org_names.get(org, org)} was "
    f"{vocabulary.format_value(last_value, metric.unit)} in {label(values['period'].iloc[-1])}; "
    f"target {vocabulary.format_value(target_now.value, metric.unit) if target_now else 'none in force'}"
    f"{f' ({target_now.kind})' if target_now else ''}. "
    f"SPC: {vocabulary.reading_text(result.variation, result.assurance, result.message)}."
)
if result.message:
    st.info(result.message)
points = result.points
runs = vocabulary.fired_rules(
    reading.periods, points["rule"].tolist(), points["point_type"].tolist(), points["special_cause"].tolist()
)
if runs:
    st.markdown("**Rules that fired:** " + "; ".join(runs))
targets_text = [
    f"{vocabulary.format_value(t.value, metric.unit)} ({t.kind}, "
    f"from {label(t.from_month)}{f' to {label(t.to_month)}' if t.to_month else ''})"
    f"{f': {t.note}' if t.note else ''}"
    for t in metric.targets
    if t.org in (None, org)
]
st.markdown("**Targets:** " + ("; ".join(targets_text) if targets_text else metric.no_target_reason))

st.subheader(f"All organisations, {label(month)}")
compare = board.comparison(current, config, metric, month)
compare["shown"] = [vocabulary.format_value(v, metric.unit) for v in compare["value"]]
compare["met"] = [vocabulary.met_label(m) for m in compare["met"]]
st.dataframe(
    compare[["organisation", "shown", "met"]].rename(
        columns={"organisation": "Organisation", "shown": "Value", "met": "Met"}
    ),
    hide_index=True,
)

lookup = ui.reference()
national = current[(current["metric_id"] == metric.id) & ~current["org_code"].isin(set(config.org_names))]
national_months = sorted(national.loc[national["period"] <= month, "period"].unique())
if national_months and org in set(config.org_names):
    bench_month = national_months[-1]
    st.subheader(f"Benchmark, {label(bench_month)}")
    if bench_month != month:
        st.caption(f"Latest month with national data up to {label(month)}.")
    focus = org if org != config.system.code else config.metric_orgs(metric)[0]
    compare_table = benchmark.comparison(current, lookup, config, metric, focus, bench_month)
    if org == config.system.code:
        compare_table = compare_table[compare_table["level"] != "This organisation"]
    compare_table["shown"] = [vocabulary.format_value(v, metric.unit) for v in compare_table["value"]]
    st.dataframe(
        compare_table[["level", "name", "shown", "providers"]].rename(
            columns={"level": "Level", "name": "Name", "shown": "Value", "providers": "Providers"}
        ),
        hide_index=True,
    )
    ranked = benchmark.peer_rank(current, lookup, config, metric, focus, bench_month)
    if ranked and org != config.system.code:
        st.markdown(f"**Rank among peers** (same region and kind of trust): {ranked[0]} of {ranked[1]}, best first.")
    providers = benchmark.providers_for(current, lookup, config, metric, bench_month)
    st.plotly_chart(
        benchmark.caterpillar(providers, metric, set(config.org_names), title=f"{metric.name}: every provider"),
        width="stretch",
        config={"displaylogo": False},
    )
    st.caption(
        "Text alternative: providers ranked by value with 95% intervals; North East London's trusts are labelled "
        "with their codes and drawn as blue diamonds."
    )

st.subheader("Data")
table = values.merge(pd.DataFrame({"period": reading.periods, "target": targets}), on="period", how="left")
points = result.points.assign(period=reading.periods)[["period", "mean", "lpl", "upl", "rule"]]
table = table.merge(points, on="period", how="left")
st.dataframe(table, hide_index=True, width="stretch")
st.download_button("Download this data (CSV)", ui.safe_csv(table), file_name=f"{metric.id}-{org}.csv", mime="text/csv")

st.subheader("Commentary")
if commentary.empty:
    st.caption("No commentary yet for this metric and organisation.")
else:
    st.dataframe(
        commentary[["period", "narrative", "action", "owner", "due", "author", "created_at"]].sort_values(
            "period", ascending=False
        ),
        hide_index=True,
        width="stretch",
    )
user = ui.current_user()
if ui.allowed(user, "commentary"):
    existing = commentary[commentary["period"] == month]
    previous = existing.iloc[0] if not existing.empty else None
    with st.form(f"commentary-{metric.id}-{org}-{month}"):
        st.markdown(f"**Commentary for {label(month)}** (saved as a new version; earlier versions are kept)")
        narrative = st.text_area("What happened", value="" if previous is None else previous["narrative"])
        action = st.text_area("Action being taken", value="" if previous is None else previous["action"])
        c1, c2 = st.columns(2)
        owner = c1.text_input("Owner", value="" if previous is None else previous["owner"])
        due = c2.text_input("Due (YYYY-MM-DD)", value="" if previous is None else previous["due"])
        if st.form_submit_button("Save commentary"):
            problem = ui.save_commentary(metric.id, org, month, narrative, action, owner, due, author=user.email)
            if problem:
                st.error(problem)
            else:
                st.success("Commentary saved. It shows on the chart and in the board pack.")
                st.rerun()
