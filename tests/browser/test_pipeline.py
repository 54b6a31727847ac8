"""The pipeline: board and table, a prospect moved through its statuses with an editor key, a viewer refused,
an unknown key explained in words, and the export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Served, check_view, paste_key


def save(served: Served, name: str, owner: str, tags: list[str]) -> int:
    body = {
        "description": "抗体药物CDMO，计划建设GMP车间",
        "name": name,
        "owner": owner,
        "tags": tags,
        "as_of": "2026-11-23",
    }
    r = served.api("POST", "/prospects", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_an_editor_moves_a_prospect_through_the_pipeline_and_a_viewer_cannot(
    served: Served, page: Any, tmp_path: Path
) -> None:
    pid = save(served, "甲抗体公司", "王五", ["抗体", "重点"])
    other = save(served, "乙器械公司", "李四", ["器械"])
    page.goto(served.base + "/pipeline")
    paste_key(page, served.keys["editor"])
    card = page.locator(f".board .card[data-id='{pid}']")
    expect(card).to_be_visible()
    assert page.locator(".board section[data-status=lead]").locator(f".card[data-id='{pid}']").count() == 1

    # The table sorts by a column and filters by owner and tag; the URL keeps the filter.
    page.get_by_role("tab", name="列表").click()
    page.locator("th button[data-key=name]").click()
    expect(page.locator("#pipeline-table th[aria-sort=ascending]")).to_have_count(1)
    page.get_by_label("负责人").fill("王五")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#pipeline-table tbody tr")).to_have_count(1)
    assert "owner=" in page.url and "view=table" in page.url
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出 CSV").click()
    path = tmp_path / "prospects.csv"
    dl.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "甲抗体公司" in data.decode("utf-8-sig")
    check_view(page, "pipeline")

    page.locator(f"#pipeline-table a[href='/pipeline/{pid}']").click()
    for label, status in (
        ("已联系", "contacted"),
        ("考察中", "visiting"),
        ("洽谈中", "negotiating"),
        ("已签约", "signed"),
    ):
        page.get_by_role("button", name=f"推进到“{label}”").click()
        expect(page.locator("#current-status")).to_have_attribute("data-status", status)
    expect(page.locator(".history li")).to_have_count(5)
    expect(page.locator("#transitions")).to_have_count(0)  # signed is final
    page.get_by_label("备注").fill("已签约，落地南沙")
    page.get_by_role("button", name="保存修改").click()
    expect(page.locator("#status")).to_have_text("已保存。")
    page.get_by_role("button", name="按今日政策重新匹配").click()
    expect(page.locator("#snapshots tbody tr")).to_have_count(2)
    expect(page.locator("#changes tbody tr")).not_to_have_count(0)
    check_view(page, "prospect")

    # A viewer reads but is offered no change; the service refuses one all the same.
    paste_key(page, served.keys["viewer"])
    page.goto(f"{served.base}/pipeline/{other}")
    expect(page.locator("#edit-hint")).to_have_text("当前密钥为只读权限：可以查看，不能修改。")
    expect(page.locator("#transitions")).to_have_count(0)
    expect(page.locator("#edit-form button")).to_have_count(0)
    expect(page.locator("#e-notes")).to_have_attribute("readonly", "")
    refused = served.api("PATCH", f"/prospects/{other}", role="viewer", json={"status": "contacted"})
    assert refused.status_code == 403
    assert served.api("GET", f"/prospects/{other}").json()["status"] == "lead"

    # An unknown key is explained in words, and the page keeps no key it could not check.
    page.locator("#key-button").click()
    page.locator("#key-input").fill("pm_not-a-real-key")
    page.locator("#key-form button[value=ok]").click()
    expect(page.locator("#key-status")).to_have_text("密钥无效或已被撤销，请向管理员索取新密钥。")
