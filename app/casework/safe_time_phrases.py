"""How survivors write days and times in each shipped language, as a small English vocabulary.

Each phrase on the left is rewritten to the words on the right before `safe_time_words` reads
the text, so one grammar serves every language. The words on the right are only these:
days `mon`..`sun`, `weekdays`, `weekends`, `daily`; `after`, `before`, `from`, `until`, `to`,
`between`, `and`; `_after` / `_before` (written after the time, as in Urdu, Punjabi and Somali:
"6 بجے کے بعد", "6pm kadib"); parts of the day `morning`, `afternoon`, `evening`, `night`,
`lunch`, `daytime`; `am`, `pm`; `not`; a time such as `12:00`; or nothing. Phrases are matched
whole (longest first), after the same normalisation as the text: lower case, no accents on
Latin letters, ASCII digits, one form of each Arabic letter. A phrase that could mean two things
("ہفتے": Saturday, or week) is left out: an unknown word makes no suggestion, a wrong one a
wrong one.
"""

from __future__ import annotations

ENGLISH: dict[str, str] = {
    "monday": "mon", "mondays": "mon", "mon": "mon",
    "tuesday": "tue", "tuesdays": "tue", "tue": "tue", "tues": "tue",
    "wednesday": "wed", "wednesdays": "wed", "wed": "wed", "weds": "wed",
    "thursday": "thu", "thursdays": "thu", "thu": "thu", "thur": "thu", "thurs": "thu",
    "friday": "fri", "fridays": "fri", "fri": "fri",
    "saturday": "sat", "saturdays": "sat", "sat": "sat",
    "sunday": "sun", "sundays": "sun", "sun": "sun",
    "weekday": "weekdays", "weekdays": "weekdays", "week days": "weekdays",
    "week day": "weekdays", "during the week": "weekdays", "in the week": "weekdays",
    "working days": "weekdays", "work days": "weekdays",
    "weeknight": "weekdays night", "weeknights": "weekdays night",
    "week nights": "weekdays night",
    "weekend": "weekends", "weekends": "weekends", "the weekend": "weekends",
    "daily": "daily", "every day": "daily", "everyday": "daily", "any day": "daily",
    "all week": "daily",
    "morning": "morning", "mornings": "morning", "afternoon": "afternoon",
    "afternoons": "afternoon", "evening": "evening", "evenings": "evening", "eve": "evening",
    "teatime": "evening", "tea time": "evening", "night": "night", "nights": "night",
    "tonight": "night", "lunchtime": "lunch", "lunchtimes": "lunch", "lunch time": "lunch",
    "lunch": "lunch", "daytime": "daytime", "during the day": "daytime",
    "in the day": "daytime", "noon": "12:00", "midday": "12:00",
    "after": "after", "from": "from", "onwards": "_after", "or later": "_after",
    "before": "before", "by": "before", "until": "until", "till": "until", "til": "until",
    "'til": "until", "up to": "until", "to": "to", "through": "to", "thru": "to",
    "between": "between", "and": "and",
    "o'clock": "", "oclock": "", "ish": "",
    "not": "not", "except": "not", "excluding": "not", "apart from": "not", "never": "not",
    "no": "not", "avoid": "not", "don't": "not", "dont": "not", "but not": "not",
}

WELSH: dict[str, str] = {
    "dydd llun": "mon", "ddydd llun": "mon", "llun": "mon", "lun": "mon",
    "dydd mawrth": "tue", "ddydd mawrth": "tue", "mawrth": "tue", "fawrth": "tue",
    "dydd mercher": "wed", "ddydd mercher": "wed", "mercher": "wed", "fercher": "wed",
    "dydd iau": "thu", "ddydd iau": "thu", "iau": "thu",
    "dydd gwener": "fri", "ddydd gwener": "fri", "gwener": "fri", "wener": "fri",
    "dydd sadwrn": "sat", "ddydd sadwrn": "sat", "sadwrn": "sat",
    "dydd sul": "sun", "ddydd sul": "sun", "sul": "sun",
    "yn ystod yr wythnos": "weekdays", "dyddiau'r wythnos": "weekdays",
    "dyddiau gwaith": "weekdays",
    "penwythnos": "weekends", "y penwythnos": "weekends", "penwythnosau": "weekends",
    "bob dydd": "daily", "pob dydd": "daily", "bob diwrnod": "daily",
    "bore": "morning", "y bore": "morning", "yn y bore": "morning", "boreau": "morning",
    "prynhawn": "afternoon", "y prynhawn": "afternoon", "pnawn": "afternoon",
    "prynhawniau": "afternoon", "gyda'r nos": "evening", "gyda'r hwyr": "evening",
    "min nos": "evening", "noswaith": "evening", "nosweithiau": "evening", "nos": "night",
    "canol dydd": "12:00", "ganol dydd": "12:00",
    "yb": "am", "yh": "pm", "yp": "pm",
    "ar ol": "after", "wedi": "after", "cyn": "before", "o": "from", "tan": "until",
    "hyd at": "until", "i": "to", "rhwng": "between", "a": "and", "ac": "and", "ag": "and",
    "o'r gloch": "",
    "ddim": "not", "dim": "not", "heblaw": "not", "ond nid": "not",
}

POLISH: dict[str, str] = {
    "poniedzialek": "mon", "poniedzialki": "mon", "poniedzialku": "mon", "pon": "mon",
    "pn": "mon",
    "wtorek": "tue", "wtorki": "tue", "wtorku": "tue", "wt": "tue",
    "sroda": "wed", "srody": "wed", "srode": "wed", "srodzie": "wed",
    "sr": "wed",
    "czwartek": "thu", "czwartki": "thu", "czwartku": "thu", "czw": "thu",
    "piatek": "fri", "piatki": "fri", "piatku": "fri", "pt": "fri", "pia": "fri",
    "sobota": "sat", "soboty": "sat", "sobote": "sat", "sobotach": "sat", "sob": "sat",
    "niedziela": "sun", "niedziele": "sun", "niedzieli": "sun", "niedzielach": "sun",
    "niedz": "sun", "ndz": "sun", "nd": "sun",
    "dni robocze": "weekdays", "w dni robocze": "weekdays", "dni powszednie": "weekdays",
    "w dni powszednie": "weekdays", "w tygodniu": "weekdays", "w ciagu tygodnia": "weekdays",
    "weekend": "weekends", "weekendy": "weekends", "w weekend": "weekends",
    "w weekendy": "weekends", "weekendami": "weekends",
    "codziennie": "daily", "kazdego dnia": "daily", "w kazdy dzien": "daily",
    "rano": "morning", "z rana": "morning", "przed poludniem": "morning",
    "rankiem": "morning",
    "po poludniu": "afternoon", "popoludniu": "afternoon", "popoludniami": "afternoon",
    "wieczorem": "evening", "wieczor": "evening", "wieczory": "evening",
    "wieczorami": "evening", "w nocy": "night", "noca": "night", "noc": "night",
    "w poludnie": "12:00", "poludnie": "12:00",
    "po": "after", "przed": "before", "od": "from", "do": "until", "miedzy": "between",
    "pomiedzy": "between", "a": "and", "i": "and",
    "godz": "", "godzinie": "", "godzina": "", "o godzinie": "", "o": "",
    "nie": "not", "oprocz": "not", "poza": "not", "z wyjatkiem": "not", "ale nie": "not",
}

ROMANIAN: dict[str, str] = {
    "luni": "mon", "lunea": "mon",
    "marti": "tue", "martea": "tue",
    "miercuri": "wed", "miercurea": "wed",
    "joi": "thu", "joia": "thu",
    "vineri": "fri", "vinerea": "fri",
    "sambata": "sat", "sambetele": "sat",
    "duminica": "sun", "duminicile": "sun",
    "in timpul saptamanii": "weekdays", "in cursul saptamanii": "weekdays",
    "zilele lucratoare": "weekdays", "zile lucratoare": "weekdays",
    "in zilele lucratoare": "weekdays",
    "weekend": "weekends", "weekendul": "weekends", "in weekend": "weekends",
    "weekendurile": "weekends", "sfarsit de saptamana": "weekends",
    "la sfarsit de saptamana": "weekends",
    "zilnic": "daily", "in fiecare zi": "daily", "zi de zi": "daily",
    "dimineata": "morning", "de dimineata": "morning", "diminetile": "morning",
    "dupa-amiaza": "afternoon", "dupa amiaza": "afternoon", "dupa-masa": "afternoon",
    "dupa masa": "afternoon", "dupamiaza": "afternoon",
    "seara": "evening", "serile": "evening", "noaptea": "night",
    "la pranz": "lunch", "pranz": "lunch", "amiaza": "12:00",
    "dupa": "after", "inainte de": "before", "inainte": "before", "de la": "from",
    "pana la": "until", "pana": "until", "la": "to", "intre": "between", "si": "and",
    "ora": "", "orele": "", "ore": "",
    "nu": "not", "in afara de": "not", "cu exceptia": "not", "fara": "not",
}

ARABIC: dict[str, str] = {
    "الاثنين": "mon", "اثنين": "mon", "الثلاثاء": "tue", "ثلاثاء": "tue",
    "الاربعاء": "wed", "اربعاء": "wed", "الخميس": "thu", "خميس": "thu",
    "الجمعة": "fri", "جمعة": "fri", "السبت": "sat", "سبت": "sat", "الاحد": "sun",
    "يوم": "", "ايام": "", "ايام العمل": "weekdays",
    "نهاية الاسبوع": "weekends", "عطلة نهاية الاسبوع": "weekends", "الويكند": "weekends",
    "ويكند": "weekends",
    "كل يوم": "daily", "يوميا": "daily",
    "صباحا": "morning", "الصباح": "morning", "صباح": "morning", "في الصباح": "morning",
    "الصبح": "morning",
    "بعد الظهر": "afternoon", "بعد الظهيرة": "afternoon", "العصر": "afternoon",
    "عصرا": "afternoon", "الظهر": "12:00", "ظهرا": "12:00",
    "مساء": "evening", "المساء": "evening", "في المساء": "evening", "مساءا": "evening",
    "ليلا": "night", "الليل": "night", "بالليل": "night", "في الليل": "night",
    "ص": "am", "م": "pm",
    "بعد": "after", "قبل": "before", "من": "from", "الى": "until", "حتى": "until",
    "لغاية": "until", "بين": "between", "و": "and",
    "الساعة": "", "ساعة": "", "في": "",
    "ما عدا": "not", "عدا": "not", "الا": "not", "ليس": "not", "لا": "not", "غير": "not",
    "باستثناء": "not",
}

URDU: dict[str, str] = {
    "پیر": "mon", "سوموار": "mon", "منگل": "tue", "بدھ": "wed", "جمعرات": "thu",
    "جمعہ": "fri", "جمعے": "fri", "ہفتہ": "sat", "سنیچر": "sat", "اتوار": "sun",
    "ہفتے کے آخر": "weekends", "ہفتے کے آخر میں": "weekends", "ویک اینڈ": "weekends",
    "ویک اینڈ پر": "weekends",
    "روزانہ": "daily", "ہر روز": "daily", "ہر دن": "daily",
    "صبح": "morning", "صبح کو": "morning", "دوپہر": "afternoon", "دوپہر کو": "afternoon",
    "سہ پہر": "afternoon", "شام": "evening", "شام کو": "evening", "رات": "night",
    "رات کو": "night",
    "کے بعد": "_after", "بعد": "_after", "سے پہلے": "_before", "پہلے": "_before",
    "سے": "to", "تک": "", "بجے": "", "بجے کے": "", "اور": "and", "کے درمیان": "",
    "نہیں": "not", "نہ": "not", "سوائے": "not", "کے علاوہ": "not", "علاوہ": "not",
    "مت": "not",
}

PUNJABI: dict[str, str] = {
    "ਸੋਮਵਾਰ": "mon", "ਮੰਗਲਵਾਰ": "tue", "ਬੁੱਧਵਾਰ": "wed", "ਬੁਧਵਾਰ": "wed",
    "ਵੀਰਵਾਰ": "thu", "ਸ਼ੁੱਕਰਵਾਰ": "fri", "ਸ਼ੁਕਰਵਾਰ": "fri", "ਸ਼ਨੀਵਾਰ": "sat",
    "ਛਨਿੱਚਰਵਾਰ": "sat", "ਐਤਵਾਰ": "sun",
    "ਹਫ਼ਤੇ ਦੇ ਅਖੀਰ": "weekends", "ਹਫ਼ਤੇ ਦੇ ਅਖੀਰ ਤੇ": "weekends", "ਵੀਕਐਂਡ": "weekends",
    "ਵੀਕੈਂਡ": "weekends",
    "ਰੋਜ਼": "daily", "ਹਰ ਰੋਜ਼": "daily", "ਹਰ ਦਿਨ": "daily", "ਰੋਜ਼ਾਨਾ": "daily",
    "ਸਵੇਰੇ": "morning", "ਸਵੇਰ": "morning", "ਸਵੇਰ ਨੂੰ": "morning",
    "ਦੁਪਹਿਰ": "afternoon", "ਦੁਪਹਿਰੇ": "afternoon", "ਦੁਪਹਿਰ ਤੋਂ ਬਾਅਦ": "afternoon",
    "ਦੁਪਹਿਰ ਨੂੰ": "afternoon",
    "ਸ਼ਾਮ": "evening", "ਸ਼ਾਮੀਂ": "evening", "ਸ਼ਾਮ ਨੂੰ": "evening", "ਰਾਤ": "night",
    "ਰਾਤ ਨੂੰ": "night",
    "ਤੋਂ ਬਾਅਦ": "_after", "ਦੇ ਬਾਅਦ": "_after", "ਬਾਅਦ": "_after",
    "ਤੋਂ ਪਹਿਲਾਂ": "_before", "ਪਹਿਲਾਂ": "_before",
    "ਤੋਂ": "to", "ਤੱਕ": "", "ਤਕ": "", "ਵਜੇ": "", "ਅਤੇ": "and", "ਤੇ": "and",
    "ਦੇ ਵਿਚਕਾਰ": "", "ਵਿਚਕਾਰ": "",
    "ਨਹੀਂ": "not", "ਨਾ": "not", "ਸਿਵਾਏ": "not", "ਤੋਂ ਇਲਾਵਾ": "not", "ਇਲਾਵਾ": "not",
}

SOMALI: dict[str, str] = {
    "isniin": "mon", "isniinta": "mon", "talaado": "tue", "talaadada": "tue",
    "salaasa": "tue", "arbaco": "wed", "arbacada": "wed", "arbaca": "wed",
    "khamiis": "thu", "khamiista": "thu", "jimce": "fri", "jimcaha": "fri", "jimco": "fri",
    "sabti": "sat", "sabtida": "sat", "axad": "sun", "axadda": "sun",
    "dhammaadka toddobaadka": "weekends", "dhamaadka todobaadka": "weekends",
    "dhamaadka toddobaadka": "weekends", "fasaxa toddobaadka": "weekends",
    "maalin kasta": "daily", "maalmaha oo dhan": "daily", "maalin walba": "daily",
    "subaxdii": "morning", "subax": "morning", "subaxnimo": "morning", "aroorta": "morning",
    "galabtii": "afternoon", "galab": "afternoon", "galabnimo": "afternoon",
    "duhurkii": "afternoon", "duhur": "afternoon",
    "fiidkii": "evening", "fiid": "evening", "fiidnimo": "evening",
    "habeenkii": "night", "habeen": "night",
    "kadib": "_after", "ka dib": "_after", "kaddib": "_after",
    "ka hor": "_before", "kahor": "_before",
    "ilaa": "until", "illaa": "until", "iyo": "and", "u dhexeeya": "",
    "saacadda": "", "saac": "", "saacadu": "",
    "maaha": "not", "ma aha": "not", "mooyee": "not", "marka laga reebo": "not",
    "aan ahayn": "not",
}

BY_LANGUAGE: dict[str, dict[str, str]] = {
    "en": {}, "cy": WELSH, "pl": POLISH, "ro": ROMANIAN, "ar": ARABIC, "ur": URDU,
    "pa": PUNJABI, "so": SOMALI,
}

# Somali clock time is traditionally counted from sunrise ("saacadda 1" is 7 in the morning),
# so a bare hour there could be either; only "6pm", "18:00" and the like are clear.
BARE_HOURS_UNCLEAR = frozenset({"so"})
