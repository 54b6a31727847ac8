"""The map view end to end: submit, select (mouse and keyboard), zoom, compare, export, print, save, English."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, Served, check_view, paste_key

AAV = "我们是一家专注于AAV基因治疗载体工艺开发和GMP生产的CDMO公司"


def centres(page: Any, sel: str) -> list[tuple[float, float, float]]:
    return [
        (b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, b["width"])
        for b in (e.bounding_box() for e in page.locator(sel).all())
        if b
    ]


def test_map_search_explain_compare_export_and_save(served: Served, page: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page.goto(served.base + "/")
    expect(page.locator(".pm-marker")).to_have_count(len(served.api("GET", "/map").json()["features"]))
    expect(page.locator("path.bd-province")).to_have_count(1)
    expect(page.locator("#as-of")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))  # never mm/dd/yyyy
    assert page.locator("#as-of").get_attribute("type") == "text"

    # One click on "find locations" is one engine run.
    page.get_by_label("企业描述（中文或英文）").fill(AAV)
    page.get_by_label("发展阶段").select_option("growth")
    page.locator("#needs-list input[value=gmp_plant]").check()
    page.locator("#as-of").fill("2026-11-23")
    before = len(served.runs)
    page.get_by_role("button", name="匹配地点").click()
    expect(page.locator("#shortlist li")).to_have_count(10)
    assert len(served.runs) - before == 1
    expect(page.locator("#shortlist li").first).to_contain_text("南沙")
    expect(page.locator(".pm-marker.shortlisted")).to_have_count(10)
    expect(page.locator(".leaflet-tooltip.place-label")).to_have_count(10)
    detail = page.locator("#detail")
    expect(detail.locator("blockquote").first).to_be_visible()
    # Parks inside the district by name, never by raw id; no "满足" for a measure that states no condition.
    expect(detail).to_contain_text("南沙生物谷")
    assert "ns-bio-valley" not in detail.inner_text()
    for row in detail.locator("tbody tr").all():
        if row.locator("td").nth(1).locator(".cite").count() == 0:
            expect(row.locator(".elig")).to_have_text("未列条件")

    # Crowded markers are spread: no two shortlisted markers overlap, at the delta view and zoomed in.
    def spread_apart() -> None:
        pts = centres(page, ".pm-marker.shortlisted")
        for i, (x1, y1, w1) in enumerate(pts):
            for x2, y2, w2 in pts[i + 1 :]:
                assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= (w1 + w2) / 2 - 1

    spread_apart()
    nansha, shenzhen = (page.locator(f".pm-marker[data-id={i}]") for i in ("nansha", "shenzhen"))
    far = abs(nansha.bounding_box()["x"] - shenzhen.bounding_box()["x"])
    page.get_by_role("button", name="放大").click()
    page.wait_for_timeout(600)
    assert abs(nansha.bounding_box()["x"] - shenzhen.bounding_box()["x"]) > 1.3 * far
    spread_apart()
    page.get_by_role("button", name="缩小").click()

    # Another explanation from a marker by mouse, then by keyboard; clicks that explain cost no engine run.
    runs = len(served.runs)
    second = page.locator("#shortlist li").nth(1).get_attribute("data-id")
    page.locator(f".pm-marker[data-id='{second}']").click()
    expect(page.locator("#shortlist li.selected")).to_have_attribute("data-id", second or "")
    page.locator(".pm-marker[data-id='nansha']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#shortlist li.selected")).to_have_attribute("data-id", "nansha")
    page.locator(".pm-marker.folded").first.click()
    expect(detail.locator(".note")).to_be_visible()  # a folded park points to the place it is folded into

    page.locator("#shortlist input.cmp").nth(0).check()
    page.locator("#shortlist input.cmp").nth(1).check()
    page.get_by_role("button", name="对比所选（2–5个）").click()
    expect(page.locator("#compare table thead th")).to_have_count(2)
    assert len(served.runs) == runs

    with page.expect_download() as dl:
        page.get_by_role("button", name="导出简报 XLSX").click()
    path = tmp_path / "briefing.xlsx"
    dl.value.save_as(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["shortlist", "evidence", "incentives", "ended"]
    assert wb["shortlist"].cell(2, 2).value == "广州市南沙区" and wb["shortlist"].max_row == 11

    page.emulate_media(media="print")
    assert not page.locator("#prospect-form").is_visible()
    page.pdf(path=str(SHOTS / "briefing.pdf"))
    page.emulate_media(media="screen")

    # Saving needs an editor key: hidden until one is pasted, then the role shows in the header.
    page.locator("#save-box summary").click()
    expect(page.locator("#save-needs")).to_be_visible()
    expect(page.locator("#save-form")).to_be_hidden()
    paste_key(page, served.keys["editor"])
    expect(page.locator("#key-button")).to_contain_text("编辑")
    page.get_by_label("企业名称").fill("某AAV企业")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#status")).to_contain_text("已保存")
    saved = served.api("GET", "/prospects", params={"q": "AAV"}).json()
    assert saved["items"][0]["name"] == "某AAV企业" and saved["items"][0]["snapshots"][0]["top"][0] == "nansha"

    page.locator("#shortlist .pick").first.click()
    check_view(page, "map")
    page.get_by_role("button", name="English").click()
    expect(page.locator(".brand")).to_have_text("Guangdong Biomedicine Investment")
    expect(page.locator("#shortlist li").first).to_contain_text("Nansha")
    check_view(page, "map-en")
