"""Text cells as spreadsheets read them (SPEC §7): the one rule that export and import share.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula
(or a control character) by Excel or LibreOffice; the export writes such text with one leading
`'`, which spreadsheets show as text, and the importer takes that `'` off again, so that an
exported file imports back as it was.
"""

from __future__ import annotations

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escaped(text: str) -> str:
    """The text as the export writes it.

    >>> escaped("=SUM(A1)"), escaped("Acme")
    ("'=SUM(A1)", 'Acme')
    """
    return "'" + text if text.startswith(DANGEROUS_STARTS) else text


def unescaped(text: str) -> str:
    """The text the export wrote as `escaped(text)`; any other text as it is.

    >>> unescaped("'=SUM(A1)"), unescaped("'quoted")
    ('=SUM(A1)', "'quoted")
    """
    return text[1:] if text.startswith("'") and text.startswith(DANGEROUS_STARTS, 1) else text
