"""Monthly periods: parse the many ways files write a month, format them one way (YYYY-MM)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

# re.ASCII: only 0-9 are digits; Python would read full-width or Arabic-Indic digits as a month too.
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_ISO_FIRST_DAY = re.compile(r"^(\d{4})-(\d{2})-01$", re.ASCII)


def parse_period(text: str) -> str | None:
    """Return 'YYYY-MM' for the canonical forms 'YYYY-MM' or 'YYYY-MM-01', else None."""
    text = text.strip()
    match = _ISO_MONTH.match(text) or _ISO_FIRST_DAY.match(text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 2200):
        return None
    return f"{year:04d}-{month:02d}"


def parse_month_name(name: str, year: str | int) -> str | None:
    """Return 'YYYY-MM' for a month name such as 'APRIL' or 'Apr' and a year."""
    number = MONTH_NAMES.get(name.strip().lower())
    if number is None:
        return None
    return f"{int(year):04d}-{number:02d}"


def month_index(period: str) -> int:
    """Months since year 0, so periods can be compared and subtracted."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def from_index(index: int) -> str:
    """Inverse of month_index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def add_months(period: str, months: int) -> str:
    """Shift a 'YYYY-MM' period by a number of months."""
    return from_index(month_index(period) + months)


def month_range(first: str, last: str) -> list[str]:
    """Every period from first to last inclusive."""
    return [from_index(i) for i in range(month_index(first), month_index(last) + 1)]


def current_month(today: date | None = None) -> str:
    """The calendar month containing today."""
    today = today or date.today()
    return f"{today.year:04d}-{today.month:02d}"


def latest_complete_month(today: date | None = None) -> str:
    """The last month that has ended."""
    return add_months(current_month(today), -1)


def label(period: str) -> str:
    """Human label such as 'Sep 2025'."""
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{names[int(period[5:7]) - 1]} {period[:4]}"


def day_label(iso: str) -> str:
    """'15 Dec 2025' from '2025-12-15' (a date that does not wrap at its hyphens); as written if it is not a date."""
    try:
        day = date.fromisoformat(iso.strip())
    except ValueError:
        return iso
    return f"{day.day} {day:%b %Y}"


def moment_label(iso: str | None) -> str:
    """'3 Oct 2025, 17:45 UTC' from the store's '2025-10-03T17:45:01Z'; blank for none; as written otherwise."""
    if not isinstance(iso, str) or not iso.strip():
        return ""
    try:
        moment = datetime.fromisoformat(iso.strip())
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{day_label(moment.date().isoformat())}, {moment:%H:%M} UTC"


def financial_year(period: str) -> str:
    """NHS financial year label ('2025/26') for a period."""
    year, month = int(period[:4]), int(period[5:7])
    start = year if month >= 4 else year - 1
    return f"{start}/{(start + 1) % 100:02d}"
