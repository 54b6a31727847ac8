"""The place profile and the policy library: open a profile from the map and from the library, jump from a quote
to its section, see why a section carries no measure."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Served, check_view


def in_view(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_place_profile_from_the_map_and_a_quote_to_its_section(served: Served, page: Any) -> None:
    page.goto(served.base + "/")
    expect(page.locator(".pm-marker")).to_have_count(len(served.api("GET", "/map").json()["features"]))
    page.locator(".pm-marker[data-id='ns-bio-valley']").click()  # before any search: a marker leads to its place
    page.locator("#detail a[href='/places/ns-bio-valley']").click()
    expect(page).to_have_url(served.base + "/places/ns-bio-valley")
    expect(page.locator("h1")).to_have_text("南沙生物谷")
    crumbs = "广东省 › 粤港澳大湾区内地九市 › 广州市 › 广州市南沙区 › 南沙生物谷"
    expect(page.locator("nav.crumbs")).to_contain_text(crumbs)
    expect(page.locator("#place-map .pm-marker")).not_to_have_count(0)
    groups = page.locator("details.group summary")
    expect(groups.filter(has_text="继承自广州市南沙区")).to_have_count(1)
    expect(groups.filter(has_text="已到期的政策")).to_have_count(1)
    expect(page.locator("#batch-link")).to_have_attribute("href", "/batches?for=ns-bio-valley")
    check_view(page, "place")

    # From a measure's citation to the document, scrolled to the quote, which is marked and explained.
    page.locator(".measure .cite-link").first.click()
    expect(page).to_have_url(served.base + "/documents/nansha-opinions#m-ns-bio-valley.biomed-carrier")
    current = page.locator(".doc-text mark.current").first
    expect(current).to_contain_text("生物谷")
    assert in_view(page, current)
    expect(page.locator("#measure-card")).to_contain_text("南沙生物谷")
    expect(page.locator(".why-none").first).to_contain_text("本节无政策措施")
    check_view(page, "document")

    # From the outline to a section, and from a highlighted measure to the place it belongs to.
    page.locator(".outline a", has_text="高能级创新平台构建工程").click()
    expect(page.locator(".doc-text .anchor.current")).to_have_attribute("data-section", "三、（一）")
    mark = page.locator(".doc-text mark").nth(3)
    mark.focus()
    page.keyboard.press("Enter")
    place = page.locator("#measure-card a").first
    href = place.get_attribute("href")
    place.click()
    expect(page).to_have_url(served.base + (href or ""))
    expect(page.locator("h1")).not_to_be_empty()


def test_the_library_lists_documents_with_their_status(served: Served, page: Any) -> None:
    page.goto(served.base + "/documents")
    rows = page.locator("#docs tbody tr")
    expect(rows).to_have_count(5)
    nansha = rows.filter(has_text="广州南沙加快推进生物医药产业高质量发展的意见")
    expect(nansha).to_contain_text("现行有效")
    expect(rows.filter(has_text="广州市生物医药产业创新发展行动方案")).to_contain_text("已到期")
    check_view(page, "documents")
    page.get_by_role("button", name="English").click()
    expect(page.locator("#docs thead")).to_contain_text("Issuer")
    page.locator("#docs a[href='/documents/nansha-opinions']").click()
    expect(page.locator("h1")).to_have_text("广州南沙加快推进生物医药产业高质量发展的意见")
    expect(page.locator("#outline-title")).to_have_text("Outline")
