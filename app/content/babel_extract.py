"""A Babel extractor for flow files: message ids out of flows/*.yaml into messages.pot.

Registered in pyproject.toml as the `quietline_flows` extraction method and used by
babel.cfg, so `pybabel extract` (run by `make translations`) finds every message a flow says
or declares, with the file and line, and the English text as a comment for translators (the
English catalogue is the source text: msgids are ids, not sentences).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import yaml
from babel.messages.pofile import read_po

from app.content.catalogues import variant_id

_MESSAGE_LISTS = ("say", "messages")
_MESSAGE_VALUES = ("too_short",)  # single message ids (a secret step's "too short" answer)
_VARIANTS = "variants"  # flows/channels.yaml: messages with a channel's own wording


def extract_flow_messages(
    fileobj: IO[bytes],
    keywords: Any,
    comment_tags: Any,
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield (line, function, message id, comments) as Babel's extractor protocol expects."""
    english = _english(options.get("english"))
    try:
        root = yaml.compose(fileobj.read().decode("utf-8"))
    except yaml.YAMLError:
        return  # `flask flows check` reports the broken file with its position
    for lineno, message_id in _message_ids(root):
        comments = [f"English: {english[message_id]}"] if message_id in english else []
        yield lineno, None, message_id, comments


def _message_ids(node: Any, owner: str | None = None) -> Iterator[tuple[int, str]]:
    """`owner` is the key the node sits under: in flows/channels.yaml, the channel whose
    `variants` are catalogue ids with "@channel" added (app/content/channels.py)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if (isinstance(key, yaml.ScalarNode) and key.value in _MESSAGE_LISTS
                    and isinstance(value, yaml.SequenceNode)):
                for item in value.value:
                    if isinstance(item, yaml.ScalarNode):
                        yield item.start_mark.line + 1, str(item.value)
            elif (isinstance(key, yaml.ScalarNode) and key.value == _VARIANTS and owner
                    and isinstance(value, yaml.SequenceNode)):
                for item in value.value:
                    if isinstance(item, yaml.ScalarNode):
                        yield item.start_mark.line + 1, variant_id(str(item.value), owner)
            elif (isinstance(key, yaml.ScalarNode) and key.value in _MESSAGE_VALUES
                    and isinstance(value, yaml.ScalarNode)):
                yield value.start_mark.line + 1, str(value.value)
            else:
                yield from _message_ids(value, key.value if isinstance(key, yaml.ScalarNode)
                                        else None)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _message_ids(item)


def _english(path: str | None) -> dict[str, str]:
    if not path or not Path(path).exists():
        return {}
    with Path(path).open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string).replace("\n", " / ") for m in catalog if m.id}
