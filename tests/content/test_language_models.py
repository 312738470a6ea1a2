"""[languages] models: our n-gram file by default; lingua's accurate models, or its small set."""

from __future__ import annotations

import pytest

from app.content.language import LanguageGuesser
from app.deployment import DeploymentConfigError, parse_deployment

LANGUAGES = ("en", "cy", "pl", "pa", "ur", "ar", "ro", "so")


def deployment(**languages: object) -> dict[str, object]:
    return {"organisation": {"name": "Test Partnership"},
            "languages": {"enabled": ["en", "pl"], "default": "en", **languages}}


def test_the_n_gram_file_is_the_default() -> None:
    assert parse_deployment(deployment()).language_models == "ngrams"
    assert parse_deployment(deployment(models="accurate")).language_models == "accurate"
    assert parse_deployment(deployment(models="small")).language_models == "small"


def test_anything_else_is_refused_naming_the_setting() -> None:
    with pytest.raises(DeploymentConfigError, match="languages.models"):
        parse_deployment(deployment(models="tiny"))


@pytest.mark.parametrize("models", ["ngrams", "accurate", "small"])
def test_each_reads_a_clear_sentence_in_its_language(models: str) -> None:
    guesser = LanguageGuesser(LANGUAGES, models=models)
    assert guesser.guess("Potrzebuję pomocy, mój mąż mnie bije i boję się wracać do domu") == "pl"
    assert guesser.guess("I need help, my husband hits me and I am afraid to go home") == "en"
