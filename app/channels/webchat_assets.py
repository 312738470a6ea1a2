"""The survivor pages' inline script and styles, and the Content-Security-Policy that allows
exactly them (app/channels/webchat.py serves them).

Inline, so a page is one request and nothing of it can be fetched again from a cache; allowed
by their hashes, never by 'unsafe-inline', so no script but ours can run on a survivor's page
(docs/threat-model.md, A1 and A3). The chat pages run chat.js; the guidance page (/notes) runs
only notes.js (its quick exit), under a policy of its own that allows nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from app.cover_sites import CoverSite
from app.crypto import csp_hash

ASSETS = Path(__file__).resolve().parent.parent / "web_assets"


@dataclass(frozen=True)
class Assets:
    """The inline scripts and styles, and the CSP of each page that allows exactly them."""

    js: str
    css: str
    csp: str  # the chat's pages and every JSON answer
    notes_js: str
    notes_csp: str  # the guidance page: notes.js, and no connection anywhere

    @classmethod
    def build(cls, cover: CoverSite) -> Assets:
        js = asset_text("chat.js")
        notes_js = asset_text("notes.js")
        css = (asset_text("chat.css")
               .replace("%(background)s", cover.background).replace("%(accent)s", cover.accent))
        return cls(js, css, _policy(js, css, connect="'self'"), notes_js,
                   _policy(notes_js, css, connect="'none'"))


def _policy(script: str, css: str, *, connect: str) -> str:
    return "; ".join((
        "default-src 'none'",
        f"script-src '{csp_hash(script)}'",
        f"style-src '{csp_hash(css)}'",
        "img-src data:",
        f"connect-src {connect}",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ))


# A script's `// @include other.js` line (on a line of its own) is replaced by that file, once,
# before comments go and the hash is taken: code both pages' scripts need (Shift x3) is written
# once and still sent inline in each, each page one request.
_INCLUDE = re.compile(r"^[ \t]*// @include ([a-z_]+\.js)[ \t]*$", re.MULTILINE)


def asset_text(name: str) -> str:
    """An asset as sent: its includes in place, its comment lines gone."""
    source = (ASSETS / name).read_text(encoding="utf-8")
    source = _INCLUDE.sub(
        lambda line: (ASSETS / line.group(1)).read_text(encoding="utf-8").rstrip("\n"), source)
    return without_comments(source)


# A comment on a line of its own: `// ...` in the script, `/* ... */` (one or more lines) in
# the styles. Comments inside a line of code are kept: telling them apart from a string
# would need a parser, and they are few.
_COMMENT_LINES = re.compile(r"^[ \t]*(?://[^\n]*|/\*(?:[^*]|\*(?!/))*\*/[ \t]*)\n", re.MULTILINE)


def without_comments(source: str) -> str:
    """The asset as sent: its comments say why for whoever edits it, and cost every page
    (each cover with the chat must stay one response under 50 KB, tests/channels/
    test_webchat_covers.py), so the survivor's phone is not sent them."""
    return _COMMENT_LINES.sub("", source)
