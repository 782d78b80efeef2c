"""Text from people (file names, emails, headers) shown inside Streamlit markdown as plain text. Pure."""

from __future__ import annotations

import re

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
