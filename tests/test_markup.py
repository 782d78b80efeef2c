"""Text from people is escaped before it goes into Streamlit markdown (rendering is checked in the browser)."""

from __future__ import annotations

import string

from perfdash.markup import plain


def test_every_punctuation_character_is_escaped():
    assert plain(string.punctuation) == "".join("\\" + c for c in string.punctuation)


def test_html_and_links_become_literal_text():
    assert plain("<img src=x>") == "\\<img src\\=x\\>"
    assert plain("[click](javascript:alert(1))") == "\\[click\\]\\(javascript\\:alert\\(1\\)\\)"
    assert plain(":red[alert] **bold** $x$") == "\\:red\\[alert\\] \\*\\*bold\\*\\* \\$x\\$"


def test_line_breaks_cannot_start_new_blocks():
    assert plain("a\n# heading\r\n\n- item") == "a \\# heading \\- item"


def test_letters_digits_and_other_scripts_are_unchanged():
    assert plain("Ann Analyst 2025 Zoë 北京") == "Ann Analyst 2025 Zoë 北京"
    assert plain(42) == "42"
