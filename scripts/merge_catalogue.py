"""Merge a template's message ids into a translator's catalogue, touching nothing else.

    python scripts/merge_catalogue.py translations/web.pot translations/pl/LC_MESSAGES/web.po

`make translations` runs it for every catalogue instead of `pybabel update`, which rewrites the
whole file: it sorts entries differently and re-wraps translators' comments, so every merge was
a diff over lines no one changed and a translator's review notes lost their shape. Here:

- an id in the template but not in the catalogue is added after the last entry (before any
  obsolete ones), with the template's comments (the English text) and an empty msgstr, in the
  template's order: a new text has no translation yet, as with `pybabel update`;
- an id in the catalogue but no longer in the template is made obsolete (`#~ `), keeping its
  comments and translation for when it comes back;
- an obsolete id that is back in the template comes back marked fuzzy: its old translation may
  not fit the new text, so English is sent until a translator confirms it;
- every other byte (the header, comments, entry order, line wrapping) is left as it was, so a
  second run changes nothing.

Message ids in Quietline are ids ("chat.erase"), not sentences, so there is no fuzzy matching
between ids. Writes the catalogue only when something changed; prints what it did.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

_MSGID = re.compile(r'^(#~ )?msgid "(.*)"$')
_CONTINUATION = re.compile(r'^(#~ )?"(.*)"$')
_MESSAGE_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?) |^"')


@dataclass
class Block:
    """A run of non-blank lines (usually one entry) and the blank lines after it."""

    lines: list[str]
    after: str  # the separator that followed it in the file, byte for byte

    @property
    def msgid(self) -> str | None:
        """The entry's id (None for a block of comments only); "" for the header."""
        for number, line in enumerate(self.lines):
            found = _MSGID.match(line)
            if found:
                parts = [found.group(2)]
                for following in self.lines[number + 1:]:
                    more = _CONTINUATION.match(following)
                    if not more:
                        break
                    parts.append(more.group(2))
                return _unescape("".join(parts))
        return None

    @property
    def obsolete(self) -> bool:
        return any(line.startswith("#~ msgid ") for line in self.lines)

    def make_obsolete(self) -> None:
        self.lines = [f"#~ {line}" if _MESSAGE_LINE.match(line) else line
                      for line in self.lines]

    def revive_as_fuzzy(self) -> None:
        lines = [line[3:] if line.startswith("#~ ") else line for line in self.lines]
        flags = next((n for n, line in enumerate(lines) if line.startswith("#,")), None)
        if flags is None:
            first_message = next(n for n, line in enumerate(lines) if _MESSAGE_LINE.match(line))
            lines.insert(first_message, "#, fuzzy")
        elif "fuzzy" not in lines[flags]:
            lines[flags] += ", fuzzy"
        self.lines = lines


def _unescape(text: str) -> str:
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def read_blocks(text: str) -> list[Block]:
    """The file as blocks; `write_blocks` gives back the same text, byte for byte."""
    runs: list[tuple[str, str]] = []  # (non-blank lines, blank lines after them)
    for line in text.splitlines(keepends=True):
        if line.strip():
            if not runs or runs[-1][1]:
                runs.append(("", ""))
            runs[-1] = (runs[-1][0] + line, "")
        elif runs:
            runs[-1] = (runs[-1][0], runs[-1][1] + line)
        else:
            raise ValueError("a catalogue starts with its header or a comment, not a blank line")
    blocks = []
    for lines, blank in runs:
        body = lines.removesuffix("\n")
        blocks.append(Block(body.split("\n"), lines[len(body):] + blank))
    return blocks


def write_blocks(blocks: list[Block]) -> str:
    return "".join("\n".join(block.lines) + block.after for block in blocks)


def merge(template: str, catalogue: str) -> tuple[str, list[str]]:
    """The catalogue with the template's ids merged in, and a line per change."""
    wanted = [b for b in read_blocks(template) if b.msgid and not b.obsolete]
    wanted_ids = {b.msgid for b in wanted}
    blocks = read_blocks(catalogue)
    if write_blocks(blocks) != catalogue:
        raise ValueError("cannot read this catalogue back exactly; merge it by hand")
    changes: list[str] = []
    present: set[str | None] = set()
    for block in blocks:
        message_id = block.msgid
        if not message_id:
            continue  # the header, or comments on their own
        present.add(message_id)
        if block.obsolete and message_id in wanted_ids:
            block.revive_as_fuzzy()
            changes.append(f"back (fuzzy): {message_id}")
        elif not block.obsolete and message_id not in wanted_ids:
            block.make_obsolete()
            changes.append(f"obsolete: {message_id}")
    # Template entries are taken as written: the English as comments, msgid, msgstr "".
    new = [Block(list(b.lines), "\n\n") for b in wanted if b.msgid not in present]
    if new:
        live = [n for n, b in enumerate(blocks) if b.msgid is not None and not b.obsolete]
        at = (live[-1] + 1) if live else len(blocks)
        if at > 0 and blocks[at - 1].after.count("\n") < 2:
            blocks[at - 1].after = "\n\n"
        if at == len(blocks):
            new[-1].after = "\n"
        blocks[at:at] = new
        changes.extend(f"new: {b.msgid}" for b in new)
    return write_blocks(blocks), changes


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    template_path, catalogue_path = Path(argv[1]), Path(argv[2])
    catalogue = catalogue_path.read_text(encoding="utf-8")
    merged, changes = merge(template_path.read_text(encoding="utf-8"), catalogue)
    if merged != catalogue:
        catalogue_path.write_text(merged, encoding="utf-8")
    for change in changes:
        print(f"{catalogue_path}: {change}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
