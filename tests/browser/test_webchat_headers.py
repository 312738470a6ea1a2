"""The no-trace headers on every chat response (issue 12; docs/threat-model.md, A1).

Contract: every chat route (/, /chat/start, /chat/send, /chat/exit, /notes) answers with
`Cache-Control: no-store`, no `ETag`, no `Last-Modified`, `Referrer-Policy: no-referrer`,
`X-Content-Type-Options: nosniff`, a `Content-Security-Policy` with `default-src 'none'` and
`frame-ancestors 'none'` and no `'unsafe-inline'`, and no `Set-Cookie` at all. `POST
/chat/exit` answers 204 with `Clear-Site-Data` naming "cache", "cookies" and "storage".

Checked twice: each route (and its error answers) requested directly, and every response the
server actually sent during a real browser session, as the live server recorded them.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from playwright.sync_api import APIRequestContext, APIResponse

from tests.browser.chat import CHAT_ROUTES, EXIT_URL, ChatPage, ExitSite, header_problems
from tests.browser.harness import Browsers, LiveServer, header_values

pytestmark = pytest.mark.browser


def _headers(response: APIResponse) -> list[tuple[str, str]]:
    return [(h["name"], h["value"]) for h in response.headers_array]


def test_every_chat_route_sends_the_no_trace_headers(api: APIRequestContext) -> None:
    start = api.post("/chat/start", data={})
    token = start.json()["token"]
    responses = {
        "GET /": (api.get("/"), 200),
        "GET /?lang=ar": (api.get("/?lang=ar"), 200),
        "GET /notes": (api.get("/notes"), 200),
        "GET /notes?lang=ar": (api.get("/notes?lang=ar"), 200),
        "POST /chat/start": (start, 200),
        "POST /chat/send": (api.post("/chat/send", data={
            "token": token, "id": uuid4().hex, "text": "hello"}), 200),
        "POST /chat/send, empty": (api.post("/chat/send", data={
            "token": token, "id": uuid4().hex, "text": ""}), 400),
        "POST /chat/send, 10 KB": (api.post("/chat/send", data={
            "token": token, "id": uuid4().hex, "text": "x" * 10_240}), 413),
        "POST /chat/send, unknown token": (api.post("/chat/send", data={
            "token": "not-a-token", "id": uuid4().hex, "text": "hello"}), 200),
        "POST /chat/resume, wrong code": (api.post("/chat/resume", data={
            "code": "maple river stone"}), 400),
        "POST /chat/number, not a mobile": (api.post("/chat/number", data={
            "token": token, "number": "020 7946 0000"}), 400),
        "POST /chat/exit": (api.post("/chat/exit", data=token,
                                     headers={"Content-Type": "text/plain"}), 204),
    }

    statuses = {name: r.status for name, (r, _) in responses.items()}
    assert statuses == {name: status for name, (_, status) in responses.items()}
    problems = {name: header_problems(_headers(r)) for name, (r, _) in responses.items()}
    assert problems == {name: [] for name in responses}


def test_exit_asks_the_browser_to_clear_the_site(api: APIRequestContext) -> None:
    token = api.post("/chat/start", data={}).json()["token"]
    api.post("/chat/send", data={"token": token, "id": uuid4().hex, "text": "hello"})

    response = api.post("/chat/exit", data=token, headers={"Content-Type": "text/plain"})

    assert response.status == 204
    clear = " ".join(header_values(_headers(response), "Clear-Site-Data"))
    for kind in ('"cache"', '"cookies"', '"storage"'):
        assert kind in clear, f"Clear-Site-Data {clear!r} lacks {kind}"


def test_every_response_of_a_browser_session_has_the_headers(live_server: LiveServer,
                                                             browsers: Browsers) -> None:
    context = browsers.launch()
    ExitSite(context).install()
    chat = ChatPage(context.pages[0], live_server)
    chat.page.goto(live_server.url("/notes?lang=ar"))
    chat.open_cover()
    chat.open_chat()
    chat.send("hello")
    chat.page.click("#quick-exit")
    chat.page.wait_for_url(EXIT_URL)
    live_server.wait_served("POST", "/chat/exit")

    served = live_server.served
    paths = {s.path for s in served}
    assert {"/", "/notes", "/chat/send", "/chat/exit"} <= paths, paths
    assert paths <= set(CHAT_ROUTES), f"the chat asked for more than its routes: {paths}"
    problems = {f"{s.method} {s.path}?{s.query} -> {s.status}": header_problems(s.headers)
                for s in served}
    assert problems == {name: [] for name in problems}
