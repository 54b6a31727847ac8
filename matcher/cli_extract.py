"""Command line for policy ingestion: `matcher kb extract` and `matcher kb extract-eval`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli_options import DATA
from .kb import KBError, load_kb
from .kb.sections import Part


@click.command()
@DATA
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--doc-id", required=True, help="Id for the new document, e.g. gz-biomed-2026.")
@click.option("--exclude-doc", "exclude", multiple=True, help="Curated document the classifiers must not learn from.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Staging YAML to write; STEM.manifest.yaml and the extracted text are written beside it.",
)
@click.option("--allow-unnumbered", is_flag=True, help="Extract a document with no section numbering.")
def extract(
    data_dir: Path, file: Path, doc_id: str, exclude: tuple[str, ...], output: Path | None, allow_unnumbered: bool
) -> None:
    """Propose measures from FILE (.txt, .docx, .pdf with a text layer, .html) for review and `kb import`."""
    from .kb.extract import ExtractError, ExtractOptions, Extractor, dump_staging, read_file, write_outputs

    try:
        kb = load_kb(data_dir)
    except KBError as err:
        raise click.ClickException(str(err)) from err
    if doc_id in kb.sources and doc_id not in exclude:
        raise click.ClickException(
            f"document id {doc_id!r} is already in the knowledge base; choose a new id, or pass --exclude-doc {doc_id} "
            "to re-extract it without learning from its curated measures"
        )
    unknown = [d for d in exclude if d not in kb.sources]
    if unknown:
        raise click.ClickException(f"--exclude-doc: unknown document(s) {unknown}; known: {sorted(kb.sources)}")
    t0 = time.perf_counter()

    def progress(stage: str, done: float) -> None:
        click.echo(f"[{done:4.0%}] {stage}", err=True)

    options = ExtractOptions(doc_id=doc_id, exclude_docs=list(exclude), allow_unnumbered=allow_unnumbered)
    if doc_id in kb.sources:  # re-extracting a known document: cite sections as its manifest numbers them
        options.parts = [Part(p.label, p.starts, p.ledger) for p in kb.sources[doc_id].source.parts]
    try:
        doc = read_file(file)  # bad files fail here, before any training
        progress("read", 0.05)
        ex = Extractor(kb, options.exclude_docs).run(doc, file.name, options, progress)
    except ExtractError as err:
        raise click.ClickException(f"{file.name}: {err}") from err
    checked = ("quote", "kind", "modality", "sectors", "location")
    low = sum(1 for p in ex.proposals if min(p.confidence.get(k, 1.0) for k in checked) < 0.5)
    if output is None:
        click.echo(dump_staging(ex))
    else:
        for path in write_outputs(ex, output):
            click.echo(f"wrote {path}", err=True)
    click.echo(
        f"{len(ex.proposals)} proposals ({low} with a field below 0.5 confidence), {len(ex.skipped)} sections "
        f"without one, {len(ex.gaps)} place(s) not read; {time.perf_counter() - t0:.1f} s",
        err=True,
    )
    for g in ex.gaps:
        click.echo(f"not read: {g.where}: {g.reason}", err=True)


@click.command(name="extract-eval")
@DATA
@click.option("--doc", "docs", multiple=True, help="Evaluate only these documents (default: all).")
def extract_eval(data_dir: Path, docs: tuple[str, ...]) -> None:
    """Leave-one-document-out: extract each document with classifiers trained on the others; exit 1 below target."""
    from .kb.extract.evaluate import evaluate, format_report

    try:
        kb = load_kb(data_dir)
    except KBError as err:
        raise click.ClickException(str(err)) from err
    unknown = [d for d in docs if d not in kb.sources]
    if unknown:
        raise click.ClickException(f"unknown document(s) {unknown}; known: {sorted(kb.sources)}")
    report = evaluate(kb, list(docs) or None, progress=lambda d: click.echo(f"extracting {d} …", err=True))
    click.echo(format_report(report))
    if any(ok is False for ok in report.passed().values()):
        sys.exit(1)
