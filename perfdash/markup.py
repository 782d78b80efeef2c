"""Text from people (file names, emails, headers) shown inside Streamlit markdown as plain text. Pure."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all also covers
# Streamlit's own additions (:color[...], :material/icon:, $maths$) and HTML tags.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: object) -> str:
    """Text that markdown renders literally: punctuation escaped, line breaks flattened to spaces.

    No markup survives: no HTML, no [label](url) link, no image, no heading. A bare http(s) URL or email
    address is still shown as a link to itself (GitHub-style autolinks), which reveals nothing hidden.
    """
    flattened = " ".join(str(text).split())
    return _PUNCTUATION.sub(r"\\\1", flattened)


def chart_text(text: object) -> str:
    """Text for a Plotly title, label, legend or hover: its HTML subset (<a>, <b>, <span style>) shown, not run.

    The one escaping helper every chart uses for text from data, uploads or people (provider names,
    commentary, file names). Plotly decodes entities, so the reader sees the original characters.
    """
    return html.escape(str(text), quote=False)


def chart_texts(values: Iterable[object]) -> list[str]:
    """chart_text for each value (a column of names or codes)."""
    return [chart_text(value) for value in values]
