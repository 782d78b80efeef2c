"""The pages' demo store fixtures (tests/app/conftest.py), for the hostile checks that run a page."""

from tests.app.conftest import app_env, demo_database  # noqa: F401 - fixtures pytest finds by name
