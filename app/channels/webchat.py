"""The disguised web chat: a cover site at `/`, the chat over it, quick exit, no trace.

Threat (docs/threat-model.md, A1): someone later holds the survivor's phone or computer. So the
pages set no cookie, use no storage, are never cached, name nothing in their title or icon,
load nothing from anywhere else, and the chat's token lives only in the page's memory. The
script and styles are inline, allowed by their hashes in a strict Content-Security-Policy, so
a page is one request and nothing of it can be fetched again from a cache.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, g, render_template, request
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from app.channels import webchat_erase as erase_words
from app.channels.webchat_assets import Assets
from app.content.catalogues import MissingMessage, text_id
from app.content.numbers import isolated_html
from app.conversation.chat_sessions import ChatInputError, ChatSessions
from app.conversation.return_codes import CodeRefused
from app.conversation.safe_numbers import NumberRefused
from app.cover_sites import CoverSite
from app.logs import exception_summary
from app.services import services

log = logging.getLogger(__name__)
bp = Blueprint("webchat", __name__)

RTL = frozenset({"ar", "ur"})
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg", "pl": "Polski", "pa": "ਪੰਜਾਬੀ", "ur": "اردو",
                  "ar": "العربية", "ro": "Română", "so": "Soomaali"}
EXTENSION = "quietline.webchat"


def init_app(app: Flask, cover: CoverSite) -> None:
    app.extensions[EXTENSION] = Assets.build(cover)
    app.register_blueprint(bp)


def _assets() -> Assets:
    built: Assets = current_app.extensions[EXTENSION]
    return built


def _favicon(cover: CoverSite) -> str:
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
           f"<rect width='32' height='32' rx='6' fill='{cover.accent}'/>"
           f"<text x='16' y='21' font-size='14' text-anchor='middle' fill='#fff' "
           f"font-family='sans-serif'>{cover.icon_text}</text></svg>")
    return "data:image/svg+xml," + quote(svg)


def _language() -> str:
    deployment = services().settings.deployment
    asked = request.args.get("lang", "")
    return asked if asked in deployment.languages else deployment.default_language


def _page(template: str, *, notes: bool = False) -> Response:
    language = _language()
    cover = services().settings.deployment.cover
    assets = _assets()

    def t(message_id: str) -> str:
        return _text(language, message_id, fallback=message_id)

    deployment = services().settings.deployment
    speakers = {"service": t("chat.from_service"),
                "person": deployment.person_label or t("chat.from_person")}
    hours = str(deployment.return_codes.resume_hours)
    try:
        code_hint = services().web_catalogues.text(language, text_id("chat.code_hint"),
                                                   {"hours": hours})
    except MissingMessage:
        code_hint = ""
    chat_config = {
        "exitUrl": deployment.exit_url,
        # Whether the survivor chose the page's language (?lang=): only then does it decide
        # the language of the replies. On the page as it first opens, the language of what
        # they write does, as on SMS: a Polish message on the English page is answered in
        # Polish.
        "languageChosen": request.args.get("lang", "") in deployment.languages,
        "text": {"empty": t("chat.error_empty"), "error": t("chat.error_generic"),
                 "network": t("chat.error_network"), "codeShown": t("chat.code_shown"),
                 "codeHint": code_hint, "codeEmpty": t("chat.code_empty")},
        "speakers": speakers,
    }
    # The script and styles are our own files (never user input); they must reach the page
    # unescaped, byte for byte, or their CSP hashes would not match.
    css = Markup(assets.css)  # noqa: S704 -- our own assets, see above
    js = Markup(assets.notes_js if notes else assets.js)  # noqa: S704 -- the same
    html = render_template(
        template, language=language, direction="rtl" if language in RTL else "ltr",
        cover=cover, favicon=_favicon(cover), css=css, js=js,
        exit_url=deployment.exit_url,
        t=t, numbers=isolated_html, speakers=speakers, guide_page=notes,
        # As UTF-8, not \u escapes (still safe inside <script>: <, >, & and ' are escaped):
        # a Gurmukhi or Arabic letter takes 3 bytes, not 6, and the page stays under 50 KB.
        chat_config=htmlsafe_json_dumps(chat_config,
                                        dumps=partial(json.dumps, ensure_ascii=False)),
        languages=[(code, LANGUAGE_NAMES.get(code, code))
                   for code in services().settings.deployment.languages],
    )
    return Response(html, mimetype="text/html")


@bp.get("/")
def cover_page() -> Response:
    return _page("cover.html")


@bp.get("/notes")
def safety_page() -> Response:
    """The guidance on covering tracks, standalone (for a link an advocate sends, and without
    JavaScript). Its address is in the browser's history once opened, so it names nothing:
    not "/safety" (the address before), which on a gardening site would stand out."""
    return _page("safety.html", notes=True)


def _json(payload: dict[str, object], status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _sessions() -> ChatSessions:
    return services().chat_sessions


@bp.post("/chat/start")
def start() -> Response:
    return _json({"token": _sessions().start()})


def _payload() -> dict[str, object]:
    """The request's JSON object, or an empty one for anything else: not JSON, not an object,
    or nested too deep to parse (json raises RecursionError there, which `silent` lets
    through as a 500)."""
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        log.warning("event=chat.too_deep request_id=%s", g.request_id)
        return {}
    return payload if isinstance(payload, dict) else {}


@bp.post("/chat/poll")
def poll() -> Response:
    """Advocates' replies waiting for this page, each handed over once. Every one was written
    by a person (`Replies.send` takes a staff member), and `"from": "person"` tells the page so
    it can say who is speaking; nothing about which person is sent."""
    token = _payload().get("token")
    try:
        replies = _sessions().collect(token)
    except Exception as error:  # noqa: BLE001 -- the page keeps working; replies stay queued
        log.error("event=chat.poll_failed request_id=%s %s", g.request_id,
                  exception_summary(error))
        return _json({"replies": [], "from": "person"}, 503)
    return _json({"replies": replies, "from": "person"})


@bp.post("/chat/send")
def send() -> Response:
    payload = _payload()
    language = payload.get("language")
    if language not in services().settings.deployment.languages:
        language = None
    # The page's language is the replies' only if the survivor chose it ("languageChosen"
    # false: the page as it opened); else their own words' language, guessed, decides.
    # The page's texts (errors below) stay in the page's language.
    hint = None if payload.get("languageChosen") is False else language
    try:
        # remote_addr is the client's address as ProxyFix gives it (QUIETLINE_TRUSTED_PROXIES);
        # it only counts towards the flood allowance and is never stored.
        reply = _sessions().send(payload.get("token"), payload.get("id"), payload.get("text"),
                                 hint, request.remote_addr,
                                 number_mark=_text(language, text_id("chat.number_hidden")))
    except ChatInputError as error:
        status = 413 if error.code == "too_long" else 400
        return _json({"error": error.code,
                      "message": _text(language, error.message_id)}, status)
    except Exception as error:  # noqa: BLE001 -- the survivor gets the emergency numbers
        log.error("event=chat.failsafe request_id=%s %s", g.request_id,
                  exception_summary(error))
        return _json({"error": "unavailable", "message": _failsafe_text(payload, hint),
                      "replies": []}, 503)
    notice = (_saved_text(reply.language or language) if reply.number_saved
              else _text(reply.language, reply.notice_id) if reply.notice_id else None)
    answer: dict[str, object] = {"token": reply.token, "replies": list(reply.replies),
                                 "notice": notice}
    if reply.shown is not None:
        # A phone number the service withheld (app/conversation/typed_numbers.py): the page
        # shows the survivor's message with it hidden, as it was kept, so the screen does not
        # keep the number the service promised not to keep.
        answer["shown"] = reply.shown
    if reply.code:
        # Shown once by the page and kept nowhere: not in the transcript, a log or the URL.
        answer["code"] = reply.code
    if reply.number_saved:
        # The message gave the safe number (saved as from the form): the page takes its form
        # away, as after the form, so nothing asks for the number again.
        answer["numberSaved"] = True
    if reply.ask_number:
        # The survivor chose to be texted or called: the page shows its safe-number form, in
        # these words (sent now, not with every page: the page stays under 50 KB).
        answer["askNumber"] = {key: _text(reply.language or language, message_id)
                               for key, message_id in (
                                   ("label", text_id("chat.number_label")),
                                   ("warning", text_id("chat.number_warning")),
                                   ("save", text_id("chat.number_save")),
                                   ("empty", text_id("chat.number_empty")))}
    return _json(answer)


# What a refused safe number is answered with: each keeps the come-back code on offer and names
# 999, so a refusal is never a dead end.
NUMBER_REFUSED = {"invalid": (400, text_id("chat.number_invalid")),
                  "not_asked": (409, text_id("chat.number_not_asked")),
                  "unavailable": (503, text_id("chat.number_unavailable"))}


@bp.post("/chat/number")
def safe_number() -> Response:
    """The survivor's safe number for texts or calls, from the chat's own form, never from a
    chat message (app/conversation/safe_numbers.py). The answer never repeats the number."""
    payload = _payload()
    language = payload.get("language")
    if language not in services().settings.deployment.languages:
        language = None
    try:
        replies = _sessions().give_number(payload.get("token"), payload.get("number"))
    except NumberRefused as refused:
        status, message_id = NUMBER_REFUSED.get(refused.reason, NUMBER_REFUSED["unavailable"])
        return _json({"error": refused.reason, "message": _text(language, message_id)}, status)
    except Exception as error:  # noqa: BLE001 -- the survivor gets the emergency numbers
        log.error("event=chat.number_failed request_id=%s %s", g.request_id,
                  exception_summary(error))
        return _json({"error": "unavailable",
                      "message": _text(language, "chat.number_unavailable")}, 503)
    return _json({"message": _saved_text(language), "replies": list(replies)})


def _saved_text(language: str | None) -> str:
    """What the page says once the number is saved: text the service's number from that phone
    first. The number is isolated (LRI ... PDI) so a right-to-left page shows it in order."""
    number = "\u2066" + services().settings.sms_from + "\u2069"
    try:
        return services().web_catalogues.text(language, text_id("chat.number_saved"),
                                              {"number": number})
    except MissingMessage:
        return GENERIC_ERROR


# What a refused code is answered with; each names 999, so a refusal is never a dead end.
CODE_REFUSED = {"wrong": (400, text_id("chat.code_wrong")),
                "busy": (429, text_id("chat.code_busy")),
                "unavailable": (503, text_id("chat.code_unavailable"))}


@bp.post("/chat/resume")
def resume() -> Response:
    """The survivor typed their "come back later" code (app/conversation/return_codes.py)."""
    payload = _payload()
    language = payload.get("language")
    if language not in services().settings.deployment.languages:
        language = None
    try:
        # remote_addr counts wrong codes per address (keyed, in Redis, expiring); not stored.
        resumed = _sessions().resume(payload.get("code"), request.remote_addr)
    except CodeRefused as refused:
        status, message_id = CODE_REFUSED.get(refused.reason, CODE_REFUSED["unavailable"])
        return _json({"error": refused.reason, "message": _text(language, message_id)}, status)
    except Exception as error:  # noqa: BLE001 -- the survivor gets the emergency numbers
        log.error("event=chat.resume_failed request_id=%s %s", g.request_id,
                  exception_summary(error))
        return _json({"error": "unavailable",
                      "message": _text(language, "chat.code_unavailable")}, 503)
    said = text_id("chat.code_welcome") if resumed.replies else text_id("chat.code_waiting")
    return _json({"token": resumed.token, "replies": list(resumed.replies), "from": "person",
                  "message": _text(language, said)})


GENERIC_ERROR = "Something went wrong. If you are in danger, call 999."


def _failsafe_text(payload: dict[str, object], language: str | None) -> str:
    """The fail-safe emergency text (the page's language or a clear guess, English second),
    with a message we could take handed to the spool; the short generic text if even that
    fails. The page keeps its token, so the survivor can simply send again."""
    try:
        message = _sessions().failed_message(payload.get("token"), payload.get("id"),
                                             payload.get("text"), language)
        return services().failsafe.answer(message, language)
    except Exception:  # noqa: BLE001 -- still an answer that names 999
        return _text(language, "chat.error_generic")


def _text(language: str | None, message_id: str, fallback: str = GENERIC_ERROR) -> str:
    """A page text in `language` (falling back to English), or `fallback` when no catalogue
    has it: the page still renders, and an error answer still names 999."""
    try:
        return services().web_catalogues.text(language, message_id)
    except MissingMessage:
        return fallback


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> Response:
    """A body over the app's limit: the same clear JSON answer as a long message."""
    return _json({"error": "too_long", "message": _text(None, "chat.error_too_long")}, 413)


@bp.post("/chat/erase/scope")
def erase_scope() -> Response:
    """The delete question, true of what the delete would do now: a safe number the page gave
    may have joined the chat or been kept apart since (app/channels/webchat_erase.py)."""
    payload = _payload()
    language = payload.get("language")
    if language not in services().settings.deployment.languages:
        language = None
    try:
        scope = _sessions().erase_scope(payload.get("token"), payload.get("earlier", [])).scope
    except Exception as error:  # noqa: BLE001 -- the page says it failed; never a trace
        log.error("event=chat.erase_scope_failed request_id=%s %s", g.request_id,
                  exception_summary(error))
        return _json({"message": _text(language, "chat.error_generic")}, 503)
    return _json({"question": erase_words.words(language, scope, asking=True)})


@bp.post("/chat/erase")
def erase() -> Response:
    """Delete this conversation now (the page asked the survivor to confirm first), with any
    earlier one this page held and still shows (`earlier`), and one joined to the safe number
    the page gave (ChatSessions.erase)."""
    payload = _payload()
    token, language = payload.get("token"), payload.get("language")
    if language not in services().settings.deployment.languages:
        language = None
    try:
        erased = _sessions().erase(token, payload.get("earlier", []))
    except Exception as error:  # noqa: BLE001 -- say it failed; never a trace
        log.error("event=chat.erase_failed request_id=%s %s", g.request_id,
                  exception_summary(error))
        return _json({"erased": False, "message": _text(language, "chat.error_generic")}, 503)
    log.info("event=chat.erased erased=%s scope=%s", erased.erased, erased.scope)
    # Joined: deleted with our copies of its texts, but the texts on that phone are beyond
    # our reach. Apart: the number's own conversation stays. The page says so, not just
    # "deleted".
    return _json({"erased": erased.erased,
                  "message": erase_words.words(language, erased.scope, asking=False)})


@bp.post("/chat/exit")
def leave() -> Response:
    """The quick-exit beacon: end the conversation; tell the browser to drop everything."""
    token = request.get_data(as_text=True).strip()
    try:
        _sessions().end(token)
    except Exception as error:  # noqa: BLE001 -- a beacon has no one to answer; log, move on
        log.error("event=chat.exit_failed request_id=%s %s", g.request_id,
                  exception_summary(error))
    response = Response(status=204)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.after_request
def no_trace_headers(response: Response) -> Response:
    """Every chat response: never cached, no validators, no referrer, nothing embeddable."""
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    response.headers.pop("ETag", None)
    response.headers.pop("Last-Modified", None)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The guidance page runs only its own small script; the chat's is not allowed there.
    response.headers["Content-Security-Policy"] = (
        _assets().notes_csp if request.endpoint == "webchat.safety_page" else _assets().csp)
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    return response
