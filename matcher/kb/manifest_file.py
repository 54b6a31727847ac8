"""Edit data/sources/manifest.yaml as text: append or remove one entry, leaving every other line as it is."""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Indented(yaml.SafeDumper):
    """Lists indented under their key, as the manifest writes them (`  parts:` then `    - label: …`)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def entry_yaml(entry: dict[str, Any]) -> str:
    """One manifest entry as the file writes it: a list item, two-space indented."""
    return yaml.dump([entry], Dumper=_Indented, allow_unicode=True, sort_keys=False, width=120)


def append_entry(text: str, entry: dict[str, Any]) -> str:
    """The manifest with `entry` appended after a blank line."""
    return text.rstrip("\n") + "\n\n" + entry_yaml(entry)


def _starts(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(1)) for m in re.finditer(r"^- id:\s*(\S+)\s*$", text, flags=re.MULTILINE)]


def remove_entry(text: str, doc_id: str) -> str:
    """The manifest without the entry whose id is `doc_id` (from its `- id:` line to the next one); KeyError if
    there is none."""
    starts = _starts(text)
    for k, (at, ident) in enumerate(starts):
        if ident.strip("'\"") == doc_id:
            end = starts[k + 1][0] if k + 1 < len(starts) else len(text)
            return (text[:at] + text[end:]).rstrip("\n") + "\n"
    raise KeyError(doc_id)
