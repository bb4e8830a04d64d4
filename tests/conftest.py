"""What every test module shares."""

import pytest

# The sandbox fixtures are a plugin (`pytest_plugins`) and imported by several modules;
# registered here, before any of them, their asserts are rewritten like a test's.
pytest.register_assert_rewrite("sandbox_fixtures")
