"""The registry in config.yaml: parsed with PyYAML, validated with pydantic, failing with the field path."""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from perfdash.periods import parse_period
from perfdash.vocabulary import UNITS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.yaml"

Unit = Literal["percent", "count", "minutes", "gbp_thousands", "rate", "wte"]
Direction = Literal["higher", "lower", "neutral"]
Rollup = Literal["ratio", "sum", "weighted_mean", "none"]
Level = Literal["trust", "place", "both", "system"]
# constitutional: the NHS Constitution standard, shown for reference (judged against only where `judge: true`);
# operational: NHS England's national target for a financial year; organisation: set for one trust (fixed, or by
# a rule from its own baseline); local: set by the ICB. perfdash/targets.py decides which one judges a month.
TargetKind = Literal["constitutional", "operational", "organisation", "local"]
# monthly: applies to every month; year_end: an ambition for the last month ("by March 2027"), tracked through
# plans; year_average: the average over the year.
TargetBasis = Literal["monthly", "year_end", "year_average"]
AssuranceAgainst = Literal["target", "plan"]
OrgType = Literal["acute", "mental_health_community", "ambulance"]
Role = Literal["viewer", "analyst", "admin"]
SpcProfile = Literal["ptd", "mdc"]
# The NHS data quality kite mark's ratings for each of its dimensions (perfdash.vocabulary has the words).
KiteRating = Literal["sufficient", "partial", "insufficient", "not_assessed"]

# Unit names in messages, as perfdash.vocabulary writes them.
UNIT_LABELS: dict[str, str] = {unit: words.name for unit, words in UNITS.items()}
# Values outside these bounds are errors in an upload (None: unbounded on that side).
UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "percent": (0.0, 100.0),
    "count": (0.0, None),
    "minutes": (0.0, 24 * 60.0),
    "gbp_thousands": (None, None),
    "rate": (0.0, None),
    "wte": (0.0, None),
}
_CODE = re.compile(r"^[A-Z0-9]{3,9}$")


class ConfigError(ValueError):
    """config.yaml is missing or invalid; the message names each field path and what is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _month(value: object) -> str:
    text = str(value).strip()
    period = parse_period(text)
    if period is None:
        raise ValueError(f"{text!r} is not a month; write YYYY-MM")
    return period


class Organisation(_Strict):
    """An NHS trust in the system."""

    code: str
    name: str
    short_name: str
    type: OrgType
    places: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, code: str) -> str:
        if not _CODE.match(code):
            raise ValueError(f"{code!r} is not an ODS code (3-9 upper-case letters and digits)")
        return code


class Place(_Strict):
    """A borough (place) by ONS local authority code."""

    code: str = Field(pattern=r"^E0[69]\d{6}$")
    name: str


class System(_Strict):
    """The ICB/ICS at the top of the hierarchy."""

    code: str
    name: str
    short_name: str
    ons_code: str
    region: str


class TargetRule(_Strict):
    """A target computed per organisation: the more demanding of a floor or its baseline month's value +/- points."""

    floor: float
    baseline: str
    points: float = Field(gt=0)

    _month = field_validator("baseline", mode="before")(lambda cls, v: _month(v))


class Target(_Strict):
    """A target in force from one month to another, of a kind, optionally for one organisation (or each trust)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    value: float | None = None
    rule: TargetRule | None = None
    kind: TargetKind
    basis: TargetBasis = "monthly"
    # Constitutional standards are shown for reference; `judge: true` says the standard itself is what a month is
    # judged against because no interim operational target replaces it (e.g. Category 1 mean 7 minutes).
    judge: bool = False
    from_month: str = Field(alias="from")
    to_month: str | None = Field(default=None, alias="to")
    # An organisation code, or "*" for a rule that applies to each trust the metric is reported for.
    org: str | None = None
    source: str = ""
    note: str = ""

    @field_validator("from_month", "to_month", mode="before")
    @classmethod
    def _months(cls, value: object) -> str | None:
        return None if value is None else _month(value)

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.to_month is not None and self.to_month < self.from_month:
            raise ValueError(f"'to' ({self.to_month}) is before 'from' ({self.from_month})")
        if (self.value is None) == (self.rule is None):
            raise ValueError("give either value or rule (a rule computes the value from the organisation's baseline)")
        if self.rule is not None and self.kind != "organisation":
            raise ValueError("a rule-based target is set for each organisation: use kind 'organisation'")
        if self.org == "*" and self.rule is None:
            raise ValueError("org '*' (each trust) needs a rule")
        if self.kind == "organisation" and self.org is None:
            raise ValueError("kind 'organisation' needs org (a code, or '*' with a rule for each trust)")
        if self.judge and self.kind != "constitutional":
            raise ValueError("'judge' applies to constitutional standards only (other kinds are always judged)")
        return self

    def in_force(self, period: str) -> bool:
        """Whether the month falls between from and to (inclusive)."""
        return self.from_month <= period and (self.to_month is None or period <= self.to_month)

    def for_org(self, org_code: str, is_trust: bool) -> bool:
        """Whether the target is set for this organisation (national and ICB-wide targets are for everyone)."""
        if self.org is None:
            return True
        if self.org == "*":
            return is_trust
        return self.org == org_code

    def span(self) -> str:
        """'2026-04 to 2027-03' or 'from 2010-04'."""
        return f"{self.from_month} to {self.to_month}" if self.to_month else f"from {self.from_month}"


class Metric(_Strict):
    """One performance measure and everything the app needs to show and validate it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    domain: str
    unit: Unit
    direction: Direction
    rollup: Rollup
    level: Level
    applies_to: list[str] = Field(min_length=1)
    definition: str = Field(min_length=10)
    source: str
    publication_day: int = Field(ge=1, le=28)
    targets: list[Target] = Field(default_factory=list)
    no_target_reason: str = ""

    @model_validator(mode="after")
    def _target_or_reason(self) -> Metric:
        if not self.targets and not self.no_target_reason:
            raise ValueError("give at least one target, or no_target_reason saying why there is none")
        if self.rollup == "ratio" and self.unit != "percent":
            raise ValueError("rollup 'ratio' needs unit 'percent'")
        return self

    @property
    def improvement(self) -> Literal["increase", "decrease", "neutral"]:
        """The SPC improvement direction."""
        return {"higher": "increase", "lower": "decrease", "neutral": "neutral"}[self.direction]

    @model_validator(mode="after")
    def _no_overlaps(self) -> Metric:
        # Two targets of one kind for the same organisation in the same month would make "which one?" a guess.
        for i, first in enumerate(self.targets):
            for j in range(i + 1, len(self.targets)):
                second = self.targets[j]
                if first.kind != second.kind or first.org != second.org:
                    continue
                first_end, second_end = first.to_month or "9999-12", second.to_month or "9999-12"
                if first.from_month <= second_end and second.from_month <= first_end:
                    who = f" for {first.org}" if first.org else ""
                    raise ValueError(
                        f"targets.{i} and targets.{j} are both {first.kind} targets{who} in force in overlapping "
                        f"months ({first.span()} and {second.span()}); end one before the other starts"
                    )
        return self

    def targets_in_force(self, period: str, org_code: str, is_trust: bool) -> list[Target]:
        """Every target in force for an organisation in a month (of every kind), in registry order."""
        return [t for t in self.targets if t.in_force(period) and t.for_org(org_code, is_trust)]


class Domain(_Strict):
    """A group of metrics on the overview (acute, mental health, ...)."""

    id: str
    name: str
    lead: str = Field(min_length=3)  # the accountable executive, as a role title ("Chief Operating Officer")


class DataQuality(_Strict):
    """A metric's data quality kite mark: four dimensions rated, and the reason for the ratings."""

    timeliness: KiteRating
    completeness: KiteRating
    validation: KiteRating
    process: KiteRating
    reason: str = Field(min_length=10)

    def ratings(self) -> dict[str, str]:
        """Each dimension's rating, in kite-mark order."""
        return {d: getattr(self, d) for d in ("timeliness", "completeness", "validation", "process")}

    @property
    def overall(self) -> str:
        """The weakest rating: a figure is only as good as its weakest dimension."""
        order = ["not_assessed", "insufficient", "partial", "sufficient"]
        return min(self.ratings().values(), key=order.index)


class RoleRule(_Strict):
    """Map an email, an email domain or a group claim to a role."""

    email: str | None = None
    domain: str | None = None
    group: str | None = None
    role: Role

    @model_validator(mode="after")
    def _one_matcher(self) -> RoleRule:
        if sum(x is not None for x in (self.email, self.domain, self.group)) != 1:
            raise ValueError("give exactly one of email, domain or group")
        return self


class AuthSettings(_Strict):
    """How people sign in and which role they get."""

    mode: Literal["none", "oidc", "header"] = "none"
    header_name: str = "X-Forwarded-Email"
    # header mode only: a comma-separated groups header from the proxy (e.g. X-Forwarded-Groups); None: unused.
    groups_header: str | None = None
    default_role: Role | None = "viewer"
    role_rules: list[RoleRule] = Field(default_factory=list)


class AppSettings(_Strict):
    """App-wide settings."""

    title: str
    spc_profile: SpcProfile = "mdc"
    # Whether the MDC assurance icon asks "will we meet the target?" or "will we meet our plan?".
    assurance_against: AssuranceAgainst = "target"
    max_upload_mb: int = Field(default=50, ge=1, le=1000)
    demo_label: str = "synthetic demo data"


class Limits(_Strict):
    """Bounds on what an upload may hold, checked before parsing (perfdash/ingest/limits.py) and after."""

    max_columns: int = Field(default=1000, ge=10)
    max_line_chars: int = Field(default=100_000, ge=1000)
    max_cell_chars: int = Field(default=5000, ge=100)
    max_unzipped_mb: int = Field(default=500, ge=1)  # an .xlsx or .zip, once decompressed (zip bombs)
    earliest_period: str = "2000-01"
    months_ahead: int = Field(default=1, ge=0, le=24)  # latest month accepted: this many after the current one
    max_abs_value: float = Field(default=1e12, gt=0)  # sums of many such values stay finite

    _earliest = field_validator("earliest_period", mode="before")(lambda cls, v: _month(v))


class Rebase(_Strict):
    """A new SPC calculation period from a month, with the reason."""

    metric: str
    org: str
    month: str
    reason: str = Field(min_length=3)

    _month = field_validator("month", mode="before")(lambda cls, v: _month(v))


class Ghost(_Strict):
    """A month shown on the chart but left out of the SPC calculations, with the reason."""

    metric: str
    org: str
    month: str
    reason: str = Field(min_length=3)

    _month = field_validator("month", mode="before")(lambda cls, v: _month(v))


class Baseline(_Strict):
    """Fix a series' limits on its first n points of each period, with the reason."""

    metric: str
    org: str
    points: int = Field(ge=12)
    reason: str = Field(min_length=3)


class SpcSettings(_Strict):
    """Per-metric and per-organisation SPC settings."""

    baseline_points: int | None = Field(default=None, ge=12)
    baselines: list[Baseline] = Field(default_factory=list)
    rebases: list[Rebase] = Field(default_factory=list)
    ghosts: list[Ghost] = Field(default_factory=list)

    def baseline_for(self, metric_id: str, org_code: str) -> int | None:
        """Baseline length for a series: its own setting (an exact organisation before '*'), else the default."""
        matches = [b for b in self.baselines if b.metric == metric_id and b.org in (org_code, "*")]
        matches.sort(key=lambda b: b.org == "*")
        return matches[0].points if matches else self.baseline_points

    def rebase_months(self, metric_id: str, org_code: str) -> list[Rebase]:
        """Rebases for a series ('*' matches every organisation)."""
        return [r for r in self.rebases if r.metric == metric_id and r.org in (org_code, "*")]

    def ghost_months(self, metric_id: str, org_code: str) -> list[Ghost]:
        """Ghosted months for a series."""
        return [g for g in self.ghosts if g.metric == metric_id and g.org in (org_code, "*")]


class Config(_Strict):
    """The whole registry."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    app: AppSettings
    auth: AuthSettings = AuthSettings()
    system: System
    organisations: list[Organisation] = Field(min_length=1)
    places: list[Place] = Field(default_factory=list)
    metrics: list[Metric] = Field(min_length=1)
    domains: list[Domain] = Field(min_length=1)
    spc: SpcSettings = SpcSettings()
    limits: Limits = Limits()
    # Per metric: the data quality kite mark  and, where it is not the domain's
    # lead, the accountable executive. Kept apart from the metric blocks so the catalogue reads as before.
    data_quality: dict[str, DataQuality] = Field(default_factory=dict)
    metric_leads: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        problems: list[str] = []
        _unique(problems, "organisations", [o.code for o in self.organisations])
        _unique(problems, "places", [p.code for p in self.places])
        _unique(problems, "metrics", [m.id for m in self.metrics])
        place_codes = {p.code for p in self.places}
        org_codes = {o.code for o in self.organisations}
        domain_ids = {d.id for d in self.domains}
        type_names = {"acute", "mental_health_community", "ambulance", "place", "system"}
        for i, org in enumerate(self.organisations):
            for place in org.places:
                if place not in place_codes:
                    problems.append(f"organisations.{i}.places: {place!r} is not one of the places")
        for i, metric in enumerate(self.metrics):
            if metric.domain not in domain_ids:
                problems.append(f"metrics.{i}.domain: {metric.domain!r} is not one of the domains")
            for target_index, target in enumerate(metric.targets):
                if target.org not in (None, "*") and target.org not in org_codes | {self.system.code}:
                    problems.append(f"metrics.{i}.targets.{target_index}.org: unknown organisation {target.org!r}")
            for item in metric.applies_to:
                if item not in type_names and item not in org_codes:
                    problems.append(
                        f"metrics.{i}.applies_to: {item!r} is neither a trust type ({', '.join(sorted(type_names))}) "
                        "nor an organisation code"
                    )
        metric_ids = {m.id for m in self.metrics}
        for kind, items in (
            ("baselines", self.spc.baselines),
            ("rebases", self.spc.rebases),
            ("ghosts", self.spc.ghosts),
        ):
            for i, item in enumerate(items):
                if item.metric not in metric_ids:
                    problems.append(f"spc.{kind}.{i}.metric: unknown metric {item.metric!r}")
                if item.org != "*" and item.org not in org_codes | place_codes | {self.system.code}:
                    problems.append(f"spc.{kind}.{i}.org: unknown organisation {item.org!r}")
        for metric_id in sorted(set(self.data_quality) - metric_ids):
            problems.append(f"data_quality.{metric_id}: unknown metric {metric_id!r}")
        for metric_id in sorted(set(self.metric_leads) - metric_ids):
            problems.append(f"metric_leads.{metric_id}: unknown metric {metric_id!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def quality_for(self, metric: Metric) -> DataQuality:
        """The metric's data quality kite mark; 'not yet assessed' on every dimension when none is written."""
        # Not an error in the validator: a metric added without a rating still shows, and says so (the config
        # test asks for one for every metric).
        return self.data_quality.get(metric.id) or DataQuality(
            timeliness="not_assessed",
            completeness="not_assessed",
            validation="not_assessed",
            process="not_assessed",
            reason="No data quality rating has been written for this metric in config.yaml.",
        )

    def lead_for(self, metric: Metric) -> str:
        """The accountable executive for a metric: its own if named, else its domain's."""
        if metric.id in self.metric_leads:
            return self.metric_leads[metric.id]
        return next(d.lead for d in self.domains if d.id == metric.domain)

    @cached_property
    def metric_by_id(self) -> dict[str, Metric]:
        """Metrics keyed by id."""
        return {m.id: m for m in self.metrics}

    @cached_property
    def org_names(self) -> dict[str, str]:
        """Short display names for the system, trusts and places."""
        names = {self.system.code: self.system.short_name}
        names.update({o.code: o.short_name for o in self.organisations})
        names.update({p.code: p.name for p in self.places})
        return names

    @cached_property
    def place_codes(self) -> set[str]:
        """ONS codes of the places."""
        return {p.code for p in self.places}

    @cached_property
    def board_codes(self) -> frozenset[str]:
        """The ICB, its trusts and its places: every organisation the board reports on."""
        return frozenset({self.system.code, *(o.code for o in self.organisations), *self.place_codes})

    def org_kind(self, code: str) -> str:
        """'system', 'trust', 'place' or 'other' (a benchmark provider)."""
        if code == self.system.code:
            return "system"
        if code in self.place_codes:
            return "place"
        if any(o.code == code for o in self.organisations):
            return "trust"
        return "other"

    def metric_orgs(self, metric: Metric) -> list[str]:
        """Codes of the NEL organisations (trusts and places) a metric is reported for."""
        codes: list[str] = []
        for org in self.organisations:
            if org.type in metric.applies_to or org.code in metric.applies_to:
                codes.append(org.code)
        if "place" in metric.applies_to:
            codes.extend(p.code for p in self.places)
        if "system" in metric.applies_to:
            codes.append(self.system.code)
        return codes

    def metrics_in_domain(self, domain_id: str) -> list[Metric]:
        """Metrics of a domain, in registry order."""
        return [m for m in self.metrics if m.domain == domain_id]


def _unique(problems: list[str], section: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code in seen:
            problems.append(f"{section}.{index}: {code!r} appears more than once")
        seen.add(code)


def _format_errors(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {path}: {message}")
    return "\n".join(lines)


# libyaml's loader reads the 75 KB registry in a tenth of the pure-Python loader's time; same safe subset.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    """Parse a YAML file with the safe loader (libyaml's when installed)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate config.yaml (or PERFDASH_CONFIG); raise ConfigError naming every bad field."""
    path = Path(path or os.environ.get("PERFDASH_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = read_yaml(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (app, system, organisations, metrics, ...)")
    profile = os.environ.get("PERFDASH_SPC_PROFILE")
    if profile:
        raw.setdefault("app", {})["spc_profile"] = profile
    # A deployment (or a test) picks the sign-in mode without editing the registry; validated like the file.
    auth_mode = os.environ.get("PERFDASH_AUTH_MODE")
    if auth_mode:
        auth = raw.get("auth") if isinstance(raw.get("auth"), dict) else {}
        raw["auth"] = {**auth, "mode": auth_mode}
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(f"{path} is not valid:\n{_format_errors(error)}") from None
