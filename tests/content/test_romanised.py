"""Urdu, Punjabi and Arabic typed in Latin letters are not guessed as a Latin-script language
(app/content/romanised.py): the models know none of them in Latin letters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.content.language import LanguageGuesser
from app.content.romanised import ROMANISED_OFFER, listed_words, romanised

ROOT = Path(__file__).resolve().parent.parent.parent
LANGUAGES = ("en", "cy", "pl", "pa", "ur", "ar", "ro", "so")
LATIN_SCRIPT = ("en", "cy", "pl", "ro", "so")


@pytest.mark.parametrize("text", [
    "mujhe madad chahiye abhi",
    "wo ghar pe hai aur bahut gussa hai",
    "kya aap meri madad kar sakti hain",
    "mainu madad chahidi hai ji",
    "oh mainu roz kutda, ki karan",
    "sanu madad di lodd hai",
    "tusi meri gal sun sakde ho",
    "kiddan",
    "bade a7ki ma3 7ada",
])
def test_urdu_punjabi_and_arabizi_in_latin_letters_are_recognised(text: str) -> None:
    assert romanised(text)


@pytest.mark.parametrize("text", [
    "I need help now please",
    "2day is really bad, he is angry",
    "Potrzebuję pomocy teraz",
    "Mae angen help arnaf plis",
    "nu pot vorbi acum, a venit de la munca",
    "Waxaan u baahanahay caawimaad",
    "مجھے مدد چاہیے",
    "1234",
    "",
])
def test_the_languages_on_offer_are_not_taken_for_them(text: str) -> None:
    assert not romanised(text)


def catalogue_words(language: str) -> set[str]:
    words: set[str] = set()
    for path in (ROOT / "translations" / language / "LC_MESSAGES").glob("*.po"):
        text = path.read_text(encoding="utf-8")
        kinds = "msgid|msgstr" if language == "en" else "msgstr"
        # Not the one line written in Latin-letter Urdu and Punjabi on purpose (ROMANISED_OFFER).
        text = re.sub(rf'msgid "{ROMANISED_OFFER}"\nmsgstr ".*"\n', "", text)
        for line in re.findall(rf'^(?:{kinds}) "(.*)"$', text, flags=re.MULTILINE):
            words.update(re.findall(r"[^\W_]+", line.casefold()))
    return words


@pytest.mark.parametrize("language", LATIN_SCRIPT)
def test_no_listed_word_is_a_word_of_a_latin_script_language_on_offer(language: str) -> None:
    words = catalogue_words(language)
    assert len(words) > 100  # the catalogue was read
    assert listed_words() & words == set()


@pytest.mark.parametrize("small", [False, True])
@pytest.mark.parametrize("text", ["mujhe madad chahiye abhi", "mainu madad chahidi hai ji"])
def test_neither_models_guess_a_language_for_them(small: bool, text: str) -> None:
    # Both models read these as Somali with confidence before the rule.
    assert LanguageGuesser(LANGUAGES, small=small).guess(text) is None


@pytest.mark.parametrize("small", [False, True])
def test_the_languages_on_offer_are_still_guessed(small: bool) -> None:
    guesser = LanguageGuesser(LANGUAGES, small=small)
    assert guesser.guess("Mae angen help arnaf, mae o wedi fy nharo i") == "cy"
    assert guesser.guess("Am nevoie de ajutor, m-a lovit aseara") == "ro"
    assert guesser.guess("مجھے کسی سے بات کرنی ہے، وہ گھر پر ہے") == "ur"
