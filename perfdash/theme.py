"""The colours and font every chart, icon and page uses: NHS identity colours and the Making Data Count palette.

Hex strings for Plotly, SVG and CSS; `rgb()` turns one into the (r, g, b) fpdf2 wants.
"""

from __future__ import annotations

# NHS identity colours (england.nhs.uk/nhsidentity/identity-guidelines/colours)
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
# NHS service manual grey 3: dots that must recede but stay visible on white (pale grey would vanish)
NHS_GREY_3 = "#AEB7BD"
NHS_TEXT = "#212B32"  # the service manual's text colour
WHITE = "#ffffff"

FONT = "Arial, Helvetica, sans-serif"

# Making Data Count / NHSRplotthedots (ptd_spc_colours)
COMMON = "#a6a6a6"
IMPROVEMENT = "#00b0f0"
CONCERN = "#e46c0a"
NEUTRAL = "#490092"
TARGET = "#de1b1b"
PLAN = "#330072"  # NHS Purple: a plan trajectory, dashed, beside the red target step


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """'#005EB8' as (0, 94, 184)."""
    value = hex_colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #rrggbb colour: {hex_colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
