"""`flask flows check` on channel wording (issue 21, item 6; app/content/channels.py): an
SMS-only phrase the web chat would show is refused, and so is a web wording missing from a
language that has the SMS one. Also the catalogue's pick of a channel's wording."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.catalogues import Catalogues
from app.content.lint import check
from tests.content.test_flowlint import write_catalogues

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLOWS = PROJECT_ROOT / "flows"
ORGANISATION = "Harbour Light Partnership"

# A start step both channels run, and an SMS step the web chat replaces with its own.
FLOW = """\
flow: hello
start: hello
messages: [carrier.stopped, note.service]
steps:
  hello:
    say: [hello.greeting]
    options: {"1": ask}
  ask:
    web: web_ask
    say: [ask.sms]
  web_ask:
    say: [ask.web]
"""
CHANNELS = """\
web:
  variants: [hello.greeting]
  never_shown: [carrier.stopped]
  sms_only_phrases:
    "*": [sms*]
    en: [texting, "from your phone"]
    pl: ["z telefonu"]
  allowed:
    note.service: "names 999's own text service"
"""
CLEAN = {
    "hello.greeting": "Hi, you can delete this chat from your phone at any time.",
    "hello.greeting@web": "Hi, you can delete this conversation with the button.",
    "ask.sms": "Is it safe to be texting now?",  # SMS only: the web chat runs web_ask
    "ask.web": "Is it safe to chat now?",
    "carrier.stopped": "No more SMS from this number.",  # never shown on the web chat
    "note.service": "Texting 999 works once registered by SMS.",  # allowed, with a reason
}
POLISH = {
    "hello.greeting": "Cześć, możesz usunąć tę rozmowę z telefonu.",
    "hello.greeting@web": "Cześć, możesz usunąć tę rozmowę przyciskiem.",
    "ask.sms": "Czy możesz pisać?", "ask.web": "Czy możesz pisać na czacie?",
    "carrier.stopped": "Koniec SMS-ów.", "note.service": "SMS na 999 po rejestracji.",
}


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    path = tmp_path / "flows"
    path.mkdir()
    for name in ("outbound.yaml", "referrals.yaml"):
        shutil.copyfile(FLOWS / name, path / name)
    (path / "dash.yaml").write_text((FLOWS / "dash.yaml").read_text(encoding="utf-8").replace(
        "\nwording: topics\n", "\nwording: published\n"), encoding="utf-8")
    (path / "triage.yaml").write_text("rules: []\n", encoding="utf-8")
    (path / "hello.yaml").write_text(FLOW, encoding="utf-8")
    (path / "channels.yaml").write_text(CHANNELS, encoding="utf-8")
    return path


def problems(flows_dir: Path, texts: dict[str, dict[str, str]],
             catalogues: Catalogues | None = None, errors_only: bool = True) -> list[str]:
    found = check(flows_dir, catalogues or Catalogues(texts, "en"), "en", ORGANISATION)
    return [str(p) for p in found if not (errors_only and p.warning)]


def test_clean_channel_wording_passes(flows_dir: Path) -> None:
    assert problems(flows_dir, {"en": CLEAN, "pl": POLISH}) == []


def test_the_shipped_web_chat_has_a_web_wording_for_each_listed_message() -> None:
    catalogues = Catalogues.load(PROJECT_ROOT / "translations", "en")
    found = check(FLOWS, catalogues, "en", ORGANISATION)
    assert [str(p) for p in found if "channels.yaml" in str(p) and not p.warning] == []
    assert catalogues.has("en", "erase.done@web")


@pytest.mark.parametrize(("language", "message_id", "text", "phrase"), [
    ("en", "hello.greeting@web", "Hi, delete this chat from your phone.", "from your phone"),
    ("en", "ask.web", "Is it safe to be TEXTING now?", "texting"),
    ("en", "hello.greeting@web", "Hi, we will send an SMS.", "sms*"),
    ("pl", "hello.greeting@web", "Cześć, usuń ją Z TELEFONU.", "z telefonu"),
    ("pl", "ask.web", "Czy możesz teraz pisać SMS-y?", "sms*"),  # "*": every language's
    ("pl", "ask.web", "Czy możesz teraz, texting?", "texting"),  # English's apply too
])
def test_an_sms_only_phrase_the_web_chat_would_show_is_refused(
        flows_dir: Path, language: str, message_id: str, text: str, phrase: str) -> None:
    texts = {"en": dict(CLEAN), "pl": dict(POLISH)}
    texts[language][message_id] = text
    found = problems(flows_dir, texts)
    plain = message_id.split("@", maxsplit=1)[0]
    assert len(found) == 1, found
    assert f"{plain} [{language}]" in found[0]
    assert f"says {phrase!r}, which belongs to SMS, on the web chat" in found[0]


def test_a_message_with_no_web_wording_is_refused_for_its_sms_phrase(flows_dir: Path) -> None:
    (flows_dir / "channels.yaml").write_text(CHANNELS.replace("variants: [hello.greeting]",
                                                              "variants: []"), encoding="utf-8")
    texts = {lang: {k: v for k, v in t.items() if "@" not in k}
             for lang, t in (("en", CLEAN), ("pl", POLISH))}
    found = problems(flows_dir, texts)
    assert len(found) == 2, found
    assert "step 'hello': hello.greeting [en]: says 'from your phone'" in found[0]
    assert "hello.greeting [pl]: says 'z telefonu'" in found[1]
    assert "give it a web wording (hello.greeting@web, listed in flows/channels.yaml)" in found[0]


def test_a_missing_web_wording_is_refused_where_the_sms_one_exists(flows_dir: Path) -> None:
    polish = {k: v for k, v in POLISH.items() if k != "hello.greeting@web"}
    found = problems(flows_dir, {"en": CLEAN, "pl": polish})
    assert any("web.variants: hello.greeting@web [pl]: has no text, so the web chat would "
               "show hello.greeting's SMS wording" in p for p in found), found


def test_a_missing_english_web_wording_is_refused(flows_dir: Path) -> None:
    english = {k: v for k, v in CLEAN.items() if k != "hello.greeting@web"}
    found = problems(flows_dir, {"en": english})
    assert any("hello.greeting@web [en]: has no text" in p for p in found), found


def test_a_fuzzy_web_wording_is_refused_where_the_sms_one_is_confirmed(
        flows_dir: Path, tmp_path: Path) -> None:
    catalogues = write_catalogues(tmp_path / "translations", {"en": CLEAN, "pl": POLISH},
                                  fuzzy=[("pl", "hello.greeting@web")])
    found = problems(flows_dir, {}, catalogues)
    assert any("hello.greeting@web [pl]: is fuzzy (unconfirmed) while hello.greeting is not"
               in p for p in found), found


def test_a_fuzzy_web_wording_only_warns_where_the_sms_one_is_fuzzy_too(
        flows_dir: Path, tmp_path: Path) -> None:
    """Both fall back to English then (the English web wording): nothing SMS is shown."""
    catalogues = write_catalogues(tmp_path / "translations", {"en": CLEAN, "pl": POLISH},
                                  fuzzy=[("pl", "hello.greeting@web"),
                                         ("pl", "hello.greeting")])
    assert problems(flows_dir, {}, catalogues) == []
    warned = problems(flows_dir, {}, catalogues, errors_only=False)
    assert any("hello.greeting@web [pl]: is fuzzy (unconfirmed); English is sent instead"
               in p for p in warned), warned


def test_a_web_wording_not_listed_is_refused(flows_dir: Path) -> None:
    english = {**CLEAN, "ask.web@web": "Is it safe to chat?"}
    found = problems(flows_dir, {"en": english})
    assert any("ask.web@web: is a channel's wording not listed in flows/channels.yaml" in p
               for p in found), found


def test_a_broken_channels_file_is_named(flows_dir: Path) -> None:
    (flows_dir / "channels.yaml").write_text("web:\n  variants: [a.b@web]\n", encoding="utf-8")
    found = problems(flows_dir, {"en": CLEAN})
    assert any("channels.yaml: web.variants" in p and "without @channel" in p
               for p in found), found


# --- the catalogue's pick ------------------------------------------------------------------


def test_the_channel_wording_comes_first_then_the_languages_own_then_the_fallbacks() -> None:
    catalogues = Catalogues({
        "en": {"m": "plain en", "m@web": "web en", "only.en": "en", "only.en@web": "web only"},
        "pl": {"m": "plain pl"},
        "cy": {"m": "plain cy", "m@web": "web cy"},
    }, "en")
    assert catalogues.text("cy", "m", channel="web") == "web cy"
    assert catalogues.text("cy", "m", channel="sms") == "plain cy"
    assert catalogues.text("cy", "m") == "plain cy"
    # Polish has no web wording: its own words, not English ones.
    assert catalogues.text("pl", "m", channel="web") == "plain pl"
    assert catalogues.text("pl", "only.en", channel="web") == "web only"
    assert catalogues.join("cy", ["m", "only.en"], channel="web") == "web cy\n\nweb only"


def test_the_web_pages_own_words_are_checked_too(flows_dir: Path) -> None:
    page_words = Catalogues({"en": {"chat.intro": "Type below.", "chat.hint": "Texting? Fine."},
                             "pl": {"chat.intro": "Napisz poniżej."}}, "en")
    found = [str(p) for p in check(flows_dir, Catalogues({"en": CLEAN}, "en"), "en",
                                   ORGANISATION, page_words=page_words)]
    # Polish has no text of its own for it: the page shows the English one there too.
    assert len(found) == 2, found
    assert "chat.hint [en]: says 'texting', which belongs to SMS, on the web chat: change the " \
           "text, or" in found[0]
    assert "list it under web.allowed" in found[0]
    assert "chat.hint [pl]: says 'texting'" in found[1]
