"""Realistic synthetic company lists from the taxonomy and templates, both languages (for tests and benchmarks)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from ..kb.models import Taxonomy

ZH = [
    "{city}一家专注于{a}的企业，主要产品包括{b}，计划扩建生产基地。",
    "公司从事{a}和{b}的研发、生产与销售，拥有自主知识产权，正在寻找GMP厂房。",
    "我们是{a}领域的初创团队，核心技术为{b}，希望获得天使投资和孵化空间。",
    "{a}企业，年营收约{rev}万元，业务涵盖{b}，有意在大湾区设立区域总部。",
    "主营{b}，属于{a}行业，产品已进入临床试验阶段，需要临床资源。",
]
EN = [
    "A {city} company focused on {a}; our products include {b}. We plan to expand manufacturing.",
    "We develop and manufacture {a} products ({b}) and are looking for a GMP facility in the Greater Bay Area.",
    "Early-stage {a} start-up built on {b}, seeking seed funding and incubator space.",
    "{a} business with revenue of about RMB {rev}0,000, covering {b}; considering a South China headquarters.",
]
# Details that make each company its own (real lists rarely repeat a description word for word).
DETAILS_ZH = [
    "成立于{year}年",
    "员工约{staff}人",
    "已获授权发明专利{n}项",
    "产品销往{k}个省份",
    "注册资本{cap}万元",
    "研发人员占比{pct}%",
]
DETAILS_EN = [
    "founded in {year}",
    "about {staff} staff",
    "{n} granted patents",
    "customers in {k} countries",
    "R&D is {pct}% of headcount",
]
CITIES_ZH = ["深圳", "广州", "珠海", "香港", "上海", "苏州", "杭州", "北京"]
CITIES_EN = ["Shenzhen", "Guangzhou", "Hong Kong", "Shanghai", "Singapore", "Boston", "Munich"]
OTHER_ZH = ["锂电池正极材料", "餐饮连锁", "晶圆代工", "房地产开发", "服装零售", "物流配送"]
OTHER_EN = ["lithium battery cells", "restaurant chains", "chip foundry services", "real estate", "fashion retail"]


def descriptions(tax: Taxonomy, n: int, seed: int = 7) -> list[tuple[str, str]]:
    """(name, description) pairs: about 70% Chinese, 5% outside biomedicine, 3% exact repeats of an earlier row."""
    rng = random.Random(seed)
    sectors = list(tax.sectors.values())
    out: list[tuple[str, str]] = []
    for i in range(n):
        if out and rng.random() < 0.03:
            out.append((f"重复企业{i}", out[rng.randrange(len(out))][1]))
            continue
        zh = rng.random() < 0.7
        s = rng.choice(sectors)
        if rng.random() < 0.05:
            a = rng.choice(OTHER_ZH if zh else OTHER_EN)
            b = a
        elif zh:
            a, b = s.zh, "、".join(rng.sample(s.synonyms_zh, k=min(2, len(s.synonyms_zh))) or [s.zh])
        else:
            a, b = s.en.lower(), ", ".join(rng.sample(s.synonyms_en, k=min(2, len(s.synonyms_en))) or [s.en])
        tpl = rng.choice(ZH if zh else EN)
        city = rng.choice(CITIES_ZH if zh else CITIES_EN)
        text = tpl.format(a=a, b=b, city=city, rev=rng.randint(300, 90000))
        details = rng.sample(DETAILS_ZH if zh else DETAILS_EN, k=rng.randint(1, 2))
        values = {
            "year": rng.randint(1995, 2025),
            "staff": rng.randint(5, 3000),
            "n": rng.randint(1, 120),
            "k": rng.randint(2, 30),
            "cap": rng.randint(100, 50000),
            "pct": rng.randint(5, 70),
        }
        extra = ("，".join(d.format(**values) for d in details) + "。") if zh else ("; ".join(details) + ".")
        text = f"{text}{extra}" if zh else f"{text} {extra.format(**values)}"
        out.append((f"{'企业' if zh else 'Company '}{i:06d}", text))
    return out


def write_csv(path: Path, rows: list[tuple[str, str]], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="", errors="replace") as f:
        w = csv.writer(f)
        w.writerow(["企业名称", "主营业务"])
        w.writerows(rows)
