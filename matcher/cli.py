"""Command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .kb import KBError, default_data_dir, load_kb
from .kb.imports import import_measures
from .kb.load import check_kb, read_kb
from .kb.stats import Stats, kb_stats

DATA = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="MATCHER_DATA",
    default=default_data_dir,
    show_default="the repository's data/",
    help="Knowledge-base folder (env MATCHER_DATA).",
)


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
