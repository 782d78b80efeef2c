"""Metric: the SPC chart against its target, every organisation side by side, and the data."""

import streamlit as st

from perfdash import benchmark, board, metric_detail, present, spc_chart, targets, ui, vocabulary
from perfdash import commentary as commentary_notes
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
months = ui.months()
with c3:
    month = ui.select_bound("Month", months, key="month", default=months[0], format_func=label)

st.markdown(f"**{metric.name}**: {metric.definition}")
st.caption(metric_detail.caption(metric))
st.caption(metric_detail.accountability(config, metric))

series = ui.series(metric.id, org)
values = series[series["period"] <= month]
plans = ui.plans()
reading = board.spc_reading(config, metric, org, values, plans=plans)
if reading is None:
    st.warning(f"No data for {config.org_names.get(org, org)} up to {label(month)}.")
    st.stop()

result = reading.result
steps = board.target_series(config, metric, org, reading.periods, series)
plan = board.plan_rows(plans, metric, org)
commentary = ui.commentary(metric.id, org)
annotations = [(row.period, row.narrative) for row in commentary.itertuples() if row.period in reading.periods]
title = f"{metric.name}, {config.org_names.get(org, org)}"
# spc_figure draws a run chart itself when the series is too short for SPC.
rebases = metric_detail.rebases(config, metric, org)
fed_by = [org] if org != config.system.code else [org, *board.member_orgs(config, metric, org)]
fake = ui.synthetic_periods(metric.id, fed_by)


def draw_spc_chart():
    """The SPC chart, synthetic points ringed (made once per view and store version: see ui.chart)."""
    drawn = spc_chart.spc_figure(
        reading.periods,
        result,
        title=title,
        unit=metric.unit,
        targets=steps,
        annotations=annotations,
        rebases=rebases,
        plans=list(zip(plan["period"], plan["plan"], strict=True)),
    )
    if fake:
        spc_chart.mark_synthetic(
            drawn, reading.periods, result.points["value"].tolist(), [p in fake for p in reading.periods]
        )
    return drawn


figure = ui.chart("spc", metric.id, org, month, draw_spc_chart)
if fake:
    st.caption(f"Ringed points ({len(fake)} months) are synthetic demo values, not real data.")

chart, icons = st.columns([4, 1])
with chart:
    # Drawn on the server as SVG, each point's details in its tooltip: plotly.js took about 0.4 s of every view of
    # this page in the browser. The Plotly chart, for zooming or saving as an image, is drawn when asked for.
    ui.svg_chart("spc", figure, metric.id, org, month)
    with st.expander("Zoom into the chart, or save it as an image", key="interactive-chart", on_change="rerun") as zoom:
        if zoom.open:
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
        caption=vocabulary.assurance_text(result.assurance) + f" (judged against the {config.app.assurance_against})",
        alt=f"Assurance icon: {vocabulary.assurance_text(result.assurance)}",
    )

st.markdown(metric_detail.month_line(config, metric, org, values, series, plans, result.assurance))
st.caption(metric_detail.text_alternative(config, metric, config.org_names.get(org, org), values, series, reading, org))
if result.message:
    st.info(result.message)
runs = present.rules_fired(reading)
if runs:
    st.markdown("**Rules that fired:** " + "; ".join(runs))
st.markdown(metric_detail.targets_text(config, metric, org, values, series))
ui.plain_table(targets.catalogue(config, metric, org), "Every target in the registry for this organisation")

st.subheader(f"All organisations, {label(month)}")
ui.plain_table(ui.organisations_table(metric.id, month))

bench = ui.benchmark_view(metric.id, org, month)
if bench is not None:
    st.subheader(f"Benchmark, {label(bench.month)}")
    if bench.note:
        st.caption(bench.note)
    if bench.definition:
        st.info(bench.definition, icon=":material/info:")
    ui.plain_table(bench.table)
    if bench.rank:
        st.markdown(
            f"**Rank among peers** (same region and kind of trust): {bench.rank[0]} of {bench.rank[1]}, best first."
        )
    # Drawn only when opened: a second Plotly chart of every provider cost 0.2 s of every view at national scale,
    # and the table and rank above already answer "how do we compare".
    with st.expander("Every provider on one chart", key="providers-chart", on_change="rerun") as providers:
        if providers.open:
            st.plotly_chart(
                ui.chart(
                    "providers",
                    metric.id,
                    org,
                    month,
                    lambda: benchmark.caterpillar(
                        bench.providers, metric, set(config.org_names), title=f"{metric.name}: every provider"
                    ),
                ),
                width="stretch",
                config={"displaylogo": False},
            )
            st.caption(
                "Text alternative: providers ranked by value with 95% intervals; North East London's trusts are "
                "labelled with their codes and drawn as blue diamonds."
            )

st.subheader("Data")
table = metric_detail.data_table(values, reading, steps, plan)
ui.plain_table(
    metric_detail.data_table_shown(table, metric),
    f"Each month of the chart, {config.org_names.get(org, org)}",
    numbers=tuple(metric_detail.SHOWN_NUMBERS.values()),
    download=table,
    name=f"{metric.id}-{org}.csv",
    key="metric-data",
)

st.subheader("Commentary")
if commentary.empty:
    st.caption("No commentary yet for this metric and organisation.")
else:
    ui.plain_table(
        commentary_notes.shown(commentary),
        f"Commentary, {config.org_names.get(org, org)}, newest month first",
        download=commentary_notes.in_order(commentary),
        name=f"commentary-{metric.id}-{org}.csv",
        key="commentary",
    )
user = ui.current_user()
if ui.allowed(user, "commentary"):
    existing = commentary[commentary["period"] == month]
    previous = existing.iloc[0] if not existing.empty else None
    # Drawn only when opened, as the providers' chart is: most views of the page are for reading, and in two
    # interleaved runs the page's median reload was 41-45 ms quicker without the form's text boxes (minimums
    # within noise). It stays open for the next metric, organisation or month.
    writing = "Edit" if previous is not None else "Write"
    with st.expander(f"{writing} the commentary for {label(month)}", key="commentary-form", on_change="rerun") as form:
        if form.open:
            with st.form(f"commentary-{metric.id}-{org}-{month}"):
                st.markdown(f"**Commentary for {label(month)}** (saved as a new version; earlier versions are kept)")
                narrative = st.text_area("What happened", value="" if previous is None else previous["narrative"])
                action = st.text_area("Action being taken", value="" if previous is None else previous["action"])
                c1, c2 = st.columns(2)
                owner = c1.text_input("Owner", value="" if previous is None else previous["owner"])
                due = c2.text_input("Due (YYYY-MM-DD)", value="" if previous is None else previous["due"])
                if st.form_submit_button("Save commentary"):
                    problem = ui.save_commentary(
                        metric.id, org, month, narrative, action, owner, due, author=user.email
                    )
                    if problem:
                        st.error(problem)
                    else:
                        st.success("Commentary saved. It shows on the chart and in the board pack.")
                        st.rerun()
