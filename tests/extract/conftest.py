"""A small knowledge base of two curated documents, for fast extraction and evaluation runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from matcher.kb import default_data_dir

KEEP = ("nansha-opinions", "shenzhen-cluster-2020")


def subset_kb(dst: Path, keep: tuple[str, ...]) -> Path:
    """A copy of data/ with only the `keep` documents and their measures (focus sectors left backed)."""
    shutil.copytree(default_data_dir(), dst, ignore=shutil.ignore_patterns("companies"))
    man = dst / "sources" / "manifest.yaml"
    entries = [e for e in yaml.safe_load(man.read_text(encoding="utf-8")) if e["id"] in keep]
    man.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    tax = yaml.safe_load((dst / "taxonomy.yaml").read_text(encoding="utf-8"))
    domains = {d["id"]: [s["id"] for s in d["sectors"]] for d in tax["domains"]}
    for f in (dst / "parks").glob("*.yaml"):
        loc = yaml.safe_load(f.read_text(encoding="utf-8"))
        loc["measures"] = [m for m in loc["measures"] if m["source"]["doc"] in keep]
        for m in loc["measures"]:
            m.pop("also_cited", None)
        named = {s for m in loc["measures"] for s in m["sectors"] if s != "all"}
        backed = named | {s for x in named for s in domains.get(x, [])}
        loc["focus_sectors"] = [s for s in loc["focus_sectors"] if s in backed]
        f.write_text(yaml.safe_dump(loc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


@pytest.fixture(scope="session")
def two_doc_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return subset_kb(tmp_path_factory.mktemp("kb2") / "data", KEEP)
