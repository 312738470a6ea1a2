"""SMS-only phrases on the web chat are caught in every shipped language, by each language's own
words, on the shipped flows and catalogues (issue 21, item 6; app/content/channels.py).

The check was tested in English and Polish only; this puts each language's listed phrases into
that language's web wording of "is it safe to chat now?" and into a web-only text, and expects
`flows check` to refuse each, naming the language. A language with no phrases of its own warns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content import channels
from app.content.catalogues import Catalogues
from app.content.lint import check
from app.flows import load_flows

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = Catalogues.load(ROOT / "translations", "en")
WEB_PAGES = Catalogues.load(ROOT / "translations", "en", domain="web")
[WEB] = [w for w in channels.load(ROOT / "flows") if w.channel == "web"]
FLOW = load_flows(ROOT / "flows")
PHRASES = [(language, phrase) for language, phrases in sorted(WEB.phrases.items())
           if language != channels.ALL_LANGUAGES for phrase in phrases]


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    path = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", path)
    return path


def sample(phrase: str) -> str:
    """Words that match `phrase` as the check reads it (`word*`: any ending)."""
    return " ".join(word.rstrip("*") + ("y" if word.endswith("*") else "")
                    for word in phrase.split())


def problems(flows_dir: Path, language: str, message_id: str, text: str) -> list[str]:
    """What the channel-wording part of `flows check` says (the whole check is slower)."""
    texts = {lang: dict(SHIPPED.messages(lang)) for lang in SHIPPED.languages}
    texts[language][message_id] = text
    changed = Catalogues(texts, "en", SHIPPED.sources)
    return [f"{where}: {why}" for where, why, warning, _
            in channels.problems(flows_dir, FLOW, changed) if not warning]


def test_every_shipped_language_lists_phrases_of_its_own() -> None:
    assert set(SHIPPED.languages) - {"en"} <= set(WEB.phrases)
    assert not [p for p in check(ROOT / "flows", SHIPPED, "en", "Quietline demo partnership",
                                 page_words=WEB_PAGES) if "sms_only_phrases" in p.where]


@pytest.mark.parametrize(("language", "phrase"), PHRASES)
@pytest.mark.parametrize("message_id", ["person.safe_now@web", "person.noted_chat"])
def test_each_languages_own_phrase_is_refused_on_the_web_chat(
        flows_dir: Path, language: str, phrase: str, message_id: str) -> None:
    text = f"{SHIPPED.text(language, message_id)} {sample(phrase)}"
    found = problems(flows_dir, language, message_id, text)
    plain = message_id.split("@", maxsplit=1)[0]
    assert any(f"{plain} [{language}]" in p and "belongs to SMS" in p for p in found), found


def test_a_language_without_phrases_warns(flows_dir: Path) -> None:
    path = flows_dir / "channels.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\n    so: [" in text
    path.write_text(text.replace("\n    so: [", "\n    xx: [", 1), encoding="utf-8")
    warnings = [str(p) for p in check(flows_dir, SHIPPED, "en", "Quietline demo partnership")
                if p.warning and "sms_only_phrases [so]" in p.where]
    assert len(warnings) == 1, warnings
