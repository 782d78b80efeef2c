"""perfdash entrypoint: page config, sign-in and role gate, navigation. Pages live in app_pages/.

`python dashboard.py [Streamlit options]` serves it as `streamlit run dashboard.py` does, with the libraries
imported and the overview's first view computed before anyone waits (ui.serve); `make run` uses it.
"""

import logging
import sys

import streamlit as st
from streamlit import runtime

if __name__ == "__main__" and not runtime.exists():
    # perfdash.ui declares and fills its caches outside any page run, before Streamlit's runtime exists (ui.serve),
    # which Streamlit would note each time; it sets its loggers' levels again when it loads its config.
    for name in ("caching.cache_data_api", "caching.cache_resource_api", "scriptrunner_utils.script_run_context"):
        logging.getLogger(f"streamlit.runtime.{name}").setLevel(logging.ERROR)
    from perfdash import ui

    ui.serve(__file__, sys.argv[1:])

from perfdash import logs, ui
from perfdash.config import ConfigError

# Uploads, rollbacks and board packs log what, by whom and how long to the server's stderr.
logs.configure()
st.set_page_config(page_title="NEL performance standards", layout="wide")

try:
    config = ui.get_config()
except ConfigError as error:
    # A broken registry must stop the app with the field path, not half-render it.
    st.error(f"config.yaml is not valid, so the dashboard cannot start.\n\n```\n{error}\n```")
    st.stop()

user = ui.signed_in_user(config)
if user is None:
    # Signed out: no page is registered, so no URL (/upload, /data...) reaches one.
    ui.sign_in_page(config)
    st.stop()
if not ui.allowed(user, "view"):
    # Signed in but matched no role rule and there is no default role: permitted nothing, not even reading.
    ui.no_role_page(config, user)
    st.stop()

overview = st.Page("app_pages/overview.py", title="Overview", url_path="overview", default=True)
pages = {
    "Board": [
        overview,
        st.Page("app_pages/exceptions.py", title="Exceptions", url_path="exceptions"),
        st.Page("app_pages/metric.py", title="Metric", url_path="metric"),
        st.Page("app_pages/organisation.py", title="Organisation", url_path="organisation"),
        st.Page("app_pages/sources.py", title="Sources", url_path="sources"),
    ],
}


# Restricted pages show in the menu only for roles that may use them. For other roles they stay registered
# but hidden, so opening /upload runs the page's own ui.require() check and says "Not permitted" rather than
# silently showing the overview.
def _restricted(permission: str, path: str, title: str, url_path: str) -> st.Page:
    """A page listed in the menu only when the user's role allows it."""
    visibility = "visible" if ui.allowed(user, permission) else "hidden"
    return st.Page(path, title=title, url_path=url_path, visibility=visibility)


pages["Analysts"] = [
    _restricted("upload", "app_pages/upload.py", "Upload", "upload"),
    _restricted("upload", "app_pages/data.py", "Data", "data"),
]
pages["Admin"] = [_restricted("admin", "app_pages/admin.py", "Configuration", "admin")]

ui.sidebar_identity(config, user)
# One flat list: Streamlit's sectioned sidebar puts <div> headers inside its <ul>, which breaks the list for
# screen readers (axe "list"/"listitem", serious). Page titles say what each page is for.
ui.run_page(st.navigation([page for section in pages.values() for page in section]))
