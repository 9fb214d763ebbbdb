"""The browser chat (see ui/app.py)."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home: set before any module loads gradio
