"""`matcher keys create|list|revoke` against a real database file."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from matcher.cli import main


def test_create_list_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    r = CliRunner().invoke(main, ["keys", "create", "--name", "map page", "--role", "viewer", "--team", "nansha"])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[0]
    assert token.startswith("pm_") and len(token) > 40
    listed = CliRunner().invoke(main, ["keys", "list"]).output
    assert "viewer" in listed and "active" in listed and "nansha" in listed and token not in listed
    r = CliRunner().invoke(main, ["keys", "revoke", token[:10]])
    assert r.exit_code == 0 and "revoked" in r.output
    assert "revoked" in CliRunner().invoke(main, ["keys", "list"]).output
    assert CliRunner().invoke(main, ["keys", "revoke", "nope"]).exit_code != 0
    assert CliRunner().invoke(main, ["keys", "create", "--name", "x", "--role", "god"]).exit_code != 0
    assert (tmp_path / "matcher.db").exists()
