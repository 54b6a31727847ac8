"""Policy ingestion: propose cited measures and a manifest entry from a new policy document, for review."""

from .errors import (
    EmptyDocument,
    ExtractError,
    FileTooLarge,
    NoSectionNumbering,
    NoTextLayer,
    NotPolicyDocument,
    UnreadableFile,
    UnsupportedFormat,
)
from .proposal import Extraction, Proposal, Skipped
from .propose import ExtractOptions, Extractor, Progress, extract
from .read import DocumentText, Gap, read_bytes, read_file
from .staging import dump_manifest, dump_staging, staging_item, write_outputs

__all__ = [
    "DocumentText",
    "EmptyDocument",
    "ExtractError",
    "ExtractOptions",
    "Extraction",
    "Extractor",
    "FileTooLarge",
    "Gap",
    "NoSectionNumbering",
    "NoTextLayer",
    "NotPolicyDocument",
    "Progress",
    "Proposal",
    "Skipped",
    "UnreadableFile",
    "UnsupportedFormat",
    "dump_manifest",
    "dump_staging",
    "extract",
    "read_bytes",
    "read_file",
    "staging_item",
    "write_outputs",
]
