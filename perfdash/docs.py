"""docs/metrics.md, generated from config.yaml so the documentation cannot drift from the registry."""

from __future__ import annotations

from perfdash.config import Config
from perfdash.periods import label
from perfdash.targets import KIND_WORDS, rule_words
from perfdash.vocabulary import DIRECTION_WORDS, data_quality_line, unit_name

BASIS_WORDS = {"monthly": "applies every month", "year_end": "end-of-year ambition", "year_average": "year average"}
ROLLUP_WORDS = {
    "ratio": "summed numerators over summed denominators",
    "sum": "sum of organisations",
    "weighted_mean": "mean weighted by denominator",
    "none": "not additive (shown per organisation)",
}


def metrics_markdown(config: Config) -> str:
    """The metric catalogue as Markdown: one section per domain, one entry per metric with its targets."""
    lines = [
        "# Metric catalogue",
        "",
        "Generated from `config.yaml` by `python -m perfdash docs`; do not edit by hand.",
        "",
    ]
    for domain in config.domains:
        lines += [f"## {domain.name}", "", f"Accountable executive: {domain.lead}.", ""]
        for metric in config.metrics_in_domain(domain.id):
            quality = config.quality_for(metric)
            lines += [
                f"### {metric.name} (`{metric.id}`)",
                "",
                metric.definition,
                "",
                f"- Unit: {unit_name(metric.unit)}; direction: {DIRECTION_WORDS[metric.direction]}",
                f"- ICS roll-up: {ROLLUP_WORDS[metric.rollup]}; level: {metric.level}; "
                f"reported for: {', '.join(metric.applies_to)}",
                f"- Source: {metric.source} (expected by day {metric.publication_day} of the following month)",
                f"- Lead: {config.lead_for(metric)}",
                f"- {data_quality_line(quality.ratings(), quality.overall)}. {quality.reason}",
            ]
            if metric.targets:
                lines.append("- Targets (which one judges a month: perfdash/targets.py):")
                for target in metric.targets:
                    span = f"from {label(target.from_month)}" + (
                        f" to {label(target.to_month)}" if target.to_month else ""
                    )
                    who = {None: "", "*": " for each trust"}.get(target.org, f" for {target.org}")
                    kind = KIND_WORDS[target.kind] + (", judged" if target.judge else "")
                    basis = BASIS_WORDS[target.basis]
                    note = f". {target.note}" if target.note else ""
                    source = f" Source: {target.source}." if target.source else " Source: not recorded."
                    lines.append(f"  - {rule_words(target, metric)} ({kind}{who}, {basis}), {span}{note}.{source}")
            else:
                lines.append(f"- No target: {metric.no_target_reason}")
            lines.append("")
    return "\n".join(lines)
