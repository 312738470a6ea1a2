"""The n-gram language detector (`[languages] models = "ngrams"`, the default; issue 22, item 6).

Our own detector over a memory-mapped file of lingua 1.4.2's n-gram statistics, built at
install time for the deployment's languages (app/content/ngram_build.py, `make
language-models`). These tests read the file the Makefile built (`make test` builds it first)
for the demo deployment's eight languages, and the build step on a small wheel made here.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import brotli
import pytest

from app.content import language as language_module
from app.content.language import NGRAMS_THRESHOLD, LanguageGuesser
from app.content.ngram_build import build
from app.content.ngrams import NGRAM_FILE, ModelFileError, NgramDetector, read_header

LANGUAGES = ("en", "cy", "pl", "pa", "ur", "ar", "ro", "so")
# Written for this test: what a survivor might send first, in each language.
TABLE = [
    ("en", "I am scared, my husband hits me"),
    ("en", "I need to talk to someone please"),
    ("cy", "Mae arna i ofn, mae fy mhartner yn fy mrifo i"),
    ("cy", "dw i angen siarad â rhywun"),
    ("pl", "Boję się, mój mąż mnie bije"),
    ("pl", "potrzebuję z kimś porozmawiać"),
    ("ro", "Mi-e frică, soțul meu mă bate"),
    ("ro", "vreau să vorbesc cu cineva"),
    ("so", "Waan baqayaa, ninkaygu wuu i garaacaa"),
    ("so", "waxaan u baahanahay caawimaad"),
    ("pa", "ਮੈਨੂੰ ਡਰ ਲੱਗਦਾ ਹੈ, ਮੇਰਾ ਪਤੀ ਮੈਨੂੰ ਮਾਰਦਾ ਹੈ"),  # Gurmukhi
    ("pa", "ਮੈਨੂੰ ਮਦਦ ਚਾਹੀਦੀ ਹੈ"),
    ("ur", "میں ڈرتی ہوں، میرا شوہر مجھے مارتا ہے"),
    ("ur", "مجھے مدد چاہیے"),
    ("ar", "أنا خائفة، زوجي يضربني"),
    ("ar", "أحتاج إلى مساعدة"),
]
# Punjabi in the Shahmukhi (Arabic) script: no model knows it. It is read as Urdu, whose script
# and much of whose vocabulary it shares (as lingua's accurate models read it too), never as
# Arabic, nor as Punjabi in Gurmukhi.
SHAHMUKHI = ["مینوں ڈر لگدا اے، میرا خاوند مینوں ماردا اے", "مینوں مدد چاہیدی اے"]


@pytest.fixture(scope="module")
def guesser() -> LanguageGuesser:
    if not NGRAM_FILE.exists():
        pytest.fail(f"{NGRAM_FILE} is missing: `make language-models` builds it")
    return LanguageGuesser(LANGUAGES)


def test_the_n_gram_detector_is_the_default(guesser: LanguageGuesser) -> None:
    assert guesser.models == "ngrams"
    assert guesser.threshold == NGRAMS_THRESHOLD


@pytest.mark.parametrize(("expected", "text"), TABLE)
def test_each_language_is_read(guesser: LanguageGuesser, expected: str, text: str) -> None:
    assert guesser.guess(text) == expected


@pytest.mark.parametrize("text", SHAHMUKHI)
def test_shahmukhi_punjabi_is_read_as_urdu_never_arabic(guesser: LanguageGuesser,
                                                        text: str) -> None:
    assert guesser.guess(text) == "ur"


def test_too_little_or_romanised_is_not_guessed(guesser: LanguageGuesser) -> None:
    assert guesser.guess("hi x") is None
    assert guesser.guess("mujhe kisi se baat karni hai") is None  # romanised Urdu
    assert guesser.guess("12345 ?!") is None


def test_confidences_are_a_distribution_over_the_languages_of_the_script() -> None:
    detector = NgramDetector(NGRAM_FILE, LANGUAGES)
    ranked = detector.confidences("I need to talk to someone please")
    assert {code for code, _ in ranked} == set(LANGUAGES)
    assert sum(value for _, value in ranked) == pytest.approx(1.0)
    assert dict(ranked)["ar"] == dict(ranked)["pa"] == dict(ranked)["ur"] == 0.0  # Latin only
    # Gurmukhi is Punjabi's alone among these: certain.
    assert detector.confidences("ਮੈਨੂੰ ਮਦਦ ਚਾਹੀਦੀ ਹੈ")[0] == ("pa", 1.0)
    assert all(value == 0.0 for _, value in detector.confidences("!!! 123"))


def test_a_subset_of_the_files_languages_is_read_from_it() -> None:
    detector = NgramDetector(NGRAM_FILE, ("en", "pl"))
    assert detector.languages == ("en", "pl")
    assert detector.confidences("Boję się, mój mąż mnie bije")[0][0] == "pl"


# The build step, on a wheel made here with lingua 1.4.2's layout: a few n-grams each.
def fractions(ngrams: dict[str, tuple[int, int]]) -> dict[str, str]:
    grouped: dict[str, list[str]] = {}
    for ngram, (numerator, denominator) in ngrams.items():
        grouped.setdefault(f"{numerator}/{denominator}", []).append(ngram)
    return {fraction: " ".join(sorted(group)) for fraction, group in grouped.items()}


def model_counts(words: list[str]) -> dict[int, dict[str, tuple[int, int]]]:
    """Each order's n-grams of `words`, with the probability given the n-gram's prefix."""
    counts: dict[int, dict[str, int]] = {order: {} for order in range(1, 6)}
    for word in words:
        for order in range(1, 6):
            for i in range(len(word) - order + 1):
                ngram = word[i:i + order]
                counts[order][ngram] = counts[order].get(ngram, 0) + 1
    total = sum(counts[1].values())
    found: dict[int, dict[str, tuple[int, int]]] = {}
    for order, table in counts.items():
        found[order] = {ngram: (count, total if order == 1 else counts[order - 1][ngram[:-1]])
                        for ngram, count in table.items()}
    return found


NAMES = {1: "unigrams", 2: "bigrams", 3: "trigrams", 4: "quadrigrams", 5: "fivegrams"}
CORPORA = {"en": ["the", "house", "there", "with", "help", "where"],
           "pl": ["dziękuję", "się", "pomocy", "proszę", "gdzie", "jestem"],
           "cy": ["diolch", "helpu", "ble", "rydw", "angen", "mae"]}


def small_wheel(path: Path, languages: tuple[str, ...] = ("en", "pl", "cy")) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for code in languages:
            for order, ngrams in model_counts(CORPORA[code]).items():
                document = {"language": code.upper(), "ngrams": fractions(ngrams)}
                wheel.writestr(f"lingua/language-models/{code}/{NAMES[order]}.json.br",
                               brotli.compress(json.dumps(document).encode("utf-8")))
    path.write_bytes(buffer.getvalue())
    return path


def test_the_file_is_built_for_the_languages_and_rebuilt_when_they_change(
        tmp_path: Path) -> None:
    wheel = small_wheel(tmp_path / "lingua.whl")
    out = tmp_path / "models" / "language-ngrams.bin"
    assert build(wheel, ("en", "pl"), out) is True
    assert read_header(out)["languages"] == ["en", "pl"]
    detector = NgramDetector(out, ("en", "pl"))
    assert detector.confidences("where is the house")[0][0] == "en"
    assert detector.confidences("dziękuję, proszę")[0][0] == "pl"
    written = out.stat().st_mtime_ns
    assert build(wheel, ("pl", "en"), out) is False  # the same languages: left as it is
    assert out.stat().st_mtime_ns == written
    assert build(wheel, ("en", "pl", "cy"), out) is True  # a language added: built again
    assert read_header(out)["languages"] == ["cy", "en", "pl"]
    # A language lingua has no model for is remembered as asked for, and has no column.
    assert build(wheel, ("en", "pl", "xx"), out) is True
    header = read_header(out)
    assert header["asked"] == ["en", "pl", "xx"]
    assert header["languages"] == ["en", "pl"]
    assert NgramDetector(out, ("en", "pl", "xx")).languages == ("en", "pl")


def test_a_damaged_file_is_refused_and_built_again(tmp_path: Path) -> None:
    wheel = small_wheel(tmp_path / "lingua.whl")
    out = tmp_path / "language-ngrams.bin"
    build(wheel, ("en", "pl"), out)
    data = bytearray(out.read_bytes())
    data[-3] ^= 0xFF  # one byte of the body
    out.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        NgramDetector(out, ("en", "pl"))
    assert build(wheel, ("en", "pl"), out) is True
    NgramDetector(out, ("en", "pl"))  # sound again
    out.write_bytes(out.read_bytes()[:100])  # cut short
    with pytest.raises(ModelFileError):
        NgramDetector(out, ("en", "pl"))
    out.write_bytes(b"not a model file at all")
    with pytest.raises(ModelFileError):
        NgramDetector(out, ("en", "pl"))
    build(wheel, ("en", "pl"), out)
    with pytest.raises(ModelFileError, match="other languages"):
        NgramDetector(out, ("en", "pl", "cy"))


@pytest.mark.parametrize("problem", ["missing", "damaged", "other languages"])
def test_without_a_usable_file_nothing_is_guessed_and_a_warning_says_why(
        tmp_path: Path, problem: str, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / f"{problem}.bin"
    if problem == "damaged":
        out.write_bytes(b"QLNGRAM1" + b"\xff" * 64)
    elif problem == "other languages":
        build(small_wheel(tmp_path / "lingua.whl"), ("en", "pl"), out)
    guesser = LanguageGuesser(("en", "pl", "cy"), ngram_file=out)
    with caplog.at_level(logging.WARNING, logger="app.content.language"):
        assert guesser.guess("Boję się, mój mąż mnie bije i potrzebuję pomocy") is None
        assert guesser.guess("I am scared, my husband hits me") is None
    assert [record.message.split(" ")[0] for record in caplog.records] == \
        ["event=language.ngrams_unavailable"]  # once, not once per message


def test_the_installed_file_is_the_modules_default(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """The guesser reads the module's NGRAM_FILE when it first guesses (tests move it)."""
    monkeypatch.setattr(language_module, "NGRAM_FILE", tmp_path / "nowhere.bin")
    assert LanguageGuesser(("en", "pl")).guess("Boję się, mój mąż mnie bije") is None
