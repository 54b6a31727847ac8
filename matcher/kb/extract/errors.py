"""Why a document cannot be extracted: one exception type per kind of bad input, each with a plain message."""

from __future__ import annotations


class ExtractError(Exception):
    """A document the extractor cannot use; `str(err)` is a message for the person who supplied it."""

    code = "extract_error"


class UnsupportedFormat(ExtractError):
    code = "unsupported_format"


class FileTooLarge(ExtractError):
    code = "file_too_large"


class EmptyDocument(ExtractError):
    code = "empty_document"


class NoTextLayer(ExtractError):
    """A scanned PDF or an image-only file: there is no text to quote."""

    code = "no_text_layer"


class UnreadableFile(ExtractError):
    """The file is damaged or not what its extension says."""

    code = "unreadable_file"


class NotPolicyDocument(ExtractError):
    code = "not_policy_document"


class NoSectionNumbering(ExtractError):
    code = "no_section_numbering"
