"""The canned replies supervisors edit per language (app/casework/canned.py): a list with the
languages each is missing, an edit page with the lock-screen preview and the version history,
and a form to add one. Supervisors only (`authz.can_edit_canned`)."""

from __future__ import annotations

from flask import Response, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp
from app.advocates.answers import answer
from app.casework.canned import MAX_CHARS, MAX_LABEL, CannedRefused, UnknownCanned
from app.casework.desk import NotAllowed
from app.content.numbers import RIGHT_TO_LEFT
from app.content.segments import encoding_of
from app.services import services
from app.staff import authz


def _allowed() -> None:
    if not authz.can_edit_canned(g.staff):
        raise NotAllowed("canned")


@bp.get("/canned")
def canned_list() -> BaseResponse:
    _allowed()
    built = services()
    return Response(render_template(
        "advocates/canned.html", entries=built.canned.entries(),
        languages=built.settings.deployment.languages, max_chars=MAX_CHARS,
        max_label=MAX_LABEL, problems=(), form={}))


def _edit_page(key: str, language: str, text: str, problems: list[str] | tuple[str, ...],
               status: int = 200) -> Response:
    built = services()
    names = built.accounts.names()
    rule = built.canned.rule()
    # The lock screen, the parts and the whole are those of the text the survivor gets, with
    # the local services written in, not of the template with "{services}" in it.
    sent = built.canned.as_sent(text, language)
    encoding = encoding_of(sent)
    return Response(render_template(
        "advocates/canned_edit.html", key=key, language=language, text=text, sent=sent,
        right_to_left=language in RIGHT_TO_LEFT,
        problems=problems, history=built.canned.history(key, language), names=names,
        preview=sent[: rule.preview], preview_chars=rule.preview, segments=encoding.segments,
        encoding=encoding.name, max_chars=MAX_CHARS,
        label=next((e.label for e in built.canned.entries() if e.key == key), key)),
        status=status)


@bp.get("/canned/<key>/<language>")
def canned_edit(key: str, language: str) -> BaseResponse:
    _allowed()
    built = services()
    if language not in built.settings.deployment.languages:
        return answer(404, "The service does not offer that language.")
    try:
        text = built.canned.current(key, language) or ""
    except UnknownCanned:
        return answer(404, "There is no such canned reply.")
    return _edit_page(key, language, text, ())


@bp.post("/canned/<key>/<language>")
def canned_save(key: str, language: str) -> BaseResponse:
    _allowed()
    text = request.form.get("text", "")[: MAX_CHARS * 2]
    try:
        services().canned.save(g.staff, key, language, text)
    except UnknownCanned:
        return answer(404, "There is no such canned reply, or the service does not offer "
                           "that language.")
    except CannedRefused as refused:
        return _edit_page(key, language, text.strip(), refused.problems, status=422)
    return redirect(url_for("advocates.canned_list"))


@bp.post("/canned/new")
def canned_add() -> BaseResponse:
    _allowed()
    built = services()
    form = {name: request.form.get(name, "")[: MAX_CHARS * 2]
            for name in ("label", "language", "text")}
    try:
        built.canned.add(g.staff, form["label"], form["language"], form["text"])
    except UnknownCanned:
        return answer(400, "Choose one of the service's languages.")
    except CannedRefused as refused:
        return Response(render_template(
            "advocates/canned.html", entries=built.canned.entries(),
            languages=built.settings.deployment.languages, max_chars=MAX_CHARS,
            max_label=MAX_LABEL, problems=refused.problems, form=form), status=422)
    return redirect(url_for("advocates.canned_list"))
