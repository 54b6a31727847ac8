"""Command line: a thin layer over the library. `serve`, `keys` and `load-test` come from the service package
through the `park_matcher.commands` entry points, loaded only when called (the core needs no service stack)."""

from __future__ import annotations

import json
import os
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli_extract import extract, extract_eval, import_, withdraw
from .cli_options import CACHE, DATA, ENCODER, LEVEL, PRESET
from .config import MatcherConfig
from .kb import KBError, default_data_dir, load_kb
from .kb.load import check_kb, read_kb
from .kb.models import STAGES
from .kb.stats import format_stats, kb_stats
from .options import MatchOptions
from .prospect import Prospect

if TYPE_CHECKING:
    from .engine import Matcher

PLUGINS = "park_matcher.commands"


def _matcher(data_dir: Path, cache_dir: Path, encoder: str) -> Matcher:
    from .engine import Matcher

    try:
        return Matcher.load(MatcherConfig(data_dir=data_dir, cache_dir=cache_dir, encoder=encoder))
    except (KBError, ValueError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from err


class Commands(click.Group):
    """The library's commands, plus those other installed packages register under PLUGINS (loaded on use)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(ep.name for ep in entry_points(group=PLUGINS))})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = super().get_command(ctx, name)
        if cmd is not None:
            return cmd
        for ep in entry_points(group=PLUGINS, name=name):
            try:
                loaded: click.Command = ep.load()
            except ImportError as err:
                raise click.ClickException(
                    f"`matcher {name}` needs the service stack ({err.name} is missing): pip install 'park-matcher[api]'"
                ) from err
            return loaded
        return None


@click.group(cls=Commands)
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
    click.echo(format_stats(st, load_ms))


kb.add_command(extract)
kb.add_command(extract_eval)
kb.add_command(import_)
kb.add_command(withdraw)


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
@PRESET
@click.option("--weights", help="Custom weights, e.g. sector=0.7,incentive=0.2,validity=0.1.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Validity date (default today).")
@click.option("--stage", type=click.Choice(STAGES), default=None)
@click.option("--revenue", "revenue_cny", type=float, default=None, help="Annual revenue, yuan.")
@click.option("--headcount", type=int, default=None)
@click.option("--investment", "investment_cny", type=float, default=None, help="Planned investment, yuan.")
@click.option("--needs", default="", help="Comma-separated need ids, e.g. land_plant,clinical_trials.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the explanation.")
@click.option("--expand", is_flag=True, help="Keep parks that only inherit their parent's fit.")
@LEVEL
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
    level: str,
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
    from .render import format_ranking

    date = as_of.date() if as_of is not None else None  # type: ignore[attr-defined]
    try:
        opts = MatchOptions(
            top_k=top_k,
            preset=preset,
            weights=_weights(weights),
            as_of=date,
            expand=expand,
            level=level,  # type: ignore[arg-type]
        )
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--weights") from err
    m = _matcher(data_dir, cache_dir, encoder)
    try:
        ranking = m.match_many([prospect], opts)[0]
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    if as_json:
        click.echo(json.dumps(ranking.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_ranking(ranking))


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
    # ranx compiles its metrics with numba on first use (minutes on a cold machine); for a few hundred prospects
    # plain Python gives the same numbers at once. Must be set before numba is imported.
    os.environ.setdefault("NUMBA_DISABLE_JIT", "1")
    from .eval import evaluate_all, load_prospects
    from .eval.report import format_report, write_params

    items = load_prospects(prospects)
    if tune and split == "heldout":
        raise click.UsageError("--tune fits on the dev split; it cannot be combined with --split heldout")
    m = _matcher(data_dir, cache_dir, encoder)
    date = as_of.date()  # type: ignore[attr-defined]
    if tune:
        from .eval.tune import tune as tune_

        params, model = tune_(m, items, date, lambda s: click.echo(f"tune: {s}", err=True))
        for path in write_params(params, model, data_dir.parent / "models", m, items, date):
            click.echo(f"wrote {path}", err=True)
        m = m.with_params(params, model)
    if split != "all":
        items = [it for it in items if it.split == split]
    ev = evaluate_all(m, items, date)
    city = evaluate_all(m, items, date, level="city")
    if as_json:
        margins = {
            g: {"baseline": base, "margin": mean, "interval_90": [lo, hi]}
            for g, (base, mean, lo, hi) in ev.margins().items()
        }
        doc = {
            "results": ev.results,
            "margins": margins,
            "per_prospect": ev.per_query,
            "out_of_domain": ev.ood,
            "city_level": {"results": city.results, "per_prospect": city.per_query},
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    text, ok = format_report(ev, date, city)
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
@PRESET
@LEVEL
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option(
    "--cache-max",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    envvar="MATCHER_CACHE_MAX_ENTRIES",
    help="Embeddings (and results) the cache keeps; the least recently used go first (env MATCHER_CACHE_MAX_ENTRIES).",
)
@click.option(
    "--scheduler",
    default=None,
    help="Score on Dask (the dask extra): local:N starts N single-threaded worker processes here; tcp://HOST:8786 "
    "uses a running cluster whose workers have this package, data/ and the model (README). Default: in this process.",
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
    level: str,
    as_of: object,
    cache_max: int,
    scheduler: str | None,
    data_dir: Path,
    cache_dir: Path,
    encoder: str,
) -> None:
    """Score a company list (CSV in UTF-8 or GBK, XLSX, JSONL). Killed and run again, it resumes."""
    from contextlib import ExitStack

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
    if location is not None and location not in m.index.row:
        raise click.BadParameter(f"unknown location {location!r}", param_hint="--for")
    from .engine import freeze_loaded

    freeze_loaded()  # the engine stays for the run
    opts = BatchOptions(
        top=top,
        location=location,
        preset=preset,
        as_of=as_of.date() if as_of is not None else None,  # type: ignore[attr-defined]
        level=level,  # type: ignore[arg-type]
    )
    errors_path = errors_path or output.with_name(output.stem + ".errors.csv")

    def started(resumed: int) -> None:
        if resumed:
            click.echo(f"resuming: {resumed} rows already done", err=True)

    with ExitStack() as stack:
        runner = None
        if scheduler:
            from .batch.distributed import DaskRunner, engine_for, parse_local

            try:
                if scheduler.startswith("local:"):
                    parse_local(scheduler)
                config = MatcherConfig(data_dir=data_dir, cache_dir=cache_dir, encoder=encoder)
                runner = stack.enter_context(DaskRunner(scheduler, engine_for(config, m, cache_max)))
            except (ValueError, RuntimeError, OSError) as err:
                raise click.ClickException(str(err)) from err
        bar = stack.enter_context(
            tqdm(total=prepared.total, unit="row", disable=not sys.stderr.isatty(), file=sys.stderr)
        )
        try:
            res = score_file(
                m,
                input_path,
                prepared,
                output,
                errors_path,
                opts,
                cache_dir,
                bar.update,
                started,
                cache_max=cache_max,
                runner=runner,
            )
        except (RuntimeError, OSError) as err:  # the cluster starts on the first chunk to score
            if runner is None:
                raise
            raise click.ClickException(str(err)) from err
    hits, encoded = (res.cache_hits, res.encoded) if runner is None else runner.counts[:2]
    where = ""
    if runner is not None:
        where = f" on {scheduler}" if runner.started else f" (all from the result cache: {scheduler} not started)"
    evicted = f", {res.evicted} old cache entries dropped" if res.evicted else ""
    click.echo(
        f"{res.total} rows ({res.encoding or 'xlsx'}): {res.scored} scored{where} → {output}, {res.errors} errors → "
        f"{errors_path}; {res.rate:.0f} rows/s, {hits} embeddings from cache, {encoded} encoded" + evicted,
        err=True,
    )


@main.command(name="bench-batch")
@click.option("--rows", type=click.IntRange(100, 1_000_000), default=20_000, show_default=True)
@click.option("--rounds", type=click.IntRange(1, 10), default=3, show_default=True)
@click.option(
    "--scheduler",
    default=None,
    help="local:N: time the batch on 1 Dask worker and on N instead, and print the speed-up.",
)
@click.option(
    "--profile",
    is_flag=True,
    help="Print instead the engine's CPU time per row in each stage (read, signals, score, explain, projection) "
    "and the encoder's, on --rows fresh synthetic rows a round (3000 is plenty).",
)
@DATA
@CACHE
@ENCODER
def bench_batch(
    rows: int, rounds: int, scheduler: str | None, profile: bool, data_dir: Path, cache_dir: Path, encoder: str
) -> None:
    """Batch rows/s against the raw encoder run the best way here (or 1 Dask worker against N), peak memory, warm
    re-run, one-million estimate; or, with --profile, where the engine's time goes."""
    from .batch.bench import run_batch_bench, run_scale_bench

    m = _matcher(data_dir, cache_dir, encoder)
    if profile:
        from .batch.profile import run_profile

        click.echo("\n".join(run_profile(m, rows, rounds).lines()))
        return
    if scheduler is not None:
        if not scheduler.startswith("local:"):
            raise click.BadParameter("the bench starts its own workers: local:N", param_hint="--scheduler")
        click.echo("\n".join(run_scale_bench(m, encoder, scheduler, rows, rounds).lines()))
        return
    click.echo("\n".join(run_batch_bench(m, encoder, rows, rounds).lines()))
