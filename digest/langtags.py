"""Language tags (BCP 47), for ``language`` in ``digest.toml`` and ``lang`` in front-matter:
what ends up in ``<html lang>`` and ``<article lang>``."""

from __future__ import annotations

import re
from functools import lru_cache

_SUBTAGS = re.compile(r"[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*")
"""The tag's shape: langcodes also reads ``en_US``, which no HTML reader does."""


@lru_cache(maxsize=256)
def language_tag_problem(tag: str) -> str | None:
    """Why ``tag`` is not a registered language tag (``en``, ``pt-BR``, ``zh-Hant-TW``), or
    None. Registered, not only well-formed: ``English`` has the form of a language subtag
    (five to eight letters) but names no language, and ``xx`` or ``eng`` is no subtag."""
    problem = f"{tag!r} is not a language tag (e.g. 'en', 'pt-BR')"
    if not _SUBTAGS.fullmatch(tag):
        return problem
    # Imported here: loading its registry takes ~0.1 s, paid only by sites that set a tag.
    from langcodes import Language

    try:
        valid = Language.get(tag, normalize=False).is_valid()
    except ValueError:  # langcodes' LanguageTagError: not even well-formed
        valid = False
    return None if valid else problem
