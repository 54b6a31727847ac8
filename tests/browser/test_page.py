"""The 招商 map page end to end in headless Chromium (Debian's package, driven by Playwright).

Load, submit a prospect, see the shortlist and markers, open an explanation (mouse and keyboard), compare, export,
save into the pipeline, switch language; screenshots are kept under var/screenshots/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.local import local_server

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"), reason="Debian's chromium is not installed")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "MATCHER_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    key = subprocess.run(
        [sys.executable, "-m", "api.cli", "keys", "create", "--name", "browser", "--role", "editor"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.strip()
    with local_server(var) as base:
        yield base, key


def test_officer_flow(server: tuple[str, str], tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    base, key = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/")
        expect(page.locator("#markers circle")).to_have_count(38)
        expect(page.locator("#map path.province")).to_have_count(1)

        # Submit a prospect: shortlist, ranked markers and the first explanation appear.
        page.get_by_label("企业描述（中文或英文）").fill("我们是一家专注于AAV基因治疗载体工艺开发和GMP生产的CDMO公司")
        page.get_by_label("发展阶段").select_option("growth")
        page.locator("#needs-list input[value=gmp_plant]").check()
        page.get_by_role("button", name="匹配地点").click()
        expect(page.locator("#shortlist li")).to_have_count(10)
        expect(page.locator("#shortlist li").first).to_contain_text("南沙")
        expect(page.locator("#markers circle:not(.unranked)")).not_to_have_count(0)
        expect(page.locator("#detail blockquote").first).to_be_visible()
        page.screenshot(path=str(SHOTS / "map-page.png"), full_page=True)

        # Open another explanation from the map, with the mouse and with the keyboard.
        second = page.locator("#shortlist li").nth(1).get_attribute("data-id")
        page.locator(f"#markers circle[data-id='{second}']").click()
        expect(page.locator("#shortlist li.selected")).to_have_attribute("data-id", second or "")
        first = page.locator("#shortlist li").first.get_attribute("data-id")
        page.locator(f"#markers circle[data-id='{first}']").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#shortlist li.selected")).to_have_attribute("data-id", first or "")
        expect(page.locator("#detail .cite").first).to_contain_text("、")  # a section path such as 二、（二）

        # Compare two locations side by side.
        page.locator("#shortlist input.cmp").nth(0).check()
        page.locator("#shortlist input.cmp").nth(1).check()
        page.get_by_role("button", name="对比所选（2–5个）").click()
        expect(page.locator("#compare table thead th")).to_have_count(3)

        # Export the briefing as XLSX.
        with page.expect_download() as dl:
            page.get_by_role("button", name="导出简报 XLSX").click()
        path = tmp_path / "briefing.xlsx"
        dl.value.save_as(path)
        wb = load_workbook(path)
        assert wb.sheetnames == ["shortlist", "evidence", "incentives"]
        assert wb["shortlist"].cell(2, 2).value == "广州市南沙区"

        # The printable briefing: print media hides the form and keeps the shortlist and the evidence.
        page.emulate_media(media="print")
        assert not page.locator("#prospect-form").is_visible()
        expect(page.locator("#detail blockquote").first).to_be_visible()
        page.pdf(path=str(SHOTS / "briefing.pdf"))
        page.emulate_media(media="screen")
        assert (SHOTS / "briefing.pdf").read_bytes().startswith(b"%PDF")

        # Save the prospect into the pipeline with an editor key.
        page.locator("#save-box summary").click()
        page.get_by_label("企业名称").fill("某AAV企业")
        page.get_by_label("API 密钥（编辑权限）").fill(key)
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("#status")).to_contain_text("已保存")
        saved = httpx.get(f"{base}/api/v1/prospects", headers={"X-API-Key": key}).json()  # confidential (issue 15)
        assert saved["total"] == 1 and saved["items"][0]["snapshots"][0]["top"][0] == "nansha"

        # English, and a tablet-width layout.
        page.get_by_role("button", name="English").click()
        expect(page.locator("h1")).to_have_text("Guangdong Biomedicine Investment Map")
        expect(page.locator("#shortlist li").first).to_contain_text("Nansha")
        page.set_viewport_size({"width": 820, "height": 1180})
        page.screenshot(path=str(SHOTS / "map-page-tablet-en.png"), full_page=True)
        browser.close()
    assert not errors, errors
    assert (SHOTS / "map-page.png").stat().st_size > 10_000


def test_page_is_served_at_the_root_with_no_external_resources(server: tuple[str, str]) -> None:
    base, _ = server
    html = httpx.get(base + "/").text
    assert '<script src="/static/app.js">' in html
    for asset in ("/static/app.js", "/static/app.css"):
        body = httpx.get(base + asset).text
        assert "http://" not in body.replace("http://127.0.0.1", "") and "https://" not in body
    assert httpx.get(base + "/api/v1/boundaries").json()["type"] == "FeatureCollection"
