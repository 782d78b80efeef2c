"""perfdash entrypoint: page config, sign-in and role gate, navigation. Pages live in app_pages/."""

import streamlit as st

from perfdash import ui
from perfdash.config import ConfigError

st.set_page_config(page_title="NEL performance standards", page_icon="📊", layout="wide")

try:
    config = ui.get_config()
except ConfigError as error:
    # A broken registry must stop the app with the field path, not half-render it.
    st.error(f"config.yaml is not valid, so the dashboard cannot start.\n\n```\n{error}\n```")
    st.stop()

user = ui.signed_in_user(config)
if user is None:
    ui.sign_in_page(config)
    st.stop()

overview = st.Page("app_pages/overview.py", title="Overview", icon="🏠", url_path="overview", default=True)
pages = {
    "Board": [
        overview,
        st.Page("app_pages/metric.py", title="Metric", icon="📈", url_path="metric"),
        st.Page("app_pages/organisation.py", title="Organisation", icon="🏥", url_path="organisation"),
    ],
}
if ui.allowed(user, "upload"):
    pages["Analysts"] = [
        st.Page("app_pages/upload.py", title="Upload", icon="⬆️", url_path="upload"),
        st.Page("app_pages/data.py", title="Data", icon="🗂️", url_path="data"),
    ]
if ui.allowed(user, "admin"):
    pages["Admin"] = [st.Page("app_pages/admin.py", title="Configuration", icon="⚙️", url_path="admin")]

ui.sidebar_identity(config, user)
st.navigation(pages).run()
