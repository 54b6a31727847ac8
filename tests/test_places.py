"""Place reading: names, aliases, affinity words, longest match, and institutions that are not places."""

import pytest

from matcher.kb import KnowledgeBase
from matcher.places import PlaceReader


@pytest.fixture(scope="module")
def reader(real_kb: KnowledgeBase) -> PlaceReader:
    return PlaceReader(real_kb)


def test_names_and_aliases_in_both_languages(reader: PlaceReader) -> None:
    assert reader.read("想就近在坪山做成果转化") == {"sz-pingshan": (1.0, "坪山")}
    assert set(reader.read("We are based in Shenzhen near the Hetao zone")) == {"shenzhen", "sz-hk-policy-zone"}


def test_the_longer_name_claims_the_span(reader: PlaceReader) -> None:
    assert reader.read("希望入驻坝光国际生物谷") == {"sz-bagang-precision-zone": (1.0, "坝光国际生物谷")}


def test_an_institution_named_after_a_place_is_not_the_place(reader: PlaceReader) -> None:
    assert reader.read("团队来自中山大学附属第一医院") == {}
    assert reader.read("Sun Yat-sen University spin-off") == {}
    assert "zhongshan" in reader.read("与中山大学合作，计划在中山设厂")


def test_affinity_words_point_to_every_linked_place_with_less_weight(reader: PlaceReader) -> None:
    got = reader.read("Macau university spin-off")
    assert got == {"hengqin": (0.6, "Macau"), "hengqin-tcm-park": (0.6, "Macau")}


def test_plain_words_are_not_places(reader: PlaceReader) -> None:
    assert reader.read("公司发展前景光明，计划扩大高新技术产品线") == {}


def test_new_places_are_read_and_the_region_is_not(reader: PlaceReader) -> None:
    assert reader.read("我们对洁净车间有很高要求") == {}  # 高要求 is not Gaoyao
    assert set(reader.read("在高要区和德庆县扩大南药种植")) == {"zq-gaoyao-nanyao-park", "zq-deqing-nanyao-park"}
    assert reader.read("团队由港科大（广州）孵化") == {"ns-hkust-gz-transfer-base": (1.0, "港科大（广州）")}
    assert reader.read("希望进入中以创新合作产业园区") == {"sz-china-israel-park": (1.0, "中以创新合作产业园区")}
    assert reader.read("面向粤港澳大湾区内地九市") == {}  # a region is never a named place
