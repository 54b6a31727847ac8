"""The library never imports the service: it works with FastAPI and SQLAlchemy unavailable."""

import subprocess
import sys

CODE = """
import sys
for name in ("fastapi", "sqlalchemy", "starlette", "uvicorn", "alembic", "api"):
    sys.modules[name] = None  # importing any of these now fails
import matcher, matcher.engine, matcher.cli, matcher.eval, matcher.bench, matcher.kb.extract
from matcher import Matcher, Prospect, Ranking
print("ok")
"""


def test_core_imports_without_the_service_stack() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
