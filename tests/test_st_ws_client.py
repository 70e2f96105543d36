"""The websocket load client (tests/st_ws_client.py) sees what a browser would show.

Unit tests feed it crafted ForwardMsgs (error detection, the forward-message cache, a
time-out); the ``slow`` tests drive the real app server over the demo database: every
page in both languages renders with its own title and no error, a page change and a
filter change work like clicks, and real errors (an unknown page, a malformed widget
value) are reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.st_ws_client import RunResult, StreamlitSession, problems
from tests.test_load import PAGES, TITLE_KEYS

# --------------------------------------------------------------------------- crafted messages


def run_async(coro):
    """``asyncio.run`` in a thread of its own: in a test worker that has run Playwright
    tests, pytest-playwright's sync API leaves an event loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _element(**fields) -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend([0, 0])
    el = msg.delta.new_element
    for kind, values in fields.items():
        for name, value in values.items():
            setattr(getattr(el, kind), name, value)
    return msg


def _finished(status: int = ForwardMsg.FINISHED_SUCCESSFULLY) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = status
    return msg


def test_problems_flags_what_a_user_sees_as_an_error() -> None:
    assert problems(_element(exception={"type": "ValueError", "message": "boom"})) == [
        "exception ValueError: boom"]
    assert problems(_element(alert={"body": "cannot read", "format": Alert.ERROR})) == [
        "error alert: cannot read"]
    not_found = ForwardMsg()
    not_found.page_not_found.page_name = "nope"
    assert problems(not_found) == ["page not found: 'nope'"]
    compile_error = ForwardMsg()
    compile_error.session_event.script_compilation_exception.type = "SyntaxError"
    assert problems(compile_error)[0].startswith("script compilation exception SyntaxError")
    assert problems(_finished(ForwardMsg.FINISHED_WITH_COMPILE_ERROR)) == [
        "script finished with FINISHED_WITH_COMPILE_ERROR"]


def test_problems_leaves_normal_messages_alone() -> None:
    assert problems(_element(alert={"body": "few rows", "format": Alert.WARNING})) == []
    assert problems(_element(alert={"body": "note", "format": Alert.INFO})) == []
    assert problems(_element(heading={"body": "Overview", "tag": "h1"})) == []
    assert problems(_finished()) == []
    assert problems(_finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN)) == []
    status = ForwardMsg()
    status.session_status_changed.script_is_running = True
    assert problems(status) == []


class _FakeSocket:
    """Replays one list of ForwardMsgs per BackMsg sent; records what was sent."""

    def __init__(self, replies: Iterable[list[ForwardMsg]]) -> None:
        self.replies = list(replies)
        self.sent: list[bytes] = []
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def send(self, data: bytes) -> None:
        self.sent.append(data)
        for msg in self.replies.pop(0):
            self.queue.put_nowait(msg.SerializeToString())

    async def recv(self) -> bytes:
        return await self.queue.get()


def _run(replies: list[list[ForwardMsg]], timeout: float = 5.0) -> tuple[list[RunResult], _FakeSocket]:
    async def go() -> list[RunResult]:
        session = StreamlitSession("http://127.0.0.1:1", timeout=timeout)
        session._ws = _FakeSocket(replies)
        out = [await session.open("", "channel=web")]
        while session._ws.replies:
            out.append(await session.open("channels", ""))
        return out, session._ws

    return run_async(go())


def test_forward_message_cache_resolves_references() -> None:
    big = _element(heading={"body": "Overview", "tag": "h1"})
    big.hash = "h1"
    big.metadata.cacheable = True
    ref = ForwardMsg()
    ref.ref_hash = "h1"
    ref.metadata.delta_path.extend([0, 0])
    unknown = ForwardMsg()
    unknown.ref_hash = "never-sent"
    (first, second, third), sock = _run([[big, _finished()], [ref, _finished()], [unknown, _finished()]])
    from streamlit.proto.BackMsg_pb2 import BackMsg

    sent = [BackMsg.FromString(b).rerun_script for b in sock.sent]
    assert list(sent[0].cached_message_hashes) == [] and list(sent[1].cached_message_hashes) == ["h1"]
    assert (first.elements, first.refs, first.errors) == (1, 0, [])
    assert (second.elements, second.refs, second.headings, second.errors) == (1, 1, ["Overview"], [])
    assert third.errors == ["ref_hash never-sent not in the client's cache"]


def test_a_run_that_does_not_finish_is_an_error() -> None:
    (res,), _ = _run([[_element(heading={"body": "x"})]], timeout=0.3)
    assert res.errors == ["no script_finished within 0.3 s"]
    assert res.status == ""


def test_open_sends_what_the_browser_sends() -> None:
    (res,), sock = _run([[_finished()]])
    from streamlit.proto.BackMsg_pb2 import BackMsg

    rs = BackMsg.FromString(sock.sent[0]).rerun_script
    assert (rs.page_name, rs.page_script_hash, rs.query_string) == ("", "", "channel=web")
    assert rs.context_info.timezone == "UTC"
    assert res.status == "FINISHED_SUCCESSFULLY" and res.errors == []


# --------------------------------------------------------------------------- the real server


def _session_run(app_server: str, steps):
    async def go():
        async with StreamlitSession(app_server, timeout=120) as s:
            return await steps(s)

    return run_async(go())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_renders_over_the_websocket(app_server: str, lang: str) -> None:
    from cxmetrics.i18n import t

    async def steps(s: StreamlitSession) -> list[RunResult]:
        out = [await s.open(PAGES[0], f"lang={lang}&period=all")]
        for page in PAGES[1:]:
            out.append(await s.navigate(page))
        return out

    for page, res in zip(PAGES, _session_run(app_server, steps), strict=True):
        assert res.errors == [], (page, res.errors)
        assert res.status == "FINISHED_SUCCESSFULLY"
        assert res.page == page
        assert res.title == t(TITLE_KEYS[page], lang)
        assert res.elements >= 10, (page, res.element_kinds)


@pytest.mark.slow
def test_filter_change_and_shared_link(app_server: str) -> None:
    async def steps(s: StreamlitSession):
        opened = await s.open("channels", "channel=web&value_tier=high")
        query_after_open = s.query_string
        channel = s.widget("Channel", "multiselect")
        changed = await s.set_widget(channel, ["app", "chatbot"])
        return opened, query_after_open, channel, changed, s.query_string

    opened, query_after_open, channel, changed, query = _session_run(app_server, steps)
    assert opened.errors == [] and changed.errors == []
    assert "channel=web" in query_after_open and "value_tier=high" in query_after_open
    assert channel is not None and channel.sidebar and "whatsapp" in channel.options
    assert changed.page == "channels" and changed.title == "Channels & cohorts"
    assert "channel=app%2Cchatbot" in query and "value_tier=high" in query  # the URL follows the widget


@pytest.mark.slow
def test_real_errors_are_reported(app_server: str) -> None:
    async def steps(s: StreamlitSession):
        missing = await s.open("no-such-page", "")
        await s.open("channels", "")
        # A widget value of the wrong type (a browser never sends it): the script raises.
        bad = await s.set_widget(s.widget("Channel", "multiselect"), "web")
        return missing, bad

    missing, bad = _session_run(app_server, steps)
    assert any(e.startswith("page not found") for e in missing.errors)
    assert any(e.startswith("exception TypeError") for e in bad.errors), bad.errors
