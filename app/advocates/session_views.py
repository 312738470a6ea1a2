"""An advocate's own signed-in sessions: when each began and was last used; sign out one or
all of them (a phone left signed in, a shared computer)."""

from __future__ import annotations

from flask import Response, g, redirect, render_template, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp, staff_session
from app.services import services


@bp.get("/sessions")
def sessions_page() -> Response:
    return Response(render_template(
        "advocates/sessions.html", sessions=services().staff_sessions.listing(g.staff.id),
        this_session=g.staff_session_id,
        recovery_codes_left=services().accounts.recovery_codes_left(g.staff.id)))


@bp.post("/sessions/<int:session_id>/end")
def end_session(session_id: int) -> BaseResponse:
    services().staff_sessions.end(g.staff.id, session_id)
    if session_id == g.staff_session_id:
        staff_session.sign_out()
        return redirect(url_for("advocates.login"))
    return redirect(url_for("advocates.sessions_page"))


@bp.post("/sessions/end-all")
def end_all_sessions() -> BaseResponse:
    services().staff_sessions.end_all(g.staff.id)
    staff_session.sign_out()
    return redirect(url_for("advocates.login"))
