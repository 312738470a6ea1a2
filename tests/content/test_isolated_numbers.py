"""Phone numbers in right-to-left texts are isolated (issue 21, item 5): `flask flows check`
refuses a number in an Arabic or Urdu text that is not LRI, groups joined by no-break spaces,
PDI, and pages put every number in <bdi dir="ltr">."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.catalogues import Catalogues
from app.content.lint import check_text
from app.content.lockscreen import LockScreenRule
from app.content.numbers import isolated_html, unisolated_numbers

ROOT = Path(__file__).resolve().parents[2]
RULE = LockScreenRule(40, {"en": ()})
ISOLATED = "\u20660808\u00a02000\u00a0247\u2069"


@pytest.mark.parametrize("language", ["ar", "ur"])
def test_every_number_in_the_shipped_right_to_left_texts_is_isolated(language: str) -> None:
    for domain in ("messages", "web"):
        loaded = Catalogues.load(ROOT / "translations", "en", domain=domain)
        for message_id, text in loaded.messages(language):
            assert unisolated_numbers(text) == [], (domain, message_id)
    texts = dict(Catalogues.load(ROOT / "translations", "en").messages(language))
    assert ISOLATED in texts["hours.closed"]


@pytest.mark.parametrize("number", [
    "0808 2000 247",  # plain: reversed in a right-to-left paragraph
    "\u200e0808\u00a02000\u00a0247",  # a left-to-right mark alone (the old way)
    "\u20660808 2000 247\u2069",  # isolated, but a line may wrap between the groups
])
def test_the_check_refuses_a_number_that_is_not_isolated_in_an_rtl_text(number: str) -> None:
    text = f"اتصل بالرقم {number} الآن."
    problems = [str(p) for p in check_text(RULE, "ar", "x", text, None)]
    assert any("without isolates" in p for p in problems), problems


def test_the_check_accepts_an_isolated_number_and_leaves_gsm7_texts_alone() -> None:
    assert check_text(RULE, "ar", "x", f"اتصل بالرقم {ISOLATED} الآن.", None) == []
    # English stays GSM-7: an isolate there would double the SMS's segments.
    assert check_text(RULE, "en", "x", "Call 0808 2000 247 now.", None) == []


def test_pages_put_each_number_in_a_left_to_right_bdi() -> None:
    html = str(isolated_html(f"<b> اتصل بالرقم {ISOLATED} أو 999."))
    assert html == ("&lt;b&gt; اتصل بالرقم <bdi dir=\"ltr\">0808\u00a02000\u00a0247</bdi> "
                    "أو 999.")
    assert str(isolated_html("Helpline: 0808 2000 247.")) == (
        "Helpline: <bdi dir=\"ltr\">0808\u00a02000\u00a0247</bdi>.")
