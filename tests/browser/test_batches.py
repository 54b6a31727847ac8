"""Batches: upload a 200-row GBK CSV, watch the progress to the end, download the result and the errors file."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Served, check_view, paste_key

WORK = ["AAV病毒载体CDMO", "人工晶体与眼科耗材", "中药配方颗粒", "体外诊断POCT试剂", "抗体药物研发", "医用机器人"]


def company_list(path: Path) -> list[list[str]]:
    rows = [["序号", "公司名称", "主营业务", "所在城市", "备注"]]
    for i in range(1, 201):
        work = "" if i % 50 == 0 else f"{WORK[i % len(WORK)]}，第{i}号企业"
        rows.append([str(i), f"企业{i:03d}有限公司", work, "广州", f"备注{i}"])
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))
    return rows


def test_a_gbk_list_is_scored_with_progress_and_both_files_download(served: Served, page: Any, tmp_path: Path) -> None:
    rows = company_list(tmp_path / "名单.csv")
    page.goto(served.base + "/batches?for=nansha")
    expect(page.locator("#batch-needs")).to_be_visible()  # uploading needs an editor key
    expect(page.locator("#b-start")).to_be_disabled()
    paste_key(page, served.keys["editor"])
    expect(page.locator("#b-place")).to_have_value("nansha")
    page.get_by_label("为每家企业推荐地点").check()
    page.get_by_label("结果格式").select_option("csv")
    page.locator("#b-file").set_input_files(str(tmp_path / "名单.csv"))
    page.get_by_role("button", name="开始评估").click()

    seen = []
    deadline = time.time() + 240
    while time.time() < deadline:
        panel = page.locator("#progress")
        if panel.count():  # the bar and the line beside it, read at one moment (the page re-renders as it polls)
            value, most, status, rows_text = panel.evaluate(
                "p => { const b = p.querySelector('progress'); return [b.getAttribute('value'), b.getAttribute('max'),"
                " p.querySelector('#p-status').textContent, p.querySelector('#p-rows').textContent]; }"
            )
            if most is None:  # not counted yet: an indeterminate bar, never "0 of 1", and no "0 / 0 rows"
                assert value is None
                assert rows_text == {"评估中": "正在读取名单…"}.get(status, ""), (status, rows_text)
            else:
                seen.append((int(float(value or 0)), int(float(most))))
                if status == "评估中":  # every row scored: the result file is being written
                    done, total = seen[-1]
                    assert rows_text == ("正在写入结果文件…" if done >= total else f"{done} / {total} 行"), rows_text
        if page.locator("#p-status").filter(has_text="已完成").count():
            break
        page.wait_for_timeout(150)
    expect(page.locator("#p-status")).to_have_text("已完成")
    expect(page.locator("#p-rows")).to_have_text("200 / 200 行")
    expect(page.locator("#p-rate")).to_contain_text("行/秒")
    # A list this short may finish between two of the page's polls (a second apart), so the bar is read once more
    # when done: whatever was seen counts 200 rows, never goes back, and ends full.
    value, most = page.locator("#progress progress").evaluate("b => [b.getAttribute('value'), b.getAttribute('max')]")
    seen.append((int(float(value)), int(float(most))))
    assert all(m == 200 for _, m in seen) and [v for v, _ in seen] == sorted(v for v, _ in seen)
    assert seen[-1] == (200, 200)
    expect(page.locator("#progress")).to_contain_text("196 行已评分，4 行有错误")
    expect(page.locator("#status")).to_have_text("完成：196 行已评分，4 行有错误。")  # no longer "scoring…"
    expect(page.get_by_label("为每家企业推荐地点")).to_be_checked()  # the form kept the officer's choices
    expect(page.get_by_label("结果格式")).to_have_value("csv")

    files = {}
    for which in ("result", "errors"):
        with page.expect_download() as dl:
            page.locator(f"#progress button[data-file={which}]").click()
        files[which] = tmp_path / dl.value.suggested_filename
        dl.value.save_as(files[which])
    with files["result"].open(encoding="utf-8-sig", newline="") as f:
        result = list(csv.reader(f))
    assert result[0][:5] == rows[0] and result[0][5:8] == ["row", "location_1", "location_1_name"]
    assert [r[:5] for r in result[1:]] == [r for r in rows[1:] if r[2]]
    with files["errors"].open(encoding="utf-8-sig", newline="") as f:
        errors = list(csv.DictReader(f))
    assert [e["公司名称"] for e in errors] == [
        "企业050有限公司",
        "企业100有限公司",
        "企业150有限公司",
        "企业200有限公司",
    ]
    expect(page.locator("#jobs tbody tr")).to_have_count(1)
    check_view(page, "batches")
