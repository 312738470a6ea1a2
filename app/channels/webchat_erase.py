"""The words of the web chat's "delete this conversation": its question and its answer.

They must be true of what the delete does (docs/threat-model.md, A1/A4), which depends on the
safe number the page gave, decided on the server when that phone texts (app/conversation/
safe_numbers.py), so the page asks before it puts the question (`/chat/erase/scope`):
- "none": no number wrote (none given, or it never texted): the chat alone, the plain words;
- "joined": the chat became the number's conversation and is deleted with our copy of the
  texts since; the texts on that phone are beyond our reach, and the words say so;
- "apart": the number has a conversation of its own (a case, locked, held or paused), which
  the page's delete rightly leaves: the words say those texts are kept apart and are deleted
  by texting the delete word (flows/keywords.yaml, `erase`) from that phone. Never "deleted"
  for texts that are not.
"""

from __future__ import annotations

from app.content.catalogues import MissingMessage, text_id
from app.services import services

QUESTIONS = {"none": text_id("chat.erase_confirm"),
             "joined": text_id("chat.erase_confirm_texts"),
             "apart": text_id("chat.erase_confirm_apart")}
ANSWERS = {"none": text_id("chat.erased"),
           "joined": text_id("chat.erased_texts"),
           "apart": text_id("chat.erased_apart")}
ERASED_TEXT = "This conversation has been deleted."
# With no catalogue at all: words that claim no more than is done (the apart texts are not
# deleted; the texts on the phone never are).
ASKED_TEXT = "Delete this conversation for good?"
APART_TEXT = " The texts from the number you gave are kept apart and are not deleted."
FALLBACKS = {(True, "none"): ASKED_TEXT, (True, "joined"): ASKED_TEXT,
             (True, "apart"): ASKED_TEXT + APART_TEXT,
             (False, "none"): ERASED_TEXT,
             (False, "joined"): ERASED_TEXT + " The texts on your phone are still there.",
             (False, "apart"): ERASED_TEXT + APART_TEXT}


def words(language: str | None, scope: str, *, asking: bool) -> str:
    """The question (`asking`) or the answer for `scope` ("none", "joined" or "apart") in
    `language` (falling back to English). The service's number is isolated (LRI ... PDI) so a
    right-to-left page shows it in order."""
    message_id = (QUESTIONS if asking else ANSWERS)[scope]
    number = "\u2066" + services().settings.sms_from + "\u2069"
    try:
        return services().web_catalogues.text(language, message_id, {"number": number})
    except MissingMessage:
        return FALLBACKS[asking, scope]
