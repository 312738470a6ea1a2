"""A wrong language guess answers a frightened person in a language they may not read, which
is worse than no guess (the welcome in the default language offers the language menu). Short
first messages, written for this test, in the demo deployment's eight languages: no
`[languages] models` setting guesses any of them wrong (issue 22, item 6). The small models
were sure of "help me pls" as Welsh at 0.98: their threshold is 0.99 (bench/language_guess.py
chose it on eval/messages/dev)."""

from __future__ import annotations

import pytest

from app.content.language import LanguageGuesser

LANGUAGES = ("en", "cy", "pl", "pa", "ur", "ar", "ro", "so")
TABLE = [
    ("en", "ok thanks so much"), ("en", "can u call me later"), ("en", "is anyone there"),
    ("en", "help me pls"), ("en", "bye for now x"), ("en", "Pani pls help"),
    ("en", "thank u"), ("en", "im safe now"),
    ("cy", "diolch yn fawr"), ("cy", "helo, oes rhywun yna?"), ("cy", "dw i ofn"),
    ("cy", "bore da"),
    ("pl", "dziękuję bardzo"), ("pl", "czy ktoś tam jest"), ("pl", "boję się go"),
    ("pl", "dzien dobry"),
    ("ro", "mulțumesc mult"), ("ro", "e cineva acolo?"), ("ro", "mi-e frică de el"),
    ("ro", "ajutor va rog"),
    ("so", "mahadsanid"), ("so", "ma jiraa qof i caawiya"), ("so", "waan cabsanayaa"),
    ("so", "hooyo i caawi"),
    ("ar", "شكرا جزيلا"), ("ar", "هل يوجد أحد"), ("ar", "أنا خائفة منه"), ("ar", "ساعدوني"),
    ("ur", "کیا کوئی ہے"), ("ur", "مجھے اس سے ڈر لگتا ہے"), ("ur", "میری مدد کریں"),
    ("pa", "ਮੈਨੂੰ ਡਰ ਲੱਗਦਾ"), ("pa", "ਮੇਰੀ ਮਦਦ ਕਰੋ"),
]


@pytest.mark.parametrize("models", ["ngrams", "accurate", "small"])
def test_no_short_first_message_is_guessed_as_another_language(models: str) -> None:
    guesser = LanguageGuesser(LANGUAGES, models=models)
    guesses = [(language, guesser.guess(text)) for language, text in TABLE]
    wrong = [(language, guessed) for language, guessed in guesses
             if guessed is not None and guessed != language]
    right = sum(guessed == language for language, guessed in guesses)
    assert wrong == []
    assert right >= 20  # sure of most: not safe merely by never guessing
