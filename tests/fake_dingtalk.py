"""A fake 钉钉 for the tests: real HTTP and a real websocket on 127.0.0.1, in its own thread.

It speaks the protocol the adapter speaks to the real one (the Stream gateway and its
frames, the OAuth token, robot messages, template cards, media upload, the directory) and
keeps the platform's limits: 20 users a batch, 15 000 bytes a message, a rate of calls a
second (429 beyond it), tokens that expire, 90020 and ``flowControlledStaffIdList`` on
demand, sockets that drop. Tests read what people would see: the messages and cards each
chat received. Waiting is on events (a condition variable), never on wall time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

MESSAGE_BYTES = 15_000
BATCH_USERS = 20
WAIT = 60.0


@dataclass
class Sent:
    """One message as a chat shows it."""

    via: str  # webhook | oto | group | card
    to: str  # a userId or an openConversationId
    kind: str  # markdown | image | file | card
    text: str = ""
    title: str = ""
    media: str = ""
    filename: str = ""
    track: str = ""


@dataclass
class Card:
    """A card as its chat shows it now."""

    track: str
    to: str
    group: bool
    params: dict[str, str]
    template: str
    private: dict[str, dict[str, str]] = field(default_factory=dict)

    def seen_by(self, user_id: str) -> dict[str, str]:
        """The card's parameters as ``user_id`` sees them (their private data on top)."""
        return {**self.params, **self.private.get(user_id, {})}

    @property
    def text(self) -> str:
        """The card's markdown."""
        return self.params.get("markdown", "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The card's buttons (label, data, chat, sig or url)."""
        return json.loads(self.params.get("buttons") or "[]")

    @property
    def labels(self) -> list[str]:
        """The buttons' labels."""
        return [button["label"] for button in self.buttons]


@dataclass
class Staff:
    """A directory entry."""

    user_id: str
    name: str
    mobile: str = ""
    job_number: str = ""
    departments: tuple[int, ...] = ()


@dataclass
class _Throttle:
    path: str
    times: int
    how: str  # "429" | "90020" | "flow"
    staff: frozenset[str] = frozenset()  # "flow": only these of a batch (empty: all)


@dataclass
class FakeDingTalk:
    """The fake platform; ``start`` it, point the adapter at ``url``, ``stop`` it."""

    client_id: str = "dingfakeappkey"
    client_secret: str = "fake-app-secret-0123456789"
    corp_id: str = "dingcorpfake"
    rate: int = 20
    template: str = "yanxiu-card.schema"
    directory: dict[str, Staff] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    cards: dict[str, Card] = field(default_factory=dict)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # Files people sent the robot, by downloadCode (served by messageFiles/download).
    downloads: dict[str, bytes] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    acks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    connections: int = 0
    port: int = 0
    # Seconds since the epoch, for sessionWebhook validity: the bench's school clock.
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        """Prepare the thread, the loop and the counters."""
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._tokens: set[str] = set()
        self._tickets: set[str] = set()
        self._sessions: dict[str, tuple[str, int]] = {}  # webhook session → (to, until ms)
        self._socket: web.WebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._window: deque[float] = deque()
        self._throttles: list[_Throttle] = []
        self.answer_pings = True

    # -- life -----------------------------------------------------------------------------

    def start(self) -> FakeDingTalk:
        """Serve on an ephemeral port of 127.0.0.1 in a thread of its own."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(WAIT)
        return self

    def stop(self) -> None:
        """Close every socket and stop the thread."""
        async def down() -> None:
            if self._socket is not None:
                await self._socket.close()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(down(), self._loop).result(WAIT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT)
        self._loop.close()

    @property
    def url(self) -> str:
        """Both endpoints (OpenAPI and oapi) are served here."""
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self) -> None:
        app = web.Application(client_max_size=2**24)
        app.router.add_post("/v1.0/oauth2/accessToken", self._token)
        app.router.add_post("/v1.0/gateway/connections/open", self._open)
        app.router.add_get("/connect", self._websocket)
        app.router.add_post("/v1.0/robot/oToMessages/batchSend", self._batch_send)
        app.router.add_post("/v1.0/robot/groupMessages/send", self._group_send)
        app.router.add_post("/v1.0/card/instances/createAndDeliver", self._card_create)
        app.router.add_put("/v1.0/card/instances", self._card_update)
        app.router.add_post("/media/upload", self._upload)
        app.router.add_post("/topapi/v2/user/get", self._user_get)
        app.router.add_post("/v1.0/robot/messageFiles/download", self._file_download)
        app.router.add_get("/files/{code}", self._file_bytes)
        app.router.add_post("/robot/sendBySession", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]

    # -- waiting --------------------------------------------------------------------------

    def _changed(self) -> None:
        with self._cond:
            self._cond.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], what: str = "") -> None:
        """Wait (in a worker thread) until ``predicate`` holds; fail after a generous bound."""
        def wait() -> bool:
            with self._cond:
                return self._cond.wait_for(predicate, WAIT)

        assert await asyncio.to_thread(wait), f"timed out waiting for {what or predicate}"

    def _run(self, coroutine: Any) -> asyncio.Future[Any]:
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    # -- what tests do --------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every access token stops working (as after two hours)."""
        self._tokens.clear()

    def throttle(self, path: str, times: int = 1, how: str = "429",
                 staff: tuple[str, ...] = ()) -> None:
        """The next ``times`` calls to ``path`` are throttled (429, 90020 or flow control;
        flow control of only ``staff`` among a batch's users when given)."""
        self._throttles.append(_Throttle(path, times, how, frozenset(staff)))

    async def push(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Send a frame over the current socket and wait for its acknowledgement."""
        message_id = frame["headers"]["messageId"]
        before = len(self.acks.get(message_id, []))
        await self._run(self._send(json.dumps(frame, ensure_ascii=False)))
        await self.wait_for(lambda: len(self.acks.get(message_id, [])) > before,
                            f"the ack of {message_id}")
        return self.acks[message_id][-1]

    async def push_raw(self, raw: str) -> None:
        """Send anything over the socket (a malformed frame)."""
        await self._run(self._send(raw))

    async def _send(self, raw: str) -> None:
        assert self._socket is not None, "no Stream connection"
        await self._socket.send_str(raw)

    async def drop(self) -> None:
        """Close the socket abruptly, as a network would."""
        async def close() -> None:
            if self._socket is not None:
                transport = self._socket._req.transport if self._socket._req else None
                if transport is not None:
                    transport.abort()
        await self._run(close())

    async def wait_connected(self, count: int = 1) -> None:
        """Wait until the adapter has opened ``count`` websockets in all."""
        await self.wait_for(lambda: self.connections >= count and self._socket is not None,
                            f"{count} connections")

    def frame(self, topic: str, data: dict[str, Any], *, kind: str = "CALLBACK",
              message_id: str | None = None) -> dict[str, Any]:
        """A Stream frame as the gateway sends it."""
        return {
            "specVersion": "1.0", "type": kind,
            "headers": {"appId": self.client_id, "connectionId": "conn-1",
                        "contentType": "application/json",
                        "messageId": message_id or f"msg-{next(self._ids)}",
                        "time": str(int(time.time() * 1000)), "topic": topic},
            "data": json.dumps(data, ensure_ascii=False),
        }

    def chatbot(self, staff: Staff, *, text: str | None = None, group: str | None = None,
                msgtype: str = "text", content: dict[str, Any] | None = None,
                corp_id: str | None = None, robot: bool = False) -> dict[str, Any]:
        """A robot message from ``staff`` (an @ of the robot when ``group`` is given)."""
        session = f"s{next(self._ids)}"
        until = int(self.clock() * 1000) + 90 * 60 * 1000
        self._sessions[session] = (group or staff.user_id, until)
        data: dict[str, Any] = {
            "conversationId": group or f"cid-private-{staff.user_id}",
            "chatbotCorpId": corp_id or self.corp_id, "chatbotUserId": "$:LWCP_v1:$bot",
            "msgId": f"msg{next(self._ids)}", "senderNick": staff.name, "isAdmin": False,
            "sessionWebhookExpiredTime": until, "createAt": int(time.time() * 1000),
            "senderCorpId": corp_id or self.corp_id,
            "conversationType": "2" if group else "1",
            "senderId": f"$:LWCP_v1:${staff.user_id}opaque",
            "sessionWebhook": f"{self.url}/robot/sendBySession?session={session}",
            "robotCode": self.client_id, "msgtype": msgtype,
        }
        if not robot:
            data["senderStaffId"] = staff.user_id
        if group:
            data["conversationTitle"] = group
            data["isInAtList"] = True
            data["atUsers"] = [{"dingtalkId": "$:LWCP_v1:$bot"}]
        if msgtype == "text":
            data["text"] = {"content": f" {text}" if group else text}
        elif content is not None:
            data["content"] = content
        return self.frame("/v1.0/im/bot/messages/get", data)

    def sends_file(self, staff: Staff, content: bytes, name: str = "", *,
                   picture: bool = False) -> dict[str, Any]:
        """``staff`` sends the robot a file (or a picture) privately; 钉钉 keeps the bytes
        under a downloadCode that messageFiles/download turns into a URL."""
        code = f"dl{next(self._ids)}"
        self.downloads[code] = content
        if picture:
            return self.chatbot(staff, msgtype="picture",
                                content={"downloadCode": code, "pictureDownloadCode": code})
        return self.chatbot(staff, msgtype="file", content={
            "downloadCode": code, "fileName": name, "spaceId": "1", "fileId": code})

    def press(self, staff: Staff, card: Card, label: str,
              tamper: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """``staff`` presses the button ``label`` on ``card``."""
        button = next(b for b in card.buttons if b["label"] == label)
        params = {k: button[k] for k in ("data", "chat", "sig")}
        if tamper is not None:
            tamper(params)
        data = {
            "extension": "{}", "corpId": self.corp_id, "type": "actionCallback",
            "userId": staff.user_id, "userIdType": 1, "outTrackId": card.track,
            "spaceType": "IM_GROUP" if card.group else "IM_ROBOT", "spaceId": card.to,
            "content": json.dumps({"cardPrivateData": {"actionIds": ["press"],
                                                       "params": params}}),
        }
        return self.frame("/v1.0/card/instances/callback", data)

    # -- what people see ------------------------------------------------------------------

    def seen(self, to: str) -> list[Sent]:
        """Every message and card ``to`` (a userId or an openConversationId) received."""
        return [s for s in self.sent if s.to == to]

    def texts(self, to: str) -> list[str]:
        """The markdown of everything ``to`` received (cards as they show now)."""
        return [self.cards[s.track].text if s.kind == "card" else s.text
                for s in self.seen(to)]

    def last_card(self, to: str) -> Card:
        """The newest card ``to`` received."""
        track = next(s.track for s in reversed(self.sent) if s.to == to and s.kind == "card")
        return self.cards[track]

    # -- the endpoints --------------------------------------------------------------------

    def _metered(self, path: str) -> web.Response | None:
        """Count a call; refuse it when over the rate or throttled on purpose."""
        self.calls[path] += 1
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        self._window.append(now)
        if len(self._window) > self.rate:
            self.refused.append((path, "rate"))
            return web.json_response({"code": "Forbidden.AccessDenied.QpsLimitForApi",
                                      "message": "调用频率超限"}, status=429)
        for throttle in self._throttles:
            if throttle.path == path and throttle.times > 0 and throttle.how != "flow":
                throttle.times -= 1
                self.refused.append((path, throttle.how))
                if throttle.how == "90020":
                    return web.json_response({
                        "code": "90020", "message": "您的企业本月api调用量已超过限制，"
                        "调用量：10001次，额度：10000次"}, status=400)
                return web.json_response({"code": "Throttling", "message": "限流"}, status=429)
        return None

    def _flow_controlled(self, path: str, users: list[str]) -> list[str]:
        """The users of this call that are flow-controlled (not reached)."""
        for throttle in self._throttles:
            if throttle.path == path and throttle.times > 0 and throttle.how == "flow":
                held = [u for u in users if not throttle.staff or u in throttle.staff]
                if not held:
                    continue
                throttle.times -= 1
                self.refused.append((path, "flow"))
                return held
        return []

    def _auth(self, request: web.Request) -> web.Response | None:
        token = request.headers.get("x-acs-dingtalk-access-token", "")
        if token not in self._tokens:
            self.refused.append((request.path, "token"))
            return web.json_response({"code": "InvalidAuthentication",
                                      "message": "不合法的access_token"}, status=401)
        return None

    def _oapi_auth(self, request: web.Request) -> web.Response | None:
        if request.query.get("access_token", "") not in self._tokens:
            self.refused.append((request.path, "token"))
            return web.json_response({"errcode": 40014, "errmsg": "不合法的access_token"})
        return None

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls[request.path] += 1
        if (body.get("appKey"), body.get("appSecret")) != (self.client_id, self.client_secret):
            return web.json_response({"code": "invalidClientIdOrSecret",
                                      "message": "无效的 appKey 或 appSecret"}, status=400)
        token = f"token-{next(self._ids)}"
        self._tokens.add(token)
        return web.json_response({"accessToken": token, "expireIn": 7200})

    async def _open(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (body.get("clientId"), body.get("clientSecret")) != (self.client_id,
                                                                 self.client_secret):
            return web.json_response({"code": "InvalidClientIdOrSecret",
                                      "message": "clientId 或 clientSecret 错误"}, status=401)
        topics = {(s["type"], s["topic"]) for s in body.get("subscriptions", [])}
        assert ("CALLBACK", "/v1.0/im/bot/messages/get") in topics, topics
        ticket = f"ticket-{next(self._ids)}"
        self._tickets.add(ticket)
        return web.json_response({"endpoint": f"ws://127.0.0.1:{self.port}/connect",
                                  "ticket": ticket})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="bad ticket")
        self._tickets.discard(ticket)  # one use only
        socket = web.WebSocketResponse(autoping=self.answer_pings)
        await socket.prepare(request)
        if self._socket is not None:
            await self._socket.close()
        self._socket = socket
        self.connections += 1
        self._changed()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            ack = json.loads(message.data)
            self.acks.setdefault(ack["headers"].get("messageId", ""), []).append(ack)
            response = json.loads(ack.get("data") or "{}").get("response")
            if isinstance(response, dict) and ("cardData" in response
                                               or "privateData" in response):
                self._apply_update(response)
            self._changed()
        if self._socket is socket:
            self._socket = None
        self._changed()
        return socket

    def _apply_update(self, response: dict[str, Any]) -> None:
        """A callback's answer updates the card that was pressed (the last pressed one)."""
        card = self.cards.get(self._pressed)
        if card is None:
            return
        card.params.update((response.get("cardData") or {}).get("cardParamMap") or {})
        for user, data in (response.get("privateData") or {}).items():
            card.private.setdefault(user, {}).update(data["cardParamMap"])

    _pressed = ""

    async def push_press(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Send a card press and wait for its acknowledgement (which may update the card)."""
        self._pressed = json.loads(frame["data"])["outTrackId"]
        return await self.push(frame)

    def _param(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any],
                                                                web.Response | None]:
        """A robot message's msgParam, and its refusal when too long."""
        param = json.loads(body["msgParam"])
        return param, self._too_long(path, param)

    def _too_long(self, path: str, param: dict[str, Any]) -> web.Response | None:
        """Refuse a message over 15 000 bytes of UTF-8."""
        size = len(str(param.get("text") or param.get("markdown") or "").encode())
        if size <= MESSAGE_BYTES:
            return None
        self.refused.append((path, f"message of {size} bytes"))
        return web.json_response({"code": "invalidParameter.msgParam", "errcode": 460101,
                                  "message": f"消息过长：{size} 字节"}, status=400)

    async def _batch_send(self, request: web.Request) -> web.Response:
        refused = self._auth(request) or self._metered(request.path)
        if refused is not None:
            return refused
        body = await request.json()
        users = body.get("userIds") or []
        if not 0 < len(users) <= BATCH_USERS:
            self.refused.append((request.path, "users"))
            return web.json_response({"code": "invalidParameter.userIds",
                                      "message": "userIds 最多 20 个"}, status=400)
        param, too_long = self._param(request.path, body)
        if too_long is not None:
            return too_long
        held = self._flow_controlled(request.path, users)
        invalid = [u for u in users if u not in self.directory and u not in held]
        for user in users:
            if user not in invalid and user not in held:
                self._record("oto", user, body["msgKey"], param)
        self._changed()
        return web.json_response({"processQueryKey": f"q{next(self._ids)}",
                                  "invalidStaffIdList": invalid,
                                  "flowControlledStaffIdList": held})

    def _record(self, via: str, to: str, key: str, param: dict[str, Any]) -> None:
        if key == "sampleMarkdown":
            self.sent.append(Sent(via, to, "markdown", text=param["text"],
                                  title=param["title"]))
        elif key == "sampleImageMsg":
            self.sent.append(Sent(via, to, "image", media=param["photoURL"]))
        elif key == "sampleFile":
            self.sent.append(Sent(via, to, "file", media=param["mediaId"],
                                  filename=param["fileName"]))
        else:
            raise AssertionError(f"unexpected msgKey {key}")

    async def _group_send(self, request: web.Request) -> web.Response:
        refused = self._auth(request) or self._metered(request.path)
        if refused is not None:
            return refused
        body = await request.json()
        conversation = body.get("openConversationId")
        if conversation not in self.groups:
            return web.json_response({"code": "resource.not.found",
                                      "message": "机器人不在该群"}, status=400)
        param, too_long = self._param(request.path, body)
        if too_long:
            return too_long
        self._record("group", conversation, body["msgKey"], param)
        self._changed()
        return web.json_response({"processQueryKey": f"q{next(self._ids)}"})

    async def _card_create(self, request: web.Request) -> web.Response:
        refused = self._auth(request) or self._metered(request.path)
        if refused is not None:
            return refused
        body = await request.json()
        assert body["callbackType"] == "STREAM", body
        if body["cardTemplateId"] != self.template:
            return web.json_response({"code": "template.not.found", "message": "模板不存在"},
                                     status=400)
        space = body["openSpaceId"].removeprefix("dtv1.card//")
        kind, _, to = space.partition(".")
        params = body["cardData"]["cardParamMap"]
        assert all(isinstance(v, str) for v in params.values()), params
        # The template a school imports (bot/dingtalk/cards/yanxiu-card.json) declares them.
        assert set(params) <= _declared_variables(), params
        too_long = self._too_long(request.path, params)
        if too_long is not None:
            return too_long
        track = body["outTrackId"]
        self.cards[track] = Card(track, to, kind == "IM_GROUP", dict(params),
                                 body["cardTemplateId"])
        self.sent.append(Sent("card", to, "card", track=track))
        self._changed()
        return web.json_response({"success": True, "result": {"outTrackId": track}})

    async def _card_update(self, request: web.Request) -> web.Response:
        refused = self._auth(request) or self._metered(request.path)
        if refused is not None:
            return refused
        body = await request.json()
        card = self.cards.get(body["outTrackId"])
        if card is None:
            return web.json_response({"code": "card.not.found", "message": "卡片不存在"},
                                     status=400)
        card.params.update(body["cardData"]["cardParamMap"])
        self._changed()
        return web.json_response({"success": True})

    async def _upload(self, request: web.Request) -> web.Response:
        refused = self._oapi_auth(request) or self._metered(request.path)
        if refused is not None:
            return refused
        form = await request.post()
        upload = form["media"]
        assert isinstance(upload, web.FileField)
        media = f"@media{next(self._ids)}"
        self.media[media] = (upload.filename, upload.file.read())
        return web.json_response({"errcode": 0, "errmsg": "ok", "media_id": media,
                                  "type": request.query.get("type", "file")})

    async def _file_download(self, request: web.Request) -> web.Response:
        refused = self._auth(request) or self._metered(request.path)
        if refused is not None:
            return refused
        body = await request.json()
        code = str(body.get("downloadCode", ""))
        if body.get("robotCode") != self.client_id or code not in self.downloads:
            return web.json_response({"code": "invalidParameter",
                                      "message": "downloadCode 无效"}, status=400)
        return web.json_response({"downloadUrl": f"{self.url}/files/{code}"})

    async def _file_bytes(self, request: web.Request) -> web.Response:
        content = self.downloads.get(request.match_info["code"])
        if content is None:
            return web.Response(status=404)
        self.calls["fileDownload"] += 1
        return web.Response(body=content, content_type="application/octet-stream")

    async def _user_get(self, request: web.Request) -> web.Response:
        refused = self._oapi_auth(request) or self._metered(request.path)
        if refused is not None:
            return refused
        body = await request.json()
        staff = self.directory.get(body.get("userid", ""))
        if staff is None:
            return web.json_response({"errcode": 60121, "errmsg": "找不到该用户"})
        return web.json_response({"errcode": 0, "errmsg": "ok", "result": {
            "userid": staff.user_id, "name": staff.name, "mobile": staff.mobile,
            "job_number": staff.job_number, "active": True,
            "dept_id_list": list(staff.departments)}})

    async def _webhook(self, request: web.Request) -> web.Response:
        session = self._sessions.get(request.query.get("session", ""))
        if session is None or session[1] < self.clock() * 1000:
            return web.json_response({"errcode": 300001, "errmsg": "session 不存在或已过期"})
        body = await request.json()
        self.calls["sessionWebhook"] += 1
        markdown = body.get("markdown") or {}
        too_long = self._too_long("sessionWebhook", markdown)
        if too_long is not None:
            return too_long
        assert body["msgtype"] == "markdown", body
        self.sent.append(Sent("webhook", session[0], "markdown", text=markdown["text"],
                              title=markdown["title"]))
        self._changed()
        return web.json_response({"errcode": 0, "errmsg": "ok"})


def _declared_variables() -> set[str]:
    """The variables the shipped card template declares (its editorData's variableList)."""
    path = Path(__file__).parents[1] / "bot" / "dingtalk" / "cards" / "yanxiu-card.json"
    editor = json.loads(json.loads(path.read_text(encoding="utf-8"))["editorData"])
    return {variable["name"] for variable in editor["variableList"]}
