"""The engine with the real default model (multilingual USE) on the real knowledge base."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from matcher import Matcher
from matcher.cli import main
from matcher.kb.sections import squash

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def matcher(real_matcher: Matcher) -> Matcher:
    return real_matcher


@pytest.fixture
def cli(real_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI with the session's engine, instead of loading the model again per command."""
    import matcher.cli

    monkeypatch.setattr(matcher.cli, "_matcher", lambda *a: real_matcher)
    return CliRunner()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我们是一家专注于AAV基因治疗载体工艺开发和GMP生产的CDMO公司", "nansha"),
        ("We design and manufacture intraocular lenses and contact lenses for cataract and myopia patients.", "nansha"),
        ("PET-MRI and superconducting MRI scanner developer", "shenzhen"),
    ],
)
def test_niche_prospects_find_the_location_whose_text_names_the_niche(
    matcher: Matcher, text: str, expected: str
) -> None:
    r = matcher.match(text, top_k=3, as_of=AS_OF)
    got = [m.location_id for m in r.matches] + [c.id for m in r.matches if (c := matcher.kb.city_of(m.location_id))]
    assert expected in got
    assert r.matches[0].fit in ("strong", "good")


@pytest.mark.parametrize(
    "text",
    [
        "锂电池正极材料生产商，年产能5万吨，为新能源汽车配套。",
        "A chain of 200 hot-pot restaurants across South China.",
        "12英寸晶圆代工厂，提供28纳米芯片制造服务。",
    ],
)
def test_out_of_domain_prospects_fit_nowhere(matcher: Matcher, text: str) -> None:
    r = matcher.match(text, top_k=len(matcher.candidates), as_of=AS_OF)
    assert {m.fit for m in r.matches} == {"none"}


def test_reason_follows_the_prospect_language_and_quotes_are_verbatim(matcher: Matcher) -> None:
    zh = matcher.match("中药配方颗粒生产企业", top_k=3, as_of=AS_OF)
    en = matcher.match("Traditional Chinese medicine granules manufacturer", top_k=3, as_of=AS_OF)
    assert zh.lang == "zh" and "契合" in zh.matches[0].reason
    assert en.lang == "en" and "fit" in en.matches[0].reason
    for r in (zh, en):
        for m in r.matches:
            assert m.evidence
            for e in m.evidence:
                assert squash(e.quote) in squash(matcher.kb.sources[e.doc_id].section_text(e.section) or "")


def test_cli_match_json_is_the_ranking_object(cli: CliRunner) -> None:
    res = cli.invoke(main, ["match", "POCT 即时检验试剂盒研发", "--top", "3", "--json", "--as-of", "2026-11-23"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data["matches"]) == 3 and data["as_of"] == "2026-11-23"
    assert {"location_id", "lat", "lon", "score", "fit", "components", "evidence", "incentives", "reason"} <= set(
        data["matches"][0]
    )


def test_cli_match_readable_output_shows_evidence(cli: CliRunner) -> None:
    res = cli.invoke(main, ["match", "基因测序 精准医疗 公司", "--top", "2", "--preset", "sector-first"])
    assert res.exit_code == 0, res.output
    assert " 1. " in res.output and "「" in res.output


def test_cli_match_refuses_bad_input(cli: CliRunner) -> None:
    res = cli.invoke(main, ["match", "   "])
    assert res.exit_code != 0 and "description is empty" in res.output
    res = cli.invoke(main, ["match", "疫苗", "--weights", "sector=abc"])
    assert res.exit_code != 0 and "expected name=number" in res.output


def test_concurrent_matching_from_many_threads(matcher: Matcher) -> None:
    """A web server calls the engine from a thread pool; the encoder once deadlocked there."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"人工晶体与眼科耗材 {i}" for i in range(24)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(matcher.match, t, 3) for t in texts]
        results = [f.result(timeout=60) for f in futures]
    assert all(r.matches[0].location_id == "nansha" for r in results)
