"""Channel-true wording: what `flask flows check` asks of the texts the web chat shows.

SMS texts say "delete this chat from your phone" and "is it safe to be texting?"; on the web
chat those words are wrong, and "delete it from your phone" is advice that does not clear the
page. The design (flows/README.md, "Words for one channel"): a message keeps one id in the
flows, and a channel that needs other words has them in the catalogues under the id with
`@channel` added (`erase.done@web`, picked by app/content/catalogues.py, each language falling
back to its own plain text). Editing a wording is a catalogue edit a translator can make; no
flow changes. flows/channels.yaml lists, per channel, which messages have such a wording, the
phrases that belong to SMS alone (per language, data a partnership can extend), the messages
that channel never shows, and those allowed an SMS phrase, with the reason.

The check, for the web chat:
1. every message it can show (the flows walked as it runs them, `Flow.for_channel`, plus the
   messages the service sends itself, plus the web pages' own words) is rendered as it would
   be, in every language, and refused if it contains an SMS-only phrase of that language (or
   of English, or of every language, `"*"`);
2. every listed wording exists in English, and in every language that has the plain text,
   confirmed (a fuzzy one would leave that language on the SMS words), with the plain text's
   placeholders; a wording not listed is refused, since nothing would check it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.content.catalogues import CHANNEL_MARK, FALLBACK_LANGUAGE, Catalogues, variant_id
from app.flows import Flow, FlowError
from app.flows.folding import fold
from app.flows.loader import read_yaml

CHANNELS_FILE = "channels.yaml"
ALL_LANGUAGES = "*"
# (where, why, warning, the unconfirmed language of a fuzzy wording or None)
Found = tuple[str, str, bool, str | None]


@dataclass(frozen=True)
class ChannelWording:
    """One channel's entry in flows/channels.yaml."""

    channel: str
    variants: tuple[str, ...]  # message ids with a wording of their own on this channel
    never_shown: frozenset[str]  # messages this channel never sends
    phrases: dict[str, tuple[str, ...]]  # language (or "*") -> phrases that are not its words
    allowed: dict[str, str]  # message id -> why it may use such a phrase anyway
    source: str

    def patterns(self, language: str) -> list[tuple[str, re.Pattern[str]]]:
        said = (*self.phrases.get(language, ()), *self.phrases.get(FALLBACK_LANGUAGE, ()),
                *self.phrases.get(ALL_LANGUAGES, ()))
        return [(phrase, _pattern(phrase)) for phrase in dict.fromkeys(said)]


def _pattern(phrase: str) -> re.Pattern[str]:
    """Words matched whole in folded text (accents, case, apostrophes ignored, as intents
    are: app/flows/wording.py); `word*` matches any ending."""
    words = []
    for word in phrase.split():
        stem = fold(word.rstrip("*")).replace(" ", "")
        words.append(re.escape(stem) + (r"\S*" if word.endswith("*") else ""))
    return re.compile(r"(?<!\S)" + " ".join(words) + r"(?!\S)")


def load(flows_dir: Path) -> list[ChannelWording]:
    """flows/channels.yaml, or nothing if the file is absent (no channel has words of its own)."""
    path = flows_dir / CHANNELS_FILE
    if not path.exists():
        return []
    raw = read_yaml(path)
    source = str(path)
    if not isinstance(raw, dict):
        raise FlowError(source, "file", "must be a mapping of channels (web: ...)")
    return [_channel(str(name), body, source) for name, body in raw.items()]


def _ids(body: dict[str, Any], key: str, where: str, source: str) -> list[str]:
    value = body.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise FlowError(source, f"{where}.{key}", "must be a list of message ids")
    if any(CHANNEL_MARK in v for v in value):
        raise FlowError(source, f"{where}.{key}",
                        f"names plain message ids, without {CHANNEL_MARK}channel")
    return value


def _channel(name: str, body: Any, source: str) -> ChannelWording:
    if not isinstance(body, dict):
        raise FlowError(source, name, "must be a mapping (variants, sms_only_phrases...)")
    unknown = set(body) - {"variants", "never_shown", "sms_only_phrases", "allowed"}
    if unknown:
        raise FlowError(source, name, f"unknown keys: {', '.join(sorted(map(str, unknown)))}")
    phrases = body.get("sms_only_phrases") or {}
    if not isinstance(phrases, dict) or not all(
            isinstance(p, list) and all(isinstance(w, str) and w.strip() for w in p)
            for p in phrases.values()):
        raise FlowError(source, f"{name}.sms_only_phrases",
                        "must map each language to a list of phrases")
    allowed = body.get("allowed") or {}
    if not isinstance(allowed, dict) or not all(isinstance(why, str) and why.strip()
                                                for why in allowed.values()):
        raise FlowError(source, f"{name}.allowed", "must map message ids to the reason why")
    return ChannelWording(
        channel=name, variants=tuple(_ids(body, "variants", name, source)),
        never_shown=frozenset(_ids(body, "never_shown", name, source)),
        phrases={str(lang): tuple(words) for lang, words in phrases.items()},
        allowed={str(k): str(v) for k, v in allowed.items()}, source=source)


def shown_on(flow: Flow, wording: ChannelWording) -> dict[str, str]:
    """Every message the channel can show: message id -> where a flow says it. The flows are
    walked as that channel runs them, from every way in (the start, keywords, intents, the
    urgent, cover, locked and number-saved steps), so a step the channel replaces is not
    counted."""
    shown: dict[str, str] = {}
    # The web chat runs one of two ways: with a number to text and call from, it also offers
    # a safe number (`web_texts:` steps, app/conversation/safe_numbers.py). Both are walked.
    for runs in (flow.for_channel(wording.channel),
                 flow.for_channel(wording.channel, texts=True)):
        _walk(flow, runs, shown)
    for message_id, source in flow.service_messages.items():
        if message_id not in wording.never_shown:
            shown.setdefault(message_id, f"{source}: messages")
    return shown


def _walk(flow: Flow, runs: Flow, shown: dict[str, str]) -> None:
    """Add what `runs` (the flow as a channel runs it) can show, from every way in."""
    todo = [runs.start, *(k.goto for k in runs.keywords)]
    if runs.intents is not None:
        todo.extend(intent.goto for intent in runs.intents.intents)
    todo.extend(s for s in (runs.cover_step, runs.urgent_step, runs.locked_step,
                            runs.number_saved_step) if s)
    reached: set[str] = set()
    while todo:
        sid = todo.pop()
        if sid in reached or sid not in runs.steps:
            continue
        reached.add(sid)
        step = runs.steps[sid]
        named = step.id  # a replaced step is named by the step the channel runs instead
        for ref in (*step.say, *((step.secret.too_short,) if step.secret else ())):
            shown.setdefault(ref.id, f"{flow.source_of(named)}: step {named!r}")
        todo.extend(step.options.values())
        todo.extend(t for t in (step.otherwise, step.next) if t)
        if step.secret is not None:
            todo.append(step.secret.change_via)


def problems(flows_dir: Path, flow: Flow | None, catalogues: Catalogues,
             page_words: Catalogues | None = None) -> list[Found]:
    """What `flows check` reports about channel wording (see the module docstring)."""
    try:
        channels = load(flows_dir)
    except FlowError as error:
        return [(f"{error.source}: {error.where}", error.why, False, None)]
    found: list[Found] = []
    for wording in channels:
        found.extend(_variant_problems(wording, catalogues))
        if flow is not None:
            found.extend(_phrase_problems(wording, shown_on(flow, wording), catalogues))
        if page_words is not None and wording.channel == "web":
            pages = {mid: f"{page_words.sources.get(FALLBACK_LANGUAGE, 'web.po')}"
                     for language in page_words.languages
                     for mid, _ in page_words.messages(language)}
            found.extend(_phrase_problems(wording, pages, page_words, page=True))
    found.extend(_unlisted_wordings(channels, catalogues))
    found.extend(_unphrased_languages(channels, catalogues))
    return found


def _unphrased_languages(channels: list[ChannelWording], catalogues: Catalogues
                         ) -> list[Found]:
    """A language with no SMS-only phrases of its own is checked for English's alone: its own
    words for "text me" or "from your phone" would reach the web chat unseen (a warning, so
    a partnership's new language can run while its phrases are written)."""
    return [(f"flows/{CHANNELS_FILE}: {wording.channel}.sms_only_phrases [{language}]",
             f"lists no phrases for {language!r}, so its {wording.channel} chat texts are "
             "checked for English's SMS phrases only: add its words", True, None)
            for wording in channels if wording.phrases
            for language in catalogues.languages
            if language not in wording.phrases and language != FALLBACK_LANGUAGE]


def _phrase_problems(wording: ChannelWording, shown: dict[str, str],
                     catalogues: Catalogues, *, page: bool = False) -> list[Found]:
    """`page`: the web pages' own words, which only the web shows (no other wording)."""
    found: list[Found] = []
    allow = (f"or, if it speaks of the survivor's own phone (a number we may text), list it "
             f"under {wording.channel}.allowed in flows/{CHANNELS_FILE} with the reason")
    for language in catalogues.languages:
        patterns = wording.patterns(language)
        for message_id, where in sorted(shown.items()):
            if message_id in wording.allowed:
                continue
            try:
                text = catalogues.text(language, message_id, channel=wording.channel)
            except LookupError:
                continue  # no text at all: reported as such by the rest of the check
            said = fold(text)
            for phrase, pattern in patterns:
                if pattern.search(said):
                    fix = ("change the text, " if page else
                           f"give it a {wording.channel} wording "
                           f"({variant_id(message_id, wording.channel)}, listed in "
                           f"flows/{CHANNELS_FILE}) or change the text, ")
                    found.append((
                        f"{where}: {message_id} [{language}]",
                        f"says {phrase!r}, which belongs to SMS, on the {wording.channel} "
                        f"chat: {fix}{allow}", False, None))
                    break
    return found


def _fields(text: str | None) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text or "")
                if name is not None}
    except ValueError:
        return set()  # reported by check_text


def _variant_problems(wording: ChannelWording, catalogues: Catalogues) -> list[Found]:
    found: list[Found] = []
    for message_id in wording.variants:
        own = variant_id(message_id, wording.channel)
        where = f"flows/{CHANNELS_FILE}: {wording.channel}.variants: {own}"
        english = catalogues.raw_text(FALLBACK_LANGUAGE, own)
        if english is None:
            found.append((f"{where} [{FALLBACK_LANGUAGE}]", "has no text", False, None))
        elif _fields(english) != _fields(catalogues.raw_text(FALLBACK_LANGUAGE, message_id)):
            found.append((f"{where} [{FALLBACK_LANGUAGE}]",
                          f"has other placeholders than {message_id}", False, None))
        for language in catalogues.languages:
            if language == FALLBACK_LANGUAGE or catalogues.has(language, own):
                continue
            fuzzy = catalogues.is_fuzzy(language, own)
            if catalogues.has(language, message_id):
                # The language's plain text would be sent: its SMS words, on this channel.
                why = (f"is fuzzy (unconfirmed) while {message_id} is not, so the "
                       f"{wording.channel} chat would show the SMS wording" if fuzzy
                       else f"has no text, so the {wording.channel} chat would show "
                            f"{message_id}'s SMS wording")
                found.append((f"{where} [{language}]", why, False, None))
            elif fuzzy:
                found.append((f"{where} [{language}]",
                              "is fuzzy (unconfirmed); English is sent instead", True,
                              language))
    return found


def _unlisted_wordings(channels: list[ChannelWording], catalogues: Catalogues
                       ) -> list[Found]:
    listed = {variant_id(m, w.channel) for w in channels for m in w.variants}
    found: list[Found] = []
    for language in catalogues.languages:
        for message_id, _ in catalogues.messages(language):
            if CHANNEL_MARK in message_id and message_id not in listed:
                found.append((f"{catalogues.sources.get(language, language)}: {message_id}",
                              f"is a channel's wording not listed in flows/{CHANNELS_FILE}, "
                              "so nothing makes sure every language has it", False, None))
    return found
