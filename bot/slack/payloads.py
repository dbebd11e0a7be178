"""The shape a Slack request body must have before bolt reads it. bolt's own middleware and
matchers index into a payload (`body["actions"][0]["action_id"]`, `body["view"]["type"]`,
`body["event"].get(...)`, `body["user"]["id"]`) before any listener runs and fail with HTTP
500 on anything else; Slack always sends these parts, so a body without them is refused (400,
naming the part). The values themselves are the listeners' business: they check them and
answer with a clear message."""

from __future__ import annotations

from typing import Any

# Parts that are objects in every payload Slack sends, wherever they appear at the top.
_OBJECTS = ("user", "team", "channel", "container", "view", "event", "message", "enterprise",
            "state")
# Interactivity payloads (`payload=` forms): each comes from a person.
_INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed", "shortcut",
                           "message_action", "block_suggestion", "interactive_message",
                           "dialog_submission", "dialog_cancellation", "dialog_suggestion"})
_VIEWS = frozenset({"view_submission", "view_closed"})


def malformed(body: Any) -> str | None:
    """What is wrong with a parsed request body, or None when it has a Slack payload's shape."""
    if not isinstance(body, dict):
        return "the body is not an object"
    for key in _OBJECTS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            return f"`{key}` is not an object"
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        return "`type` is not a string"
    for check in (_authorizations, _action_id, _actions, _view, _event, _person, _command):
        problem = check(body, kind)
        if problem is not None:
            return problem
    return None


def _authorizations(body: dict[str, Any], kind: str | None) -> str | None:
    value = body.get("authorizations")
    if value is not None and not _list_of_objects(value):
        return "`authorizations` is not a list of objects"
    return None


def _action_id(body: dict[str, Any], kind: str | None) -> str | None:
    """bolt matches a listener by `action_id` (a `block_suggestion` carries it at the top)
    with string operations: whatever the payload type, it must be a string."""
    if ("action_id" in body or kind == "block_suggestion") \
            and not isinstance(body.get("action_id"), str):
        return "`action_id` is not a string"
    return None


def _actions(body: dict[str, Any], kind: str | None) -> str | None:
    if "actions" not in body and kind not in ("block_actions", "interactive_message"):
        return None
    actions = body.get("actions")
    if not _list_of_objects(actions) or not actions:
        return "`actions` is not a list of actions"
    if not all(isinstance(a.get("action_id", a.get("name")), str) for a in actions):
        return "an action has no `action_id`"
    return None


def _view(body: dict[str, Any], kind: str | None) -> str | None:
    view = body.get("view")
    if view is None:
        return "a view payload without `view`" if kind in _VIEWS else None
    if not isinstance(view.get("type"), str):
        return "the view has no `type`"
    if kind in _VIEWS and not isinstance(view.get("callback_id"), str):
        return "the view has no `callback_id`"
    state = view.get("state")
    if state is None:
        return None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(state, dict) or not isinstance(values, dict | None):
        return "the view's `state` is not an object of values"
    for block in (values or {}).values():
        if not isinstance(block, dict) or not all(isinstance(v, dict) for v in block.values()):
            return "a value in the view's `state` is not an object"
    return None


def _event(body: dict[str, Any], kind: str | None) -> str | None:
    if "event" not in body and kind != "event_callback":
        return None
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "`event` is not an event"
    return None


def _person(body: dict[str, Any], kind: str | None) -> str | None:
    if kind not in _INTERACTIONS:
        return None
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
        return "the payload has no `user` with an `id`"
    return None


def _command(body: dict[str, Any], kind: str | None) -> str | None:
    if "command" not in body:
        return None
    for key in ("command", "user_id", "channel_id"):
        if not isinstance(body.get(key), str) or not body[key]:
            return f"the slash command has no `{key}`"
    return None


def _list_of_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def event_id(body: Any) -> str | None:
    """The event_id of an Events API callback — the same on each of Slack's retries, over
    HTTP or Socket Mode (https://api.slack.com/apis/connections/events-api#retries) — else
    None."""
    if not isinstance(body, dict) or body.get("type") != "event_callback":
        return None
    value = body.get("event_id")
    return value[:120] if isinstance(value, str) and value else None
