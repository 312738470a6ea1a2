"""The administrator's staff page: every account, and each one's own phone for safe call-backs
(set, changed or removed here as with `flask advocates phone`).

docs/threat-model.md, A4: a colleague's number is sealed (app/staff/phones.py) and this page
never shows it back, only its last three digits; setting it is audited (who, whose account,
never the number). Admins only (`authz.can_manage_staff`); the forms carry CSRF like every
other.
"""

from __future__ import annotations

from flask import Response, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app import audit
from app.advocates import bp
from app.casework.desk import NotAllowed
from app.services import services
from app.staff import authz
from app.staff.accounts import StaffMember
from app.staff.phones import PhoneError

ROLE_NAMES = {"advocate": "Advocate", "supervisor": "Supervisor", "admin": "Administrator"}


def _admin_only() -> None:
    if not authz.can_manage_staff(g.staff):
        raise NotAllowed("staff")


def _account(advocate_id: int) -> StaffMember:
    member = services().accounts.by_id(advocate_id)
    if member is None:
        abort(404)
    return member


@bp.get("/staff")
def staff_page() -> BaseResponse:
    _admin_only()
    built = services()
    return Response(render_template(
        "advocates/staff.html", accounts=built.accounts.roster(),
        endings=built.phones.endings(), roles=ROLE_NAMES,
        saved=request.args.get("saved", type=int)))


@bp.route("/staff/<int:advocate_id>/phone", methods=["GET", "POST"])
def staff_phone(advocate_id: int) -> BaseResponse:
    _admin_only()
    built = services()
    account = _account(advocate_id)
    error = None
    if request.method == "POST":
        try:
            built.phones.set(account.id, request.form.get("phone", "")[:32],
                             actor=audit.staff(g.staff.id))
        except PhoneError as refused:
            error = f"Not saved: {refused}."
        else:
            return redirect(url_for("advocates.staff_page", saved=account.id))
    return Response(render_template(
        "advocates/staff_phone.html", account=account,
        ending=built.phones.endings().get(account.id), error=error),
        status=400 if error else 200)
