"""Root pytest configuration: notebooks collected by nbval run in the fast ``ci`` profile."""

import os

os.environ.setdefault("DENSENET_LAB_PROFILE", "ci")
