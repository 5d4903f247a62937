"""A Streamlit session without a browser, speaking over the websocket what Streamlit's own frontend speaks: for the
load benchmark (bench/sessions.py) and its test (tests/test_st_client.py).

All of it is Streamlit's internal protocol, kept in this one module. On a Streamlit upgrade, check against the
installed package (python -c "import streamlit, os; print(os.path.dirname(streamlit.__file__))"), then run
`python -m pytest -q tests/test_st_client.py`, which fails when any of this has moved:
- web/server/starlette/starlette_websocket.py: the route /_stcore/stream; Sec-WebSocket-Protocol carries
  "streamlit", then an XSRF token and a session id to resume (both left out here: a new session, no st.login);
- proto/BackMsg.proto, proto/ClientState.proto: a run is asked for with BackMsg.rerun_script, a ClientState with
  the query string, the page (page_script_hash once known, else page_name: the page's url path), the state of every
  widget the client holds, and context_info; its cached_message_hashes stay empty, so that every message arrives
  whole rather than as a reference to one the client would have kept;
- proto/ForwardMsg.proto: new_session (the page_script_hash of the page run), page_info_changed (the query string
  the app set), delta.new_element (elements; a widget's proto has its id), script_finished (the end of a run, with
  FINISHED_EARLY_FOR_RERUN when st.rerun starts another run at once);
- runtime/state/common.py: user_key_from_element_id reads a widget's key from its id ("$$ID-<hash>-<key>");
- elements/widgets/selectbox.py: a selectbox's state is a string_value, the option as its format_func writes it;
- runtime/scriptrunner_utils/script_run_context.py: the logger quiet_apptest silences (if it is renamed, AppTest's
  harmless warnings only come back in the benchmarks' output).
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.common import is_element_id, user_key_from_element_id
from websockets.asyncio.client import ClientConnection, connect

_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
         ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


def quiet_apptest() -> None:
    """Silence the "missing ScriptRunContext" warning that each of AppTest's own calls from the main thread logs:
    the benchmarks that drive pages through AppTest would print it thousands of times."""
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(lambda record: False)


@dataclass
class Run:
    """What one run of the app sent: its time from the request to script_finished, and what it drew."""
    seconds: float = 0.0
    status: str = ""
    headings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # exceptions, and st.error's boxes
    widgets: dict[str, tuple[str, object]] = field(default_factory=dict)  # user key -> (kind, element proto)


class Session:
    """One browser tab's websocket session on a Streamlit server."""

    def __init__(self, ws: ClientConnection, url: str):
        self.ws = ws
        self.url = url
        self.page_script_hash = ""
        self.query_string = ""
        self.states: dict[str, WidgetState] = {}  # sent with every run, as the frontend does
        self.last = Run()

    @classmethod
    async def open(cls, url: str, cookies: dict[str, str] | None = None,
                   local_address: str | None = None) -> Session:
        """Connect to the server at url (http://host:port); cookies as a browser would send them; local_address to
        come from another loopback address (127.0.0.N), as another office PC would, for a proxy hashing on it."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else None
        extra = {"local_addr": (local_address, 0)} if local_address else {}
        ws = await connect(url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream", subprotocols=["streamlit"],
                           additional_headers=headers, max_size=None, open_timeout=60, ping_timeout=None, **extra)
        return cls(ws, url)

    @property
    def response_headers(self) -> dict[str, str]:
        """The handshake's response headers (a proxy's X-Upstream names the app server it chose)."""
        return dict(self.ws.response.headers) if self.ws.response else {}

    def select(self, key: str, option: str) -> None:
        """Choose an option of the selectbox with this key, as drawn by the last run; sent with the next runs."""
        kind, element = self.last.widgets[key]
        if kind != "selectbox" or option not in element.options:
            raise ValueError(f"{key} is a {kind} without the option {option!r}")
        self.states[element.id] = WidgetState(id=element.id, string_value=option)

    async def run(self, page: str | None = None, timeout: float = 300) -> Run:
        """Ask for a run (of the page with this url path, else of the page shown) and wait for its end."""
        state = BackMsg()
        rerun = state.rerun_script
        rerun.query_string = self.query_string
        if page is not None:
            rerun.page_name = page
        else:
            rerun.page_script_hash = self.page_script_hash
        rerun.widget_states.widgets.extend(self.states.values())
        rerun.context_info.timezone = "Asia/Shanghai"
        rerun.context_info.locale = "zh-CN"
        rerun.context_info.url = f"{self.url}/{page or ''}"
        run = Run()
        start = time.perf_counter()
        await self.ws.send(state.SerializeToString())
        deadline = time.monotonic() + timeout
        while True:
            message = ForwardMsg.FromString(await _recv(self.ws, deadline))
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = message.new_session.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = message.page_info_changed.query_string
            elif kind == "page_not_found":
                run.errors.append(f"page not found: {message.page_not_found.page_name}")
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                _note(run, message.delta.new_element)
            elif kind == "script_finished" and message.script_finished in _DONE:
                run.seconds = time.perf_counter() - start
                run.status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                self.last = run
                return run

    async def close(self) -> None:
        """Close the websocket (the server ends the session)."""
        await self.ws.close()


async def _recv(ws: ClientConnection, deadline: float) -> bytes:
    return await asyncio.wait_for(ws.recv(decode=False), max(0.001, deadline - time.monotonic()))


def _note(run: Run, element) -> None:
    kind = element.WhichOneof("type")
    body = getattr(element, kind)
    if kind == "heading":
        run.headings.append(body.body)
    elif kind == "exception":
        run.errors.append(f"{body.type}: {body.message}")
    elif kind == "alert" and body.format == body.ERROR:
        run.errors.append(body.body)
    element_id = body.id if "id" in body.DESCRIPTOR.fields_by_name else ""
    key = user_key_from_element_id(element_id) if is_element_id(element_id) else None
    if key is not None:
        run.widgets[key] = (kind, body)
