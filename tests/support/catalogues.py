"""A copy of the shipped Babel catalogues with some texts left unconfirmed (fuzzy). Every
shipped text is confirmed (tests/content/test_every_text_translated.py), but a partnership's
translator may still run on drafts, so tests of what drafts do start from such a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.config import DEFAULT_TRANSLATIONS


def with_unconfirmed(folder: Path, language: str, domain: str,
                     message_ids: tuple[str, ...]) -> Path:
    """The shipped catalogues copied to `folder`/translations, with `message_ids` of
    `language`'s `domain` catalogue marked fuzzy; the copy's path."""
    copy = folder / "translations"
    shutil.copytree(DEFAULT_TRANSLATIONS, copy)
    po = copy / language / "LC_MESSAGES" / f"{domain}.po"
    text = po.read_text(encoding="utf-8")
    for message_id in message_ids:
        entry = f'\nmsgid "{message_id}"\n'
        assert entry in text, message_id
        text = text.replace(entry, f"\n#, fuzzy{entry}", 1)
    po.write_text(text, encoding="utf-8")
    return copy
