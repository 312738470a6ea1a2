"""The "cannot talk" intent in the ways people say it (flows/intents.yaml, issue 21 item 1): a
first message saying it is not safe to talk now pauses the conversation (nothing is sent until
the survivor writes again) instead of answering with the welcome menu, in every language; near
misses do not pause, and a message that also asks for a person still reaches a person.

The phrasings are written for this table (not copied from eval/messages); the non-English ones
were written by a developer and need native review, as flows/intents.yaml says."""

from __future__ import annotations

import pytest

from app.flows import ConversationState, Flow, load_flows, step
from app.flows.engine import StepResult
from app.flows.model import Pause
from tests.flows.test_intents import IDLE, NOW, ROOT


@pytest.fixture(scope="module")
def flow() -> Flow:
    return load_flows(ROOT / "flows")


def first(flow: Flow, text: str) -> StepResult:
    return step(flow, ConversationState(), text, NOW, IDLE)


def paused(result: StepResult) -> bool:
    return any(isinstance(action, Pause) for action in result.actions)


@pytest.mark.parametrize("text", [
    # English: not now, he is here, do not answer, I will write when, txt-speak.
    "sorry not safe rn",
    "cant text right now",
    "please dont answer this",
    "dont write back pls",
    "hes right here, cant say much",
    "gtg hes watching my phone",
    "ill get back to you tomorrow x",
    "will message when i can",
    "not right now sorry",
    "until you hear from me, nothing please",
    # Welsh (mutations: "wna i decstio").
    "dim rŵan sori",
    "peidiwch ymateb plis",
    "mae o yma",
    "wna i decstio nes mlaen",
    "fedra i ddim sgwennu llawer",
    "ddim heno sori",
    # Polish.
    "nie teraz, przepraszam",
    "on siedzi obok mnie",
    "napiszę jutro rano",
    "nie dzwonić proszę",
    "ciii",
    "przez telefon nie mogę, sorki",
    # Romanian (with and without diacritics, "vb" for vorbi).
    "nu acum te rog",
    "nu mă sunați, vă scriu eu",
    "sta langa mine acum",
    "nu pot vb",
    "trebuie să închid",
    # Arabic (Egyptian, Levantine, Maghrebi, Arabizi).
    "مش دلوقتي والله",
    "هو جنبي هلق",
    "بكتبلكم بكرة",
    "la tetasalo 3alaya",
    "مش امان احكي هلق",
    # Urdu, and Urdu in Latin letters.
    "وہ ساتھ بیٹھا ہے",
    "ابھی ریپلائی مت کرنا",
    "میں خود لکھوں گی",
    "abhi reply mat karna",
    "wo aa gaya hai",
    "saas paas baithi hai",
    "kal msg karungi",
    "baat nhi ho skti",
    "jab tak main na kahun, kuch mat bhejna",
    # Punjabi: Gurmukhi, Latin letters, Shahmukhi.
    "ਹੁਣੇ ਨਹੀਂ, ਉਹ ਆ ਗਿਆ",
    "ਜਵਾਬ ਨਾ ਭੇਜਿਓ",
    "ਲਿਖ ਨੀ ਸਕਦੀ ਹੁਣ",
    "hune ni, oh aa gaya",
    "reply na kareyo ji",
    "likh ni sakdi zyada",
    "kal msg kardu",
    "ہنے نئیں، بعد چ",
    "مسیج نہ کریو",
    # Somali.
    "sug hadda",
    "hadda ma awoodo walaal",
    "ha ii soo wicina",
    "habeenkii ayaan idin soo qori",
    "wuu i eegayaa",
    "maanta ma ahan walaal",
])
def test_cannot_talk_said_many_ways_pauses(flow: Flow, text: str) -> None:
    result = first(flow, text)
    assert result.intent == "cannot_talk"
    assert paused(result)


@pytest.mark.parametrize("text", [
    "he can't talk to me like that",
    "he cant speak to me like this any more",
    "I cant speak english very well",
    "I finish later than usual at work on thursdays",
    "later on he said sorry, is that normal",
    "nie wiem co teraz robić",  # Polish: "I don't know what to do now"
    "acum nu mai știu ce să fac",  # Romanian: "now I no longer know what to do"
    "hun ni pata ki karan",  # Punjabi: "now I don't know what to do"
    "ہُن نئیں ہوندا مینوں",  # Shahmukhi: "I cannot bear it any more"
    "ਹੁਣ ਨਹੀਂ ਹੁੰਦਾ ਮੇਰੇ ਤੋਂ",  # Gurmukhi: the same
    "فکر نہ کریو، میں ٹھیک آں",  # Shahmukhi: "don't worry, I'm fine"
])
def test_near_misses_do_not_pause(flow: Flow, text: str) -> None:
    result = first(flow, text)
    assert result.intent != "cannot_talk"
    assert not paused(result)


@pytest.mark.parametrize("text", [
    "can someone text me, hes here so dont call",
    "cant talk now but can someone message me later",
    "czy ktoś może do mnie napisać? nie teraz dzwonić",
    "abhi reply mat karna, kisi se baat karni hai",
    "fadlan qoraal ii soo dir, ha i soo wicin",  # Somali: "please text me, don't call me"
])
def test_a_request_for_a_person_outranks_cannot_talk(flow: Flow, text: str) -> None:
    result = first(flow, text)
    assert result.intent == "person"
    assert not paused(result)
