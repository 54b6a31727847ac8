"""Add a whole policy document to the knowledge base (its text, manifest entry, new places and measures) or
withdraw one, each validated as one change: nothing is written unless the whole result passes every check."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .base import Issue, KnowledgeBase, SourceText, read_source
from .imports import dump_location, focus_of
from .load import check_kb, data_hash, pydantic_issues, read_kb, read_yaml
from .manifest_file import append_entry, entry_yaml, remove_entry
from .models import ALL_SECTORS, Location, Measure, Source

MANIFEST = "sources/manifest.yaml"
WITHDRAWN = "sources/withdrawn.yaml"  # the record of withdrawn documents: who, when, why
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.txt$")


@dataclass
class DocumentChange:
    """What adding or withdrawing a document did, or would do (`dry_run`), or why it was refused (`issues`)."""

    doc_id: str
    added: Counter[str] = field(default_factory=Counter)  # location id -> measures added
    removed: Counter[str] = field(default_factory=Counter)  # location id -> measures removed
    new_locations: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kb_hash_before: str = ""
    kb_hash_after: str = ""

    @property
    def ok(self) -> bool:
        return not self.issues


def manifest_entry(source: Source) -> dict[str, Any]:
    """A manifest entry as the file writes it: model order, optional parts left out when empty."""
    data = source.model_dump()
    for key in ("short_zh", "short_en"):
        if data[key] is None:
            del data[key]
    for key in ("parts", "no_measures"):
        if not data[key]:
            del data[key]
    for part in data.get("parts", []):
        if not part["ledger"]:
            del part["ledger"]
    return data


def _measures(
    staged: Sequence[dict[str, Any]], where: str, locations: dict[str, Location]
) -> tuple[dict[str, list[Measure]], list[Issue]]:
    """Staged items (a measure plus `location`, and `review`, which is dropped) by location; rejected items are
    skipped."""
    out: dict[str, list[Measure]] = {}
    issues: list[Issue] = []
    for i, raw in enumerate(staged):
        if not isinstance(raw, dict):
            issues.append(Issue(where, f"[{i}]", "expected a mapping"))
            continue
        item = dict(raw)
        review = item.pop("review", None)
        if isinstance(review, dict) and review.get("status") == "rejected":
            continue
        loc_id = item.pop("location", None)
        if loc_id not in locations:
            issues.append(Issue(where, f"[{i}].location", f"unknown location {loc_id!r}"))
            continue
        try:
            out.setdefault(str(loc_id), []).append(Measure.model_validate(item))
        except ValidationError as err:
            issues.extend(pydantic_issues(where, err, f"[{i}]."))
    return out, issues


class _Writes:
    """Files to write and delete as one change: new contents go to temporary files first, then replace the old
    ones; if any step fails, every file already changed gets its old content back."""

    def __init__(self) -> None:
        self.files: dict[Path, str | None] = {}  # path -> new text, None to delete

    def write(self, path: Path, text: str) -> None:
        self.files[path] = text

    def delete(self, path: Path) -> None:
        self.files[path] = None

    def apply(self) -> None:
        staged: dict[Path, str] = {}
        old: dict[Path, bytes | None] = {}
        try:
            for path, text in self.files.items():
                if text is not None:
                    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                        f.write(text)
                    staged[path] = tmp
            for path, text in self.files.items():
                old[path] = path.read_bytes() if path.exists() else None
                if text is None:
                    path.unlink(missing_ok=True)
                else:
                    os.replace(staged.pop(path), path)
        except BaseException:
            for path, data in old.items():
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(data)
            raise
        finally:
            for tmp in staged.values():
                Path(tmp).unlink(missing_ok=True)


def add_document(
    root: Path,
    *,
    entry: dict[str, Any],
    text: str,
    measures: Sequence[dict[str, Any]],
    new_locations: Sequence[dict[str, Any]] = (),
    dry_run: bool = False,
) -> DocumentChange:
    """Add a document: its text under sources/ (the file the entry names), the entry appended to the manifest,
    new location files, and its measures appended to their locations. The knowledge base with all of it must
    pass every check of `matcher kb validate`; otherwise nothing is written and `issues` says why."""
    kb, issues = read_kb(root)
    change = DocumentChange(str(entry.get("id", "")))
    if kb is None or issues:
        change.issues = issues or [Issue(str(root), "-", "the knowledge base does not load")]
        return change
    change.kb_hash_before = kb.content_hash
    try:
        source = Source.model_validate(entry)
    except ValidationError as err:
        change.issues = pydantic_issues(MANIFEST, err, "new entry.")
        return change
    change.doc_id = source.id
    if source.id in kb.sources:
        change.issues.append(Issue(MANIFEST, "id", f"document {source.id!r} is already in the knowledge base"))
    if not _FILE.match(source.file):
        change.issues.append(Issue(MANIFEST, "file", f"{source.file!r}: a plain file name ending in .txt"))
    elif any(s.source.file == source.file for s in kb.sources.values()):
        change.issues.append(Issue(MANIFEST, "file", f"{source.file!r} is another document's file"))
    if not text.strip():
        change.issues.append(Issue(source.file, "-", "the text is empty"))
    locations = dict(kb.locations)
    files = dict(kb.files)
    for i, raw in enumerate(new_locations):
        try:
            loc = Location.model_validate({**raw, "measures": []})
        except ValidationError as err:
            change.issues += pydantic_issues("new locations", err, f"[{i}].")
            continue
        if loc.id in locations:
            change.issues.append(Issue("new locations", f"[{i}].id", f"location {loc.id!r} already exists"))
            continue
        locations[loc.id] = loc
        files[loc.id] = str(root / "parks" / f"{loc.id}.yaml")
        change.new_locations.append(loc.id)
    if change.issues:
        return change
    new, bad = _measures(measures, f"measures of {source.id}", locations)
    if bad:
        change.issues = bad
        return change
    for loc_id, ms in new.items():
        grown = locations[loc_id].model_copy(update={"measures": [*locations[loc_id].measures, *ms]})
        locations[loc_id] = grown.model_copy(update={"focus_sectors": focus_of(grown)})
        change.added[loc_id] += len(ms)
    sources = dict(kb.sources)
    sources[source.id] = read_source_text(source, text)
    merged = replace(kb, sources=sources, locations=locations, files=files)
    change.issues = check_kb(merged)
    if change.issues or dry_run:
        return change
    writes = _Writes()
    writes.write(root / "sources" / source.file, text)
    manifest = root / MANIFEST
    writes.write(manifest, append_entry(manifest.read_text(encoding="utf-8"), manifest_entry(source)))
    for loc_id in {*new, *change.new_locations}:
        writes.write(Path(files[loc_id]), dump_location(locations[loc_id]))
    writes.apply()
    change.written = [str(p) for p in writes.files]
    change.kb_hash_after = data_hash(root)
    return change


def read_source_text(source: Source, text: str) -> SourceText:
    """A SourceText for `text` without a file on disk (it is validated before it is written)."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / source.file).write_text(text, encoding="utf-8")
        return read_source(source, Path(tmp))


def _without(loc: Location, doc_id: str, kb: KnowledgeBase) -> tuple[Location, int]:
    """The location without the measures its document is `doc_id`, other measures' citations of it dropped,
    and focus sectors that no remaining measure backs dropped."""
    kept = []
    for m in loc.measures:
        if m.source.doc == doc_id:
            continue
        cited = [c for c in m.also_cited if c.doc != doc_id]
        kept.append(m if len(cited) == len(m.also_cited) else m.model_copy(update={"also_cited": cited}))
    named = {s for m in kept for s in m.sectors if s != ALL_SECTORS}
    backed = named | kb.taxonomy.expand(list(named))
    focus = [s for s in loc.focus_sectors if s in backed]
    return loc.model_copy(update={"measures": kept, "focus_sectors": focus}), len(loc.measures) - len(kept)


def withdraw_document(
    root: Path, doc_id: str, *, by: str, reason: str, when: dt.date | None = None, dry_run: bool = False
) -> DocumentChange:
    """Remove a document: its measures, other measures' citations of it, its manifest entry and its text. The
    record (who, when, why, how many measures) is appended to sources/withdrawn.yaml. Refused, with the issues,
    if the knowledge base would not pass every check without it."""
    kb, issues = read_kb(root)
    change = DocumentChange(doc_id)
    if kb is None or issues:
        change.issues = issues or [Issue(str(root), "-", "the knowledge base does not load")]
        return change
    change.kb_hash_before = kb.content_hash
    if doc_id not in kb.sources:
        change.issues.append(Issue(MANIFEST, "id", f"no document {doc_id!r}; known: {sorted(kb.sources)}"))
        return change
    if not reason.strip():
        change.issues.append(Issue("withdrawal", "reason", "say why the document is withdrawn"))
        return change
    locations = dict(kb.locations)
    changed: list[str] = []
    for loc_id, loc in kb.locations.items():
        if not any(c.doc == doc_id for m in loc.measures for c in m.citations):
            continue
        locations[loc_id], n = _without(loc, doc_id, kb)
        changed.append(loc_id)
        if n:
            change.removed[loc_id] += n
    sources = {k: v for k, v in kb.sources.items() if k != doc_id}
    merged = replace(kb, sources=sources, locations=locations)
    change.issues = check_kb(merged)
    if change.issues or dry_run:
        return change
    source = kb.sources[doc_id].source
    writes = _Writes()
    manifest = root / MANIFEST
    writes.write(manifest, remove_entry(manifest.read_text(encoding="utf-8"), doc_id))
    writes.delete(root / "sources" / source.file)
    record = {
        "id": doc_id,
        "title": source.title,
        "file": source.file,
        "withdrawn": when or dt.date.today(),
        "by": by,
        "reason": reason.strip(),
        "measures": sum(change.removed.values()),
    }
    ledger = root / WITHDRAWN
    if ledger.exists():
        writes.write(ledger, ledger.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + entry_yaml(record))
    else:
        writes.write(ledger, _WITHDRAWN_HEAD + entry_yaml(record))
    for loc_id in changed:
        writes.write(Path(kb.files[loc_id]), dump_location(locations[loc_id]))
    writes.apply()
    change.written = [str(p) for p, t in writes.files.items() if t is not None]
    change.deleted = [str(p) for p, t in writes.files.items() if t is None]
    change.kb_hash_after = data_hash(root)
    return change


_WITHDRAWN_HEAD = (
    "# Policy documents withdrawn from the knowledge base (superseded or revoked): who, when, why, and how many\n"
    "# measures went with them. Their text and measures stay in the git history.\n"
)


def withdrawn(root: Path) -> list[dict[str, Any]]:
    """The record of withdrawn documents, oldest first."""
    path = root / WITHDRAWN
    data = read_yaml(path) if path.exists() else None
    return list(data or [])


def staged_items(path: Path) -> list[Any]:
    """The items of a staging file (a YAML list); an empty file is an empty list."""
    raw = read_yaml(path)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a YAML list of measures")
    return raw


def load_entry(path: Path) -> dict[str, Any]:
    """The one entry of a reviewed STAGING.manifest.yaml (a list of one entry, as `matcher kb extract` writes)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], dict):
        return raw[0]
    if isinstance(raw, dict):
        return raw
    raise ValueError(f"{path}: expected one manifest entry")
