"""An advocate who signs in, claims a case and replies, through the real staff pages."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.storage.models import Reply
from tests.conftest import MovableClock
from tests.support.cases import csrf
from tests.support.staff import make_advocate, sign_in


def signed_in_advocate(app: Flask, client: FlaskClient, clock: MovableClock) -> None:
    advocate = make_advocate(app, "a@example.org")
    sign_in(client, advocate, code=advocate.code(clock().timestamp()))


def claim_and_reply(client: FlaskClient, case_id: int, text: str) -> str:
    """Claim the case, send `text`, and return the case page as the advocate then sees it."""
    token = csrf(client.get("/advocates/queue").get_data(as_text=True))
    client.post(f"/advocates/cases/{case_id}/claim", data={"csrf_token": token})
    page = client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    answer = client.post(f"/advocates/cases/{case_id}/reply",
                         data={"csrf_token": csrf(page), "text": text})
    assert answer.status_code == 302
    return client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)


def replies(app: Flask) -> list[Reply]:
    with app.app_context(), services().database.session() as session:
        return list(session.scalars(select(Reply)))
