"""Overview: every standard for the ICS, a trust or a place, for a chosen month."""

import streamlit as st

from perfdash import sources, ui
from perfdash.periods import label

config = ui.get_config()
current = ui.current()
st.title("Overview")
ui.demo_banner(config)
if current.empty:
    st.warning("No data has been loaded yet. An analyst can load files on the Upload page.")
    st.stop()

org, month = ui.org_and_month(config, default_org=config.system.code)

st.caption(
    f"{config.org_names.get(org, org)}, {label(month)}. Data to {label(ui.months()[0])}. "
    f"SPC profile: {config.app.spc_profile.upper()}."
)

ui.executive_summary_panel(ui.executive_summary(org, month), org)

if ui.allowed(ui.current_user(), "boardpack"):
    # The pack machinery (fpdf2, kaleido; 0.6 s to import) is imported on a click or once a pack exists, never
    # for the first render of the overview.
    # Made only on click (Chromium draws every chart, which takes seconds), then offered for download.
    made = st.session_state.get("boardpack")
    if st.button("Prepare board pack (PDF)", key="boardpack_prepare", help="Cover, summary, SPC charts, appendix"):
        from perfdash.boardpack import BoardPackError

        with st.spinner("Drawing the charts and laying out the board pack…"):
            try:
                made = (org, month, ui.data_version(), ui.boardpack_file(org, month, "pdf"))
                st.session_state["boardpack"] = made
            except BoardPackError as error:
                st.error(str(error))
    if made is not None and made[:3] == (org, month, ui.data_version()):
        from perfdash.boardpack import pack_file_name

        st.download_button(
            "Download board pack",
            data=made[3],
            file_name=pack_file_name(org, month),
            mime="application/pdf",
            key="boardpack_download",
            on_click="ignore",
            icon=":material/download:",
        )
    # The same pack as editable PowerPoint (charts as pictures, tables a board secretary can edit).
    slides = st.session_state.get("boardpack_pptx")
    if st.button("Prepare board pack (PowerPoint)", key="boardpack_pptx_prepare", help="The same pack, editable"):
        from perfdash.boardpack import BoardPackError

        with st.spinner("Drawing the charts and making the slides…"):
            try:
                slides = (org, month, ui.data_version(), ui.boardpack_file(org, month, "pptx"))
                st.session_state["boardpack_pptx"] = slides
            except BoardPackError as error:
                st.error(str(error))
    if slides is not None and slides[:3] == (org, month, ui.data_version()):
        from perfdash.boardpack import pack_file_name
        from perfdash.boardpack.slides import MIME as SLIDES_MIME

        st.download_button(
            "Download board pack (PowerPoint)",
            data=slides[3],
            file_name=pack_file_name(org, month).removesuffix(".pdf") + ".pptx",
            mime=SLIDES_MIME,
            key="boardpack_pptx_download",
            on_click="ignore",
            icon=":material/download:",
        )

late = sources.late_summary(ui.sources_table())
if late:
    st.warning(late)
    st.page_link("app_pages/sources.py", label="Open Sources", icon=":material/source:")

st.subheader("Summary: variation and assurance")
st.caption(
    f"Assurance asks whether the {config.app.assurance_against} will be met on the process limits "
    "(config.yaml: assurance_against). The tables below show this month vs target and vs plan side by side."
)
ui.summary_matrix(org, month)

# One HTML table for every domain, each domain heading its rows: text wraps so every column reads at 1366x768,
# every row shows, and each name is a link that Enter opens.
st.subheader("Every standard")
ui.overview_table(org, month, show_domain=True)
