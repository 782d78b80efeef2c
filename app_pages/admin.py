"""Configuration: the registry as loaded, and the sign-in role mapping (admins only)."""

import pandas as pd
import streamlit as st

from perfdash import auth, targets, ui

ui.require("admin")
config = ui.get_config()
st.title("Configuration")
st.caption("Read from config.yaml at start-up and validated; edit the file and restart to change it.")
st.subheader("Sign-in")
st.write(f"Mode: **{config.auth.mode}**; default role: **{config.auth.default_role or 'none'}**")
st.caption("An exact email rule wins, then a group rule, then an email-domain rule; then the default role.")
st.dataframe(pd.DataFrame([r.model_dump() for r in config.auth.role_rules]), hide_index=True)
st.markdown("**What each role may do**")
st.dataframe(
    pd.DataFrame(
        [
            {"role": role, **{p: p in allowed for p in sorted(auth.PERMISSIONS["admin"])}}
            for role, allowed in auth.PERMISSIONS.items()
        ]
    ),
    hide_index=True,
)
st.subheader("Metrics")
st.dataframe(
    pd.DataFrame(
        [
            {
                "id": m.id,
                "name": m.name,
                "domain": m.domain,
                "unit": m.unit,
                "direction": m.direction,
                "rollup": m.rollup,
                "level": m.level,
                "targets": "; ".join(f"{targets.rule_words(t, m)} {t.kind} {t.span()}" for t in m.targets),
            }
            for m in config.metrics
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.subheader("Organisations")
st.dataframe(pd.DataFrame([o.model_dump() for o in config.organisations]), hide_index=True)
