"""Policy ingestion in the browser: from the library to the upload form, a refused file explained, a document's
extraction watched to the end, its review by keyboard and mouse (select, filter low confidence, edit, accept,
reject, split, merge, the manifest entry), the import served at once, and the change with the prospect it moved.

The app here serves a scratch copy of data/ without Shenzhen's document (the import writes there), with the
session's real encoder."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from matcher import Matcher
from matcher.kb import default_data_dir
from tests.api.kb_helpers import matcher_over, scratch_data
from tests.browser.conftest import Served, check_view, paste_key
from tests.extract.docs import write_pdf

DOC = "shenzhen-cluster-2020"
SOURCE = default_data_dir() / "sources" / "003_df843d5208d3dd49.txt"


@pytest.fixture(scope="module")
def scratch_served(tmp_path_factory: pytest.TempPathFactory, real_matcher: Matcher) -> Iterator[Served]:
    import uvicorn

    from api.config import Settings
    from api.db.repository import create_key
    from api.local import free_port
    from api.main import create_app

    root = tmp_path_factory.mktemp("review")
    data = scratch_data(root / "data", without=(DOC,))
    matcher = matcher_over(data, real_matcher, cache=root / "cache")
    app = create_app(
        Settings(var_dir=root / "var", database_url=f"sqlite:///{root / 'm.db'}", data_dir=data), matcher=matcher
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 120
    while not server.started:
        assert time.time() < deadline and thread.is_alive(), "the app did not start"
        time.sleep(0.1)
    keys = {}
    with app.state.sessions() as s:
        for role in ("viewer", "editor", "admin"):
            _, keys[role] = create_key(session=s, name=f"review {role}", role=role)  # type: ignore[arg-type]
    yield Served(f"http://127.0.0.1:{port}", keys)
    server.should_exit = True
    thread.join(timeout=60)


def proposals(s: Served, ingest: str) -> list[dict[str, Any]]:
    return s.api("GET", f"/kb/documents/{ingest}/proposals").json()  # type: ignore[no-any-return]


def test_upload_review_and_import(scratch_served: Served, page: Any, tmp_path: Path) -> None:
    s = scratch_served
    saved = s.api(
        "POST",
        "/prospects",
        json={
            "name": "坪山生物药企业",
            "description": "深圳坪山的抗体药物和基因治疗企业，需要生物医药产业园和中试平台",
            "top_k": 5,
        },
    ).json()

    page.goto(s.base + "/documents")
    page.locator("#ingest-link").click()
    expect(page).to_have_url(s.base + "/ingest")
    expect(page.locator("#u-start")).to_be_disabled()  # without an admin key the form says why and cannot upload
    paste_key(page, s.keys["admin"])

    # A scanned PDF is refused with the reason, and nothing is queued.
    page.locator("#u-file").set_input_files(str(write_pdf(tmp_path / "scan.pdf", scanned_pages=1)))
    page.locator("#u-doc").fill("scan-doc")
    page.locator("#u-start").click()
    expect(page.locator("#status")).to_contain_text("没有文字层的扫描件")
    expect(page.locator("#status")).to_contain_text("run OCR first")
    expect(page.locator("#status")).to_have_class("error")

    page.locator("#u-file").set_input_files(str(SOURCE))
    page.locator("#u-doc").fill(DOC)
    page.locator("#u-start").click()
    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator("#review-link")).to_be_visible(timeout=180_000)
    expect(page.locator("#p-status")).to_have_text("待审核")
    check_view(page, "ingest")
    page.locator("#review-link").click()

    # The review: every proposal is marked in the text.
    ingest = page.url.rsplit("/", 1)[-1]
    props = proposals(s, ingest)
    expect(page.locator("#doc-text mark[data-p]")).to_have_count(len(props))
    expect(page.locator("#counts")).to_contain_text(f"待审 {len(props)}")
    page.keyboard.press("j")
    first = props[0]
    expect(page.locator("#proposal-title")).to_contain_text(str(first["id"]))
    expect(page.locator(f'#doc-text mark[data-p="{first["id"]}"]').first).to_have_class(
        "st-pending current" if not first["low"] else "st-pending low current"
    )
    check_view(page, "review")

    # The low-confidence filter, in the URL; the marks of the others are dimmed.
    low = [p for p in props if p["low"]]
    page.keyboard.press("l")
    expect(page).to_have_url(f"{s.base}/ingest/{ingest}?show=low#p-{first['id']}")
    expect(page.locator("#doc-text mark[data-p]:not(.dim)")).to_have_count(len(low))
    page.keyboard.press("l")
    expect(page.locator("#doc-text mark.dim")).to_have_count(0)

    # Edit and save by keyboard, accept (the next pending is selected), reject.
    page.locator("#f-title-en").fill("Shenzhen cluster: first measure")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#review-msg")).to_have_text("已保存。")
    assert (
        s.api("GET", f"/kb/documents/{ingest}/proposals/{first['id']}").json()["item"]["title_en"]
        == "Shenzhen cluster: first measure"
    )
    page.locator("#doc-text").focus()
    page.keyboard.press("a")
    expect(page.locator(f'#doc-text mark[data-p="{first["id"]}"]').first).to_have_class(
        "st-accepted" if not first["low"] else "st-accepted low"
    )
    second = props[1]
    expect(page.locator("#proposal-title")).to_contain_text(str(second["id"]))
    page.keyboard.press("r")
    expect(page.locator(f'#doc-text mark[data-p="{second["id"]}"]').first).to_contain_text(
        second["item"]["source"]["quote"][:5]
    )
    assert s.api("GET", f"/kb/documents/{ingest}/proposals/{second['id']}").json()["status"] == "rejected"

    # Split a proposal at its first comma, then merge the pieces back.
    target = next(p for p in props[2:] if "，" in p["item"]["source"]["quote"][:-1])
    page.locator(f'#doc-text mark[data-p="{target["id"]}"]').first.click()
    page.keyboard.press("x")
    page.locator("#split-box input").first.check()
    page.locator("#split-go").click()
    expect(page.locator("#review-msg")).to_have_text("已拆分为 2 条。")
    assert len(proposals(s, ingest)) == len(props) + 1
    page.locator(f'#doc-text mark[data-p="{target["id"]}"]').first.click()
    page.keyboard.press("m")
    expect(page.locator("#review-msg")).to_have_text("已合并。")
    merged = s.api("GET", f"/kb/documents/{ingest}/proposals/{target['id']}").json()
    assert merged["item"]["source"]["quote"] == target["item"]["source"]["quote"]

    # The rest accepted at once (the API the page uses); the manifest's English title; import.
    s.api("POST", f"/kb/documents/{ingest}/proposals/bulk", json={"action": "accept"})
    page.reload()
    page.locator("#manifest summary").click()
    page.locator("#m-title-en").fill(
        "Shenzhen Implementation Plan for Clustered Development of the Biomedicine Industry (2020–2025)"
    )
    page.locator("#m-save").click()
    expect(page.locator("#review-msg")).to_have_text("文件信息已保存。")
    page.locator("#do-check").click()
    expect(page.locator("#review-msg")).to_contain_text("检查通过")
    page.locator("#do-import").click()
    expect(page.locator("#review-msg")).to_contain_text("已导入", timeout=180_000)
    expect(page.locator("#outcome")).to_contain_text("坪山生物药企业")
    expect(page.locator("#do-import")).to_be_disabled()
    assert s.api("GET", "/version").json()["kb_hash"] == s.api("GET", "/kb/changes").json()[0]["kb_hash_after"]
    assert s.api("GET", f"/prospects/{saved['id']}/changes").json()["kb_changed"] is True

    # Served at once: the library lists it; the uploads page shows the change and the prospect it moved.
    page.goto(s.base + "/documents")
    expect(page.locator(f"#docs a[href='/documents/{DOC}']")).to_be_visible()
    page.goto(s.base + "/ingest")
    expect(page.locator("#changes tbody tr").first).to_contain_text(DOC)
    page.locator("#changes .affected summary").first.click()
    expect(page.locator("#changes .affected a").first).to_have_attribute("href", f"/pipeline/{saved['id']}")
    page.get_by_role("button", name="English").click()
    expect(page.locator("#changes thead")).to_contain_text("Saved prospects affected")
