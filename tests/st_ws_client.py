"""A non-rendering Streamlit client: speaks Streamlit's websocket protocol to a real server.

It does what the browser's JavaScript does on the wire and nothing else: it opens
``/_stcore/stream``, sends ``rerun_script`` BackMsgs (a page and a query string, a page
change, a widget change) and reads the ForwardMsgs until the run's ``script_finished``.
The server does all the real work (the script run, the DuckDB queries, the Plotly
figures); the client only parses protobufs, so twenty of them cost almost nothing. What
it measures is the server's time for one script run (request sent → ``script_finished``
received), not a browser's paint.

Wire behaviour copied from Streamlit's frontend (``sendRerunBackMsg`` in the bundled
``static/js/index.*.js``, Streamlit 1.67):

- opening a URL: ``page_script_hash=""``, ``page_name`` = the URL path (``"channels"``),
  ``query_string`` = the URL's query;
- clicking a page in the navigation: ``page_script_hash`` = the target page's hash (from
  the ``navigation`` ForwardMsg), ``page_name=""``, the query string cleared;
- changing a widget: the current page's hash and the current query string (the server
  rewrites the URL with ``page_info_changed``; the client keeps it like a browser);
- forward-message cache: ``cacheable`` messages are kept by hash and their hashes sent
  with every rerun; the server then sends ``ref_hash`` references instead, which are
  resolved from the cache (an unknown reference is an error).

A run has an error when any of these arrives: an exception element, an error alert
(``st.error``), ``page_not_found``, a script compilation exception, a ``script_finished``
other than success — or when the run does not finish within the timeout or the
connection drops. ``problems`` is the per-message check (unit-tested on crafted messages).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

WIDGET_KINDS = ("multiselect", "radio", "selectbox", "checkbox", "button", "date_input", "text_input")
MAIN, SIDEBAR = 0, 1  # the first element of a delta path: the root container
_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
         ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
_CACHE_LIMIT = 2000  # forward messages kept per session (the browser keeps a bounded cache too)


@dataclass(frozen=True)
class Widget:
    kind: str
    id: str
    label: str
    options: tuple[str, ...]
    sidebar: bool


@dataclass
class RunResult:
    """One script run as the client saw it."""

    action: str  # open | navigate | widget
    asked_page: str  # the URL path asked for ("" is the default page)
    query: str  # the query string sent
    page: str | None = None  # the URL path of the page the server ran (from ``navigation``)
    seconds: float = 0.0  # rerun_script sent → script_finished received
    status: str = ""
    elements: int = 0  # new_element deltas (references resolved)
    element_kinds: Counter = field(default_factory=Counter)
    bytes: int = 0
    refs: int = 0  # ref_hash messages resolved from the cache
    headings: list[str] = field(default_factory=list)  # main-area headings, in order
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def title(self) -> str | None:
        return self.headings[0] if self.headings else None


def problems(msg: ForwardMsg) -> list[str]:
    """What a user would see as an error in this one ForwardMsg (empty: none)."""
    kind = msg.WhichOneof("type")
    out: list[str] = []
    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        el = msg.delta.new_element
        ek = el.WhichOneof("type")
        if ek == "exception":
            out.append(f"exception {el.exception.type}: {el.exception.message[:300]}")
        elif ek == "alert" and el.alert.format == Alert.ERROR:
            out.append(f"error alert: {el.alert.body[:300]}")
    elif kind == "page_not_found":
        out.append(f"page not found: {msg.page_not_found.page_name!r}")
    elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
        exc = msg.session_event.script_compilation_exception
        out.append(f"script compilation exception {exc.type}: {exc.message[:300]}")
    elif kind == "script_finished" and msg.script_finished not in (
        ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_EARLY_FOR_RERUN,
        ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    ):
        out.append(f"script finished with {ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)}")
    return out


class StreamlitSession:
    """One browser-tab-like session on one websocket. Use ``async with``."""

    def __init__(self, base_url: str, *, timeout: float = 120.0, locale: str = "en-US") -> None:
        host = base_url.split("://", 1)[-1].rstrip("/")
        self.origin = f"http://{host}"
        self.ws_url = f"ws://{host}/_stcore/stream"
        self.timeout = timeout
        self.locale = locale
        self.query_string = ""
        self.page_hash = ""  # the page the server ran last
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.widgets: dict[str, Widget] = {}  # widget id -> widget, from the last run
        self._cache: dict[str, ForwardMsg] = {}
        self._ws = None

    async def __aenter__(self) -> StreamlitSession:
        self._ws = await websockets.connect(
            self.ws_url, origin=self.origin, subprotocols=["streamlit"], max_size=None,
            proxy=None, open_timeout=self.timeout, ping_interval=None,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._ws is not None:
            await self._ws.close()

    # ------------------------------------------------------------------ actions

    async def open(self, page: str, query: str = "") -> RunResult:
        """What a browser does when it opens ``/<page>?<query>`` (a shared link)."""
        self.query_string = query
        return await self._run("open", page, page_script_hash="", page_name=page)

    async def navigate(self, page: str) -> RunResult:
        """A click on ``page`` in the sidebar navigation (the URL's query is cleared)."""
        if page not in self.pages:
            raise KeyError(f"no page {page!r} in the navigation ({sorted(self.pages)})")
        self.query_string = ""
        return await self._run("navigate", page, page_script_hash=self.pages[page], page_name="")

    async def set_widget(self, widget: Widget, value: str | list[str]) -> RunResult:
        """Change one widget (a multiselect takes a list of option labels, a radio or
        selectbox one option label) and rerun, as the browser does on a user's change."""
        back = self._back_msg(page_script_hash=self.page_hash, page_name="")
        state = back.rerun_script.widget_states.widgets.add()
        state.id = widget.id
        if isinstance(value, list):
            state.string_array_value.data.extend(value)
        else:
            state.string_value = value
        page = next((p for p, h in self.pages.items() if h == self.page_hash), "?")
        return await self._send_and_collect("widget", page, back)

    def widget(self, label: str, kind: str | None = None) -> Widget | None:
        """The widget of the last run with this label (and kind)."""
        return next((w for w in self.widgets.values()
                     if w.label == label and (kind is None or w.kind == kind)), None)

    @property
    def lang(self) -> str | None:
        return parse_qs(self.query_string).get("lang", [None])[0]

    # ------------------------------------------------------------------ protocol

    def _back_msg(self, *, page_script_hash: str, page_name: str) -> BackMsg:
        back = BackMsg()
        rs = back.rerun_script
        rs.query_string = self.query_string
        rs.page_script_hash = page_script_hash
        rs.page_name = page_name
        rs.cached_message_hashes.extend(self._cache)
        rs.context_info.timezone = "UTC"
        rs.context_info.timezone_offset = 0
        rs.context_info.locale = self.locale
        rs.context_info.url = f"{self.origin}/{page_name}?{self.query_string}"
        return back

    async def _run(self, action: str, page: str, *, page_script_hash: str, page_name: str) -> RunResult:
        back = self._back_msg(page_script_hash=page_script_hash, page_name=page_name)
        return await self._send_and_collect(action, page, back)

    async def _send_and_collect(self, action: str, page: str, back: BackMsg) -> RunResult:
        res = RunResult(action=action, asked_page=page, query=back.rerun_script.query_string)
        widgets: dict[str, Widget] = {}
        t0 = time.perf_counter()
        deadline = t0 + self.timeout
        try:
            await self._ws.send(back.SerializeToString())
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError
                data = await asyncio.wait_for(self._ws.recv(), left)
                res.bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                if msg.WhichOneof("type") == "ref_hash":
                    cached = self._cache.get(msg.ref_hash)
                    if cached is None:
                        res.errors.append(f"ref_hash {msg.ref_hash} not in the client's cache")
                        continue
                    res.refs += 1
                    resolved = ForwardMsg()
                    resolved.CopyFrom(cached)
                    resolved.metadata.CopyFrom(msg.metadata)
                    msg = resolved
                elif msg.metadata.cacheable and msg.hash:
                    if len(self._cache) >= _CACHE_LIMIT:
                        self._cache.pop(next(iter(self._cache)))
                    self._cache[msg.hash] = msg
                res.errors.extend(problems(msg))
                kind = msg.WhichOneof("type")
                if kind == "delta":
                    self._on_delta(msg, res, widgets)
                elif kind == "navigation":
                    self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                    self.page_hash = msg.navigation.page_script_hash
                    res.page = next((p for p, h in self.pages.items() if h == self.page_hash), None)
                elif kind == "page_info_changed":
                    self.query_string = msg.page_info_changed.query_string
                elif kind == "script_finished" and msg.script_finished in _DONE:
                    res.status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                    break
        except TimeoutError:
            res.errors.append(f"no script_finished within {self.timeout:g} s")
        except websockets.ConnectionClosed as exc:
            res.errors.append(f"connection closed: {exc!r}"[:300])
        res.seconds = time.perf_counter() - t0
        self.widgets = widgets
        return res

    @staticmethod
    def _on_delta(msg: ForwardMsg, res: RunResult, widgets: dict[str, Widget]) -> None:
        if msg.delta.WhichOneof("type") != "new_element":
            return
        el = msg.delta.new_element
        ek = el.WhichOneof("type")
        res.elements += 1
        res.element_kinds[ek] += 1
        root = msg.metadata.delta_path[0] if msg.metadata.delta_path else MAIN
        if ek == "heading" and root == MAIN:
            res.headings.append(el.heading.body)
        elif ek == "alert" and el.alert.format == Alert.WARNING:
            res.warnings.append(el.alert.body[:200])
        elif ek in WIDGET_KINDS:
            w = getattr(el, ek)
            options = tuple(getattr(w, "options", ()))
            widgets[w.id] = Widget(ek, w.id, w.label, options, root == SIDEBAR)
