"""The Slack Web API client the bot uses: Slack's (or the emulator's) base URL, with
slack_sdk's retry handlers for connection errors, 5xx and 429 Retry-After.

A 5xx or a lost connection does not say whether Slack did the work. Repeating a call is
harmless for most methods (creating a taken channel name, inviting a member, setting a topic
or updating a message again all end in the same state), but posting again would post twice:
those methods are never repeated here. The outbox retries them later and first looks in the
channel for the message an earlier attempt may have posted (`effects.support.post_once`)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest

# Calls that would show something twice if repeated after Slack did them.
NOT_REPEATABLE = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage",
                            "chat.meMessage", "files.upload"})


def _method(request: HttpRequest) -> str:
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class _RepeatableOnly:
    """Mixin: retry only calls that are safe to repeat when the outcome is unknown."""

    def _can_retry(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        if _method(request) in NOT_REPEATABLE:
            return False
        return super()._can_retry(request=request, **kwargs)  # type: ignore[misc]


class RepeatableConnectionErrorRetryHandler(_RepeatableOnly, ConnectionErrorRetryHandler):
    pass


class RepeatableServerErrorRetryHandler(_RepeatableOnly, ServerErrorRetryHandler):
    pass


class MeteredWebClient(WebClient):
    """A WebClient that counts every HTTP attempt by method and status, 429s among them
    (GET /metrics). slack_sdk has no public per-attempt hook; this is its one method that
    sees each attempt, retries included (slack_sdk 3.x, bounded in pyproject.toml)."""

    def _perform_urllib_http_request_internal(self, url: str, req: Any) -> dict[str, Any]:
        from urllib.error import HTTPError

        from bot.web.metrics import observe_slack_call

        method = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        try:
            response: dict[str, Any] = super()._perform_urllib_http_request_internal(url, req)
        except HTTPError as error:
            observe_slack_call(method, error.code)
            raise
        except Exception:
            observe_slack_call(method, 0)  # no answer: timeout, refused connection
            raise
        observe_slack_call(method, int(response.get("status") or 0))
        return response


def make_slack_client(token: str | None, base_url: str, *, timeout: int = 10) -> WebClient:
    return MeteredWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            RepeatableConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),  # a 429 means nothing was done
            RepeatableServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def without_rate_limit_waits(client: WebClient) -> WebClient:
    """The same client, but a 429 comes back as an error at once instead of sleeping out
    Retry-After: the outbox delivery reschedules the effect and the worker moves on."""
    return type(client)(token=client.token, base_url=client.base_url, timeout=client.timeout,
                        retry_handlers=[handler for handler in client.retry_handlers
                                        if not isinstance(handler, RateLimitErrorRetryHandler)])


def retry_after(error: Exception) -> float | None:
    """Seconds Slack asked to wait, when `error` is a 429 answer; otherwise None."""
    response = getattr(error, "response", None)
    if response is None or getattr(response, "status_code", None) != 429:
        return None
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0


# Error codes that say "Slack is in trouble, not your call" (Web API docs: every method may
# answer these): the call is tried again, however long Slack takes to come back.
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable",
                              "request_timeout", "ratelimited", "rate_limited"})


def final_answer(error: Exception) -> str | None:
    """The error code when `error` is Slack's clear, final answer to a call (e.g.
    `channel_not_found`, `is_archived`, `user_not_found`, `invalid_auth`): repeating the call
    will not help. None for a transient failure — a 5xx, a 408/429, one of TRANSIENT_ERRORS —
    and for anything that is not an answer from Slack (a timeout, a refused connection)."""
    response = getattr(error, "response", None)
    if response is None or not hasattr(response, "status_code"):
        return None
    status = response.status_code
    if status >= 500 or status in (408, 429):
        return None
    code = str((response.get("error", "") if hasattr(response, "get") else "") or "")
    if code in TRANSIENT_ERRORS:
        return None
    return code or f"HTTP {status}"
