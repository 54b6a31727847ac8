"""Command line for policy ingestion: `matcher kb extract`, `extract-eval`, `import` and `withdraw`."""

from __future__ import annotations

import getpass
import sys
import time
from pathlib import Path

import click

from .cli_options import CACHE, DATA
from .encoders import DEFAULT_ENCODER, create_encoder
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
@CACHE
def extract(
    data_dir: Path,
    file: Path,
    doc_id: str,
    exclude: tuple[str, ...],
    output: Path | None,
    allow_unnumbered: bool,
    cache_dir: Path,
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
        encoder = create_encoder(DEFAULT_ENCODER, cache_dir)  # its unpacked model is read from the cache folder
        ex = Extractor(kb, options.exclude_docs, encoder=encoder).run(doc, file.name, options, progress)
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
@CACHE
def extract_eval(data_dir: Path, docs: tuple[str, ...], cache_dir: Path) -> None:
    """Leave-one-document-out: extract each document with classifiers trained on the others; exit 1 below target."""
    from .kb.extract.evaluate import evaluate, format_report

    try:
        kb = load_kb(data_dir)
    except KBError as err:
        raise click.ClickException(str(err)) from err
    unknown = [d for d in docs if d not in kb.sources]
    if unknown:
        raise click.ClickException(f"unknown document(s) {unknown}; known: {sorted(kb.sources)}")
    encoder = create_encoder(DEFAULT_ENCODER, cache_dir)
    report = evaluate(kb, list(docs) or None, lambda d: click.echo(f"extracting {d} …", err=True), encoder)
    click.echo(format_report(report))
    if any(ok is False for ok in report.passed().values()):
        sys.exit(1)


def _refused(issues: list[object]) -> None:
    for i in issues:
        click.echo(str(i), err=True)
    click.echo(f"{len(issues)} problem(s); nothing written", err=True)
    sys.exit(1)


@click.command(name="import")
@DATA
@click.argument("staging", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The reviewed manifest entry (default: STEM.manifest.yaml beside STAGING, when there is one).",
)
@click.option(
    "--text",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The document's extracted text (default: the file the entry names, beside STAGING).",
)
@click.option("--dry-run", is_flag=True, help="Check only; write nothing.")
def import_(data_dir: Path, staging: Path, manifest: Path | None, text: Path | None, dry_run: bool) -> None:
    """Add the reviewed measures in STAGING (a YAML list, each with `location`; `review.status: rejected` items
    are skipped). With a manifest entry for a new document, its text and entry are added too, all validated
    together: nothing is written unless the whole knowledge base passes `matcher kb validate`."""
    from .kb.documents import add_document, load_entry, staged_items
    from .kb.imports import import_measures
    from .kb.load import read_kb

    sibling = Path(f"{staging.with_suffix('')}.manifest.yaml")
    manifest = manifest or (sibling if sibling.is_file() else None)
    kb, _ = read_kb(data_dir)
    try:
        entry = load_entry(manifest) if manifest else None
        items = staged_items(staging)
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    if entry is None or (kb is not None and entry.get("id") in kb.sources):
        if entry is not None:
            click.echo(f"document {entry.get('id')!r} is already in the knowledge base: adding measures only", err=True)
        res = import_measures(data_dir, staging, dry_run=dry_run)
        if res.issues:
            _refused(list(res.issues))
        added = res.added
    else:
        if str(entry.get("title_en", "")).startswith("TODO"):
            raise click.ClickException(f"{manifest}: title_en: write the English title")
        text_file = text or staging.parent / str(entry.get("file", ""))
        if not text_file.is_file():
            raise click.ClickException(f"the document's text {text_file} is missing; pass --text")
        change = add_document(
            data_dir, entry=entry, text=text_file.read_text(encoding="utf-8"), measures=items, dry_run=dry_run
        )
        if change.issues:
            _refused(list(change.issues))
        added = change.added
        if not dry_run:
            click.echo(f"added document {change.doc_id} ({entry.get('file')}) to the manifest", err=True)
    kept = [i for i in items if isinstance(i, dict) and _kept(i)]
    drafts = sum(1 for i in kept if "[machine draft" in str(i.get("offer_en", "")))
    if drafts:
        click.echo(f"note: {drafts} measure(s) keep the machine's English draft; rewrite them", err=True)
    verb = "would add" if dry_run else "added"
    click.echo(f"{verb} {sum(added.values())} measures: " + ", ".join(f"{k} +{n}" for k, n in added.most_common()))


@click.command()
@DATA
@click.argument("doc_id")
@click.option("--reason", required=True, help='Why it is withdrawn, e.g. "superseded by gz-biomed-2026".')
@click.option("--by", default=getpass.getuser, show_default="your user name", help="Who withdraws it.")
@click.option("--dry-run", is_flag=True, help="Check only; write nothing.")
def withdraw(data_dir: Path, doc_id: str, reason: str, by: str, dry_run: bool) -> None:
    """Withdraw DOC_ID (superseded or revoked): remove its measures, its manifest entry and its text, and record
    who, when and why in sources/withdrawn.yaml. Refused if the rest would not validate."""
    from .kb.documents import withdraw_document

    change = withdraw_document(data_dir, doc_id, by=by, reason=reason, dry_run=dry_run)
    if change.issues:
        _refused(list(change.issues))
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {doc_id}: {sum(change.removed.values())} measures ("
        + ", ".join(f"{k} -{n}" for k, n in change.removed.most_common())
        + ")"
    )


def _kept(item: dict[str, object]) -> bool:
    review = item.get("review")
    return not (isinstance(review, dict) and review.get("status") == "rejected")
