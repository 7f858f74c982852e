"""The 钉钉 OpenAPI (``api.dingtalk.com``) and the older ``oapi.dingtalk.com``, without blocking.

One ``httpx.AsyncClient`` for every call; the access token is cached until shortly before it
expires and fetched again when a call says it is no longer valid. Every metered call waits
for a slot under the app's rate limit and is counted (``on_call``) for the monthly budget.
Throttling (HTTP 429, error 90020 and staff listed in ``flowControlledStaffIdList``) is
raised as ``Throttled`` for the caller to retry later; nothing is retried here that might
already have been delivered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiolimiter import AsyncLimiter

from bot import logs

logger = logging.getLogger(__name__)

# The app may make about 20 calls a second: keep evenly under it.
CALLS_PER_SECOND = 18.0
TOKEN_MARGIN = 300.0  # seconds before expiry when a token is fetched anew
BATCH_USERS = 20
HTTP_TIMEOUT = 30.0
_TOKEN_INVALID_CODES = {"InvalidAuthentication"}
_OAPI_TOKEN_ERRORS = {40014, 42001, 40001}
# 90020 is the organisation's monthly quota spent (钉钉 help: "您的企业本月api调用量已超过
# 限制"), also Forbidden.AccessDenied.ApiCountLimitForOrg: retried from the outbox like a
# throttle (a bought package applies at once), and the budget counts as spent.
QUOTA_CODES = {"90020", "Forbidden.AccessDenied.ApiCountLimitForOrg"}
_THROTTLE_CODES = {*QUOTA_CODES, "90018", "Throttling", "Forbidden.AccessDenied.QpsLimitForApi",
                   "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"}


class DingTalkError(Exception):
    """A call 钉钉 refused; ``code`` is its error code."""

    def __init__(self, what: str, code: str, message: str) -> None:
        """Describe a refused call."""
        super().__init__(f"{what}: {code} {message}")
        self.code = code


class WrongCredentials(DingTalkError):
    """The AppKey or AppSecret is wrong: no point in trying again."""


class Throttled(DingTalkError):
    """钉钉 asked to slow down; ``staff`` are the userIds not reached (all when empty)."""

    def __init__(self, what: str, code: str, message: str, staff: tuple[str, ...] = ()) -> None:
        """Describe a throttled call."""
        super().__init__(what, code, message)
        self.staff = staff

    @property
    def quota_spent(self) -> bool:
        """Whether 钉钉 says the organisation's calls for this month are used up."""
        return self.code in QUOTA_CODES


@dataclass(frozen=True)
class Directory:
    """A staff member's directory entry (``topapi/v2/user/get``)."""

    user_id: str
    name: str
    mobile: str
    job_number: str
    departments: tuple[int, ...] = ()  # dept_id_list: a district maps them to schools


@dataclass(frozen=True)
class BatchResult:
    """What batchSend did: who could not be reached (left the organisation …)."""

    invalid: tuple[str, ...] = ()
    throttled: tuple[str, ...] = ()  # flowControlledStaffIdList: not reached, try again


@dataclass
class OpenApi:
    """The calls the adapter makes, with the token, the rate limit and the count kept."""

    client_id: str
    client_secret: str
    robot_code: str
    openapi: str = "https://api.dingtalk.com"
    oapi: str = "https://oapi.dingtalk.com"
    on_call: Callable[[str], None] | None = None
    calls_per_second: float = CALLS_PER_SECOND
    _http: httpx.AsyncClient | None = field(default=None, repr=False)
    _token: str = field(default="", repr=False)
    _token_until: float = 0.0
    _token_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _limiter: AsyncLimiter | None = field(default=None, repr=False)

    @property
    def http(self) -> httpx.AsyncClient:
        """The shared HTTP client (created on first use, on the running loop)."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
        return self._http

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _slot(self, what: str) -> None:
        if self._limiter is None:
            self._limiter = AsyncLimiter(1, 1 / self.calls_per_second)
        await self._limiter.acquire()
        if self.on_call is not None:
            self.on_call(what)

    # -- the token and the gateway ---------------------------------------------------------

    async def token(self, *, fresh: bool = False) -> str:
        """The app's access token, cached until shortly before it expires."""
        async with self._token_lock:
            if not fresh and self._token and time.monotonic() < self._token_until:
                return self._token
            await self._slot("oauth2/accessToken")
            response = await self.http.post(
                f"{self.openapi}/v1.0/oauth2/accessToken",
                json={"appKey": self.client_id, "appSecret": self.client_secret})
            body = _json(response)
            if response.status_code >= 400 or "accessToken" not in body:
                raise WrongCredentials("accessToken", str(body.get("code", response.status_code)),
                                       str(body.get("message", "")))
            self._token = str(body["accessToken"])
            logs.add_secret(self._token)  # it appears in oapi URLs, hence in errors
            lifetime = float(body.get("expireIn", 7200))
            self._token_until = time.monotonic() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
            return self._token

    async def open_connection(self, topics: list[tuple[str, str]]) -> tuple[str, str]:
        """Ask the Stream gateway for an endpoint and a one-time ticket (not metered)."""
        body = {
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "subscriptions": [{"type": kind, "topic": topic} for kind, topic in topics],
            "ua": "yanxiu-bot",
            "localIp": "",
        }
        response = await self.http.post(f"{self.openapi}/v1.0/gateway/connections/open",
                                        json=body)
        answer = _json(response)
        if response.status_code in (400, 401, 403):
            raise WrongCredentials("gateway", str(answer.get("code", response.status_code)),
                                   str(answer.get("message", "")))
        response.raise_for_status()
        return str(answer["endpoint"]), str(answer["ticket"])

    # -- metered calls ----------------------------------------------------------------------

    async def _openapi(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        for attempt in (0, 1):
            token = await self.token(fresh=attempt == 1)
            await self._slot(path)
            response = await self.http.request(
                method, f"{self.openapi}{path}", json=body,
                headers={"x-acs-dingtalk-access-token": token})
            answer = _json(response)
            code = str(answer.get("code", ""))
            if response.status_code == 401 or code in _TOKEN_INVALID_CODES:
                continue  # the token expired early: fetch a new one once
            if response.status_code == 429 or code in _THROTTLE_CODES:
                raise Throttled(path, code or "429", str(answer.get("message", "")))
            if response.status_code >= 400:
                raise DingTalkError(path, code or str(response.status_code),
                                    str(answer.get("message", "")))
            return answer
        raise DingTalkError(path, "InvalidAuthentication", "token refused twice")

    async def _oapi(self, path: str, *, body: dict[str, Any] | None = None,
                    params: dict[str, str] | None = None,
                    files: dict[str, tuple[str, bytes, str]] | None = None) -> dict[str, Any]:
        for attempt in (0, 1):
            token = await self.token(fresh=attempt == 1)
            await self._slot(path)
            query = {"access_token": token, **(params or {})}
            if files is not None:
                response = await self.http.post(f"{self.oapi}{path}", params=query, files=files)
            else:
                response = await self.http.post(f"{self.oapi}{path}", params=query, json=body)
            answer = _json(response)
            errcode = int(answer.get("errcode", 0) or 0)
            if errcode in _OAPI_TOKEN_ERRORS:
                continue
            if response.status_code == 429 or str(errcode) in _THROTTLE_CODES:
                raise Throttled(path, str(errcode or 429), str(answer.get("errmsg", "")))
            if response.status_code >= 400 or errcode:
                raise DingTalkError(path, str(errcode or response.status_code),
                                    str(answer.get("errmsg", "")))
            return answer
        raise DingTalkError(path, "40014", "token refused twice")

    async def user(self, user_id: str) -> Directory | None:
        """A staff member's directory entry; None when the directory has no such user."""
        try:
            answer = await self._oapi("/topapi/v2/user/get",
                                      body={"userid": user_id, "language": "zh_CN"})
        except Throttled:
            raise
        except DingTalkError as exc:
            logger.info("directory entry of %s not read: %s", user_id, exc)
            return None
        result = answer.get("result") or {}
        return Directory(user_id=str(result.get("userid") or user_id),
                         name=str(result.get("name") or ""),
                         mobile=str(result.get("mobile") or ""),
                         job_number=str(result.get("job_number") or ""),
                         departments=tuple(int(d) for d in result.get("dept_id_list") or ()
                                           if str(d).isdigit()))

    async def batch_send(self, user_ids: list[str], msg_key: str,
                         param: dict[str, Any]) -> BatchResult:
        """One robot message to up to 20 people's private chats with the robot (those 钉钉
        lists as flow-controlled were not reached: ``throttled``)."""
        if not 0 < len(user_ids) <= BATCH_USERS:
            raise ValueError(f"batchSend takes 1 to {BATCH_USERS} users, not {len(user_ids)}")
        answer = await self._openapi("POST", "/v1.0/robot/oToMessages/batchSend", {
            "robotCode": self.robot_code, "userIds": user_ids, "msgKey": msg_key,
            "msgParam": json.dumps(param, ensure_ascii=False)})
        return BatchResult(invalid=tuple(answer.get("invalidStaffIdList") or ()),
                           throttled=tuple(answer.get("flowControlledStaffIdList") or ()))

    async def group_send(self, conversation: str, msg_key: str, param: dict[str, Any]) -> None:
        """One robot message to a group conversation the robot is in."""
        await self._openapi("POST", "/v1.0/robot/groupMessages/send", {
            "robotCode": self.robot_code, "openConversationId": conversation,
            "msgKey": msg_key, "msgParam": json.dumps(param, ensure_ascii=False)})

    async def webhook(self, url: str, payload: dict[str, Any]) -> bool:
        """Answer through a message's sessionWebhook (not metered); False when it expired."""
        response = await self.http.post(url, json=payload)
        answer = _json(response)
        if response.status_code == 429 or str(answer.get("errcode", "")) in _THROTTLE_CODES:
            raise Throttled("sessionWebhook", str(answer.get("errcode", 429)), "")
        if response.status_code >= 400 or int(answer.get("errcode", 0) or 0):
            logger.info("sessionWebhook refused: %s", answer)
            return False
        return True

    async def card(self, *, template: str, track_id: str, params: dict[str, str],
                   chat: str, group: bool) -> None:
        """Create a template card with Stream callbacks and deliver it to one chat."""
        body: dict[str, Any] = {
            "cardTemplateId": template, "outTrackId": track_id, "callbackType": "STREAM",
            "cardData": {"cardParamMap": params}, "userIdType": 1,
        }
        # The line the conversation list shows for the card (its first line, plain).
        summary = {"zh_CN": params.get("title", "")}
        if group:
            body["openSpaceId"] = f"dtv1.card//IM_GROUP.{chat}"
            body["imGroupOpenSpaceModel"] = {"supportForward": False,
                                             "lastMessageI18n": summary}
            body["imGroupOpenDeliverModel"] = {"robotCode": self.robot_code}
        else:
            body["openSpaceId"] = f"dtv1.card//IM_ROBOT.{chat}"
            body["imRobotOpenSpaceModel"] = {"supportForward": False,
                                             "lastMessageI18n": summary}
            body["imRobotOpenDeliverModel"] = {"spaceType": "IM_ROBOT",
                                               "robotCode": self.robot_code}
        await self._openapi("POST", "/v1.0/card/instances/createAndDeliver", body)

    async def update_card(self, track_id: str, params: dict[str, str]) -> None:
        """Change what a card shows (the card-world's edit)."""
        await self._openapi("PUT", "/v1.0/card/instances", {
            "outTrackId": track_id, "cardData": {"cardParamMap": params},
            "cardUpdateOptions": {"updateCardDataByKey": True}})

    async def upload(self, filename: str, content: bytes, *, image: bool) -> str:
        """Upload a chart or an archive; the media id to send it with."""
        kind = "image" if image else "file"
        mime = "image/png" if image else "application/octet-stream"
        answer = await self._oapi("/media/upload", params={"type": kind},
                                  files={"media": (filename, content, mime)})
        return str(answer["media_id"])


def new_track_id() -> str:
    """A fresh ``outTrackId`` for a card."""
    return f"yx-{uuid.uuid4().hex}"


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
