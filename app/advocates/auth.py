"""Sign-in and sign-out."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp, staff_session
from app.services import services
from app.staff.accounts import SignInRefused

MAX_FIELD = 256


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse:
    if request.method == "GET":
        return _page(None, 200)
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    code = request.form.get("code", "")
    if not email or not password or not code or max(map(len, (email, password, code))) > MAX_FIELD:
        return _page("Enter your e-mail, password and the 6-digit code from your "
                     "authenticator app.", 400)
    try:
        # The address is only counted (as an HMAC) for throttling, never stored.
        signed_in = services().accounts.sign_in(email, password, code,
                                                request.remote_addr or "-")
    except SignInRefused as refused:
        # The same answers for a known and an unknown e-mail: nothing here says which.
        if refused.until is not None:
            local = refused.until.astimezone(
                ZoneInfo(services().settings.deployment.opening_hours.timezone))
            error = f"Too many attempts. Sign-in is locked until {local:%H:%M}."
            return _page(error, 429)
        return _page("That e-mail, password or code is not right.", 401)
    staff_session.sign_in(signed_in.member)
    g.staff = signed_in.member
    if signed_in.recovery_codes_left is not None:
        # Said once, now: the advocate must know a code is gone and how many are left.
        left = signed_in.recovery_codes_left
        return Response(render_template("advocates/recovery_used.html", left=left))
    return redirect(url_for("advocates.queue"))


@bp.post("/logout")
def logout() -> BaseResponse:
    """Sign this session out (its cookie, even a copy, stops working); other devices stay
    signed in until they are signed out from the sessions page."""
    services().staff_sessions.end(g.staff.id, g.staff_session_id)
    staff_session.sign_out()
    return redirect(url_for("advocates.login"))


def _page(error: str | None, status: int) -> Response:
    return Response(render_template("advocates/login.html", error=error), status=status)
