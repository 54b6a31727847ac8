"""One served app per session for the browser tests, in this process so that a test can count engine runs; one
Chromium (Debian's package, driven by Playwright); keys of each role; screenshots and the accessibility check."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="Debian's chromium is not installed")
    for item in items:
        if "tests/browser" in str(item.fspath) and not CHROMIUM and not os.environ.get("CI"):
            item.add_marker(skip)


@dataclass
class Served:
    base: str
    keys: dict[str, str]
    runs: list[int] = field(default_factory=list)  # one entry per engine run (Matcher.match_many call)

    def api(self, method: str, path: str, role: str = "editor", **kw: Any) -> httpx.Response:
        return httpx.request(
            method, self.base + "/api/v1" + path, headers={"X-API-Key": self.keys[role]}, timeout=60, **kw
        )


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory, real_matcher: Matcher) -> Iterator[Served]:
    import uvicorn

    from api.config import Settings
    from api.db.repository import create_key
    from api.local import free_port
    from api.main import create_app

    var = tmp_path_factory.mktemp("var")
    # The session's engine, wrapped in a Matcher of its own (same index) so that counting runs touches no other test.
    matcher = real_matcher.with_params(real_matcher.params, real_matcher.sector_model)
    runs: list[int] = []
    real = matcher.match_many

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return real(*args, **kwargs)

    matcher.match_many = counted  # type: ignore[method-assign]
    app = create_app(Settings(var_dir=var, database_url=f"sqlite:///{var / 'matcher.db'}"), matcher=matcher)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.1)
    keys = {}
    with app.state.sessions() as s:
        for role in ("viewer", "editor", "admin"):
            _, keys[role] = create_key(session=s, name=f"browser {role}", role=role)  # type: ignore[arg-type]
    yield Served(base, keys, runs)
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab (its own session storage) that fails the test on a script error or a CSP violation."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="zh-CN")
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None,
    )
    yield pg
    context.close()
    assert not problems, problems


def paste_key(page: Any, key: str) -> None:
    page.locator("#key-button").click()
    page.locator("#key-input").fill(key)
    page.locator("#key-form button[value=ok]").click()
    page.locator("#key-dialog").wait_for(state="hidden")


def check_view(page: Any, name: str) -> None:
    """No serious or critical axe-core violation; screenshots at desktop and tablet width."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: " + "\n".join(bad)
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(TABLET)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / f"{name}-tablet.png"), full_page=True)
    page.set_viewport_size(size)
