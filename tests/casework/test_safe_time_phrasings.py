"""Safe-time suggestions from survivors' own words, in every shipped language (issue 23, item 17;
app/casework/safe_time_words.py).

"mon-fri 18:00-20:00" used to be read as "mon,fri", "monday to friday" and "tue-thu" the same
way, and "weekday evenings after 6" as nothing: a pre-fill that drops Tuesday to Thursday is one
an advocate may save without noticing. Each language's phrasings are written as people text
them (with and without accents, their own digits); the unclear ones must give no suggestion,
and no suggestion may reach outside 08:00-21:00.
"""

from __future__ import annotations

from datetime import time

import pytest

from app.casework.safe_time import parse, suggest

READ = [
    # English: the reported ones first.
    ("en", "mon-fri 18:00-20:00", "mon-fri 18:00-20:00"),
    ("en", "monday to friday 6-8pm", "mon-fri 18:00-20:00"),
    ("en", "Monday - Friday, 6pm-8pm", "mon-fri 18:00-20:00"),
    ("en", "tue-thu 10am-12", "tue,wed,thu 10:00-12:00"),
    ("en", "weekday evenings after 6", "mon-fri 18:00-21:00"),
    ("en", "Weekdays after 10, not weekends", "mon-fri 10:00-21:00"),
    ("en", "mon to thurs between 1 and 3pm", "mon,tue,wed,thu 13:00-15:00"),
    ("en", "any day except Friday after 7pm", "mon,tue,wed,thu,sat,sun 19:00-21:00"),
    ("en", "Saturday and Sunday mornings", "sat,sun 09:00-12:00"),
    ("en", "weeknights after 7", "mon-fri 19:00-21:00"),
    ("en", "Mon, Wed & Fri 9.30-11.30am", "mon,wed,fri 09:30-11:30"),
    ("en", "Tuesday–Thursday after 12", "tue,wed,thu 12:00-21:00"),
    ("en", "between 12 and 2 on weekdays", "mon-fri 12:00-14:00"),
    ("en", "Weekends 11am till 3pm", "sat,sun 11:00-15:00"),
    ("en", "weekdays lunchtime", "mon-fri 12:00-14:00"),
    ("en", "thurs and fri afternoons", "thu,fri 12:00-17:00"),
    ("en", "fri-mon 10-12", "mon,fri,sat,sun 10:00-12:00"),
    ("en", "6pm onwards mon-fri", "mon-fri 18:00-21:00"),
    ("en", "evenings after 7 but not sundays", "mon,tue,wed,thu,fri,sat 19:00-21:00"),
    # Welsh.
    ("cy", "Llun i Gwener ar ôl 6yh", "mon-fri 18:00-21:00"),
    ("cy", "dydd Llun i ddydd Gwener rhwng 6 ac 8 yh", "mon-fri 18:00-20:00"),
    ("cy", "Llun i Wener, gyda'r nos", "mon-fri 17:00-21:00"),
    ("cy", "Penwythnos yn y bore", "sat,sun 09:00-12:00"),
    ("cy", "dydd Mawrth a dydd Iau 2-4yp", "tue,thu 14:00-16:00"),
    ("cy", "gyda'r nos ar ol 7", "daily 19:00-21:00"),
    ("cy", "yn ystod yr wythnos cyn 3yp", "mon-fri 08:00-15:00"),
    ("cy", "bob dydd o 10 tan 12", "daily 10:00-12:00"),
    # Polish.
    ("pl", "od poniedziałku do piątku po 18", "mon-fri 18:00-21:00"),
    ("pl", "od poniedzialku do piatku po 18", "mon-fri 18:00-21:00"),
    ("pl", "pon-pt 18-20", "mon-fri 18:00-20:00"),
    ("pl", "w dni robocze wieczorem", "mon-fri 17:00-21:00"),
    ("pl", "weekendy rano", "sat,sun 09:00-12:00"),
    ("pl", "wtorki i czwartki między 14 a 16", "tue,thu 14:00-16:00"),
    ("pl", "codziennie przed 15", "daily 08:00-15:00"),
    ("pl", "środa po 17", "wed 17:00-21:00"),
    ("pl", "wt-czw po południu", "tue,wed,thu 12:00-17:00"),
    # Romanian.
    ("ro", "de luni până vineri după ora 18", "mon-fri 18:00-21:00"),
    ("ro", "de luni pana vineri dupa ora 18", "mon-fri 18:00-21:00"),
    ("ro", "luni-vineri 18-20", "mon-fri 18:00-20:00"),
    ("ro", "în weekend dimineața", "sat,sun 09:00-12:00"),
    ("ro", "marti si joi intre 14 si 16", "tue,thu 14:00-16:00"),
    ("ro", "seara după 7", "daily 19:00-21:00"),
    ("ro", "zilnic înainte de ora 15", "daily 08:00-15:00"),
    ("ro", "în timpul săptămânii după-amiaza", "mon-fri 12:00-17:00"),
    # Arabic.
    ("ar", "من الاثنين إلى الجمعة بعد الساعة 6 مساءً", "mon-fri 18:00-21:00"),
    ("ar", "من الاثنين الى الجمعه بعد ٦ مساء", "mon-fri 18:00-21:00"),
    ("ar", "السبت والأحد صباحاً", "sat,sun 09:00-12:00"),
    ("ar", "الثلاثاء والخميس من 2 إلى 4 بعد الظهر", "tue,thu 14:00-16:00"),
    ("ar", "بعد ٧ مساء", "daily 19:00-21:00"),
    ("ar", "كل يوم من ١٠ص الى ١٢", "daily 10:00-12:00"),
    # Urdu.
    ("ur", "پیر سے جمعہ شام 6 بجے کے بعد", "mon-fri 18:00-21:00"),
    ("ur", "پیر سے جمعہ تک شام ۶ بجے کے بعد", "mon-fri 18:00-21:00"),
    ("ur", "ہفتہ اور اتوار صبح", "sat,sun 09:00-12:00"),
    ("ur", "منگل اور جمعرات دوپہر 2 سے 4 بجے تک", "tue,thu 14:00-16:00"),
    ("ur", "روزانہ 11 بجے سے پہلے", "daily 08:00-11:00"),
    ("ur", "شام 7 کے بعد", "daily 19:00-21:00"),
    # Punjabi (Gurmukhi).
    ("pa", "ਸੋਮਵਾਰ ਤੋਂ ਸ਼ੁੱਕਰਵਾਰ ਸ਼ਾਮ 6 ਵਜੇ ਤੋਂ ਬਾਅਦ", "mon-fri 18:00-21:00"),
    ("pa", "ਸ਼ਨੀਵਾਰ ਅਤੇ ਐਤਵਾਰ ਸਵੇਰੇ", "sat,sun 09:00-12:00"),
    ("pa", "ਮੰਗਲਵਾਰ ਤੇ ਵੀਰਵਾਰ ਦੁਪਹਿਰ 2 ਤੋਂ 4 ਵਜੇ ਤੱਕ", "tue,thu 14:00-16:00"),
    ("pa", "ਹਰ ਰੋਜ਼ 11 ਵਜੇ ਤੋਂ ਪਹਿਲਾਂ", "daily 08:00-11:00"),
    ("pa", "ਸ਼ਾਮ ੭ ਵਜੇ ਤੋਂ ਬਾਅਦ", "daily 19:00-21:00"),
    # Somali.
    ("so", "Isniin ilaa Jimce 6pm kadib", "mon-fri 18:00-21:00"),
    ("so", "Sabti iyo Axad subaxdii", "sat,sun 09:00-12:00"),
    ("so", "Talaado iyo Khamiis 2pm ilaa 4pm", "tue,thu 14:00-16:00"),
    ("so", "maalin kasta 11am ka hor", "daily 08:00-11:00"),
    ("so", "fiidkii kadib 7pm", "daily 19:00-21:00"),
    ("so", "Isniin ilaa Khamiis 18:00-20:00", "mon,tue,wed,thu 18:00-20:00"),
]

UNCLEAR = [
    ("en", "monday to friday"),  # days, but no time at all
    ("en", "mornings or evenings"),  # two windows
    ("en", "mon 10-12 and thu 2-4pm"),  # two different times
    ("en", "not before 6pm"),  # a "not" that is not about days
    ("en", "after 6"),  # 6am or 6pm
    ("en", "any time after 9pm"),
    ("en", "evenings after 10"),  # 10pm
    ("en", "when he goes to work"),
    ("en", "at 6pm"),  # a moment, not a window
    ("en", "before 7am"),
    ("cy", "ar ôl 10yh"),
    ("cy", "unrhyw bryd"),
    ("pl", "po 22"),
    ("pl", "kiedy go nie ma"),
    ("pl", "rano albo wieczorem"),
    ("pl", "wieczorem po 10"),
    ("ro", "după 10 seara"),
    ("ro", "când nu e acasă"),
    ("ro", "dimineața sau seara"),
    ("ro", "la ora 6"),
    ("ar", "بعد 10 مساء"),
    ("ar", "عندما لا يكون في البيت"),
    ("ar", "صباحا او مساء"),
    ("ar", "بعد الساعة 6"),
    ("ur", "رات 10 بجے کے بعد"),
    ("ur", "جب وہ گھر پر نہ ہو"),
    ("ur", "صبح یا شام"),
    ("ur", "6 بجے کے بعد"),
    ("pa", "ਰਾਤ 10 ਵਜੇ ਤੋਂ ਬਾਅਦ"),
    ("pa", "ਜਦੋਂ ਉਹ ਘਰ ਨਾ ਹੋਵੇ"),
    ("pa", "ਸਵੇਰੇ ਜਾਂ ਸ਼ਾਮ"),
    ("pa", "6 ਵਜੇ ਤੋਂ ਬਾਅਦ"),
    ("so", "fiidkii 6 kadib"),  # Somali hours may be counted from sunrise
    ("so", "10pm kadib"),
    ("so", "saacadda 2 ilaa 4"),
    ("so", "subaxdii ama fiidkii"),
]


@pytest.mark.parametrize(("language", "words", "window"), READ)
def test_suggest_reads_the_words_in_each_language(language: str, words: str,
                                                  window: str) -> None:
    assert suggest(words, language) == parse(window)


@pytest.mark.parametrize(("language", "words"), UNCLEAR)
def test_suggest_gives_nothing_when_the_words_are_unclear(language: str, words: str) -> None:
    assert suggest(words, language) is None


@pytest.mark.parametrize(("language", "words"),
                         [(language, words) for language, words, _ in READ] + UNCLEAR)
def test_no_suggestion_reaches_outside_eight_to_nine(language: str, words: str) -> None:
    window = suggest(words, language)
    assert window is None or (time(8) <= window.start and window.end <= time(21))


def test_every_shipped_language_has_phrasings_here() -> None:
    from app.casework.safe_time_phrases import BY_LANGUAGE  # noqa: PLC0415

    counts = {language: sum(1 for lang, _w, _x in READ if lang == language)
              for language in BY_LANGUAGE}
    assert counts["en"] >= 10
    assert all(count >= 4 for count in counts.values()), counts


def test_another_language_s_words_are_not_read_without_it() -> None:
    # Polish "i" is "and", Welsh "i" is "to": each language's words only for its conversations.
    assert suggest("wtorki i czwartki 14-16", "pl") == parse("tue,thu 14:00-16:00")
    assert suggest("Mawrth i Iau 2-4yp", "cy") == parse("tue-thu 14:00-16:00")
    assert suggest("wtorki i czwartki 14-16", "en") is None


# The example each language's question gives ("e.g. weekdays after 10am"), which survivors copy.
# "After 10 in the morning" is read as the morning from 10, the narrower reading: an advocate
# widens a window from the words beside it more safely than a survivor is called at 7pm.
QUESTION_EXAMPLES = [
    ("en", "weekdays after 10am", "mon-fri 10:00-21:00"),
    ("cy", "yn ystod yr wythnos ar ôl 10 y bore", "mon-fri 10:00-12:00"),
    ("pl", "w dni robocze po 10 rano", "mon-fri 10:00-12:00"),
    ("ro", "de luni până vineri, după ora 10 dimineața", "mon-fri 10:00-12:00"),
    ("ar", "من الاثنين إلى الجمعة بعد الساعة 10 صباحًا", "mon-fri 10:00-12:00"),
    ("ur", "پیر سے جمعہ، صبح 10 بجے کے بعد", "mon-fri 10:00-12:00"),
    ("pa", "ਸੋਮਵਾਰ ਤੋਂ ਸ਼ੁੱਕਰਵਾਰ, ਸਵੇਰੇ 10 ਵਜੇ ਤੋਂ ਬਾਅਦ", "mon-fri 10:00-12:00"),
    ("so", "Isniin ilaa Jimce, 10am kadib", "mon-fri 10:00-21:00"),
]


@pytest.mark.parametrize(("language", "words", "window"), QUESTION_EXAMPLES)
def test_the_question_s_own_example_is_read(language: str, words: str, window: str) -> None:
    assert suggest(words, language) == parse(window)
