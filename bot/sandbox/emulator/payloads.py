"""Pure builders of what Slack sends an app, in Slack's documented formats:

- slash commands: https://api.slack.com/interactivity/slash-commands#app_command_handling
- Events API envelopes: https://api.slack.com/apis/connections/events-api#callback-field
  (and the example payloads on https://api.slack.com/events/reaction_added, /message,
  /member_joined_channel, /app_home_opened)
- block_actions: https://api.slack.com/reference/interaction-payloads/block-actions
- view_submission / view_closed: https://api.slack.com/reference/interaction-payloads/views
- state.values: block_id → action_id → {type, value | selected_* …}
"""

from __future__ import annotations

import secrets
import time
from typing import Any

VERIFICATION_TOKEN = "verification-token-unused"  # deprecated; bolt ignores it when told to


def user_ref(user: Any, team_id: str) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": team_id}


def slash_command(*, team_id: str, team_domain: str, channel_id: str, channel_name: str,
                  user_id: str, user_name: str, command: str, text: str, api_app_id: str,
                  response_url: str, trigger_id: str) -> dict[str, str]:
    return {"token": VERIFICATION_TOKEN, "team_id": team_id, "team_domain": team_domain,
            "channel_id": channel_id, "channel_name": channel_name, "user_id": user_id,
            "user_name": user_name, "command": command, "text": text,
            "api_app_id": api_app_id, "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": trigger_id}


def new_event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def event_callback(*, team_id: str, api_app_id: str, bot_user_id: str, event: dict[str, Any],
                   event_id: str) -> dict[str, Any]:
    return {"token": VERIFICATION_TOKEN, "team_id": team_id, "api_app_id": api_app_id,
            "event": event, "type": "event_callback", "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": team_id,
                                "user_id": bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24)}


def trigger_id(team_id: str) -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def find_element(blocks: list[dict[str, Any]], action_id: str
                 ) -> tuple[dict[str, Any] | None, str | None]:
    """The interactive element with `action_id` and its block's block_id."""
    for block in blocks or []:
        elements = list(block.get("elements") or [])
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element, block.get("block_id")
    return None, None


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value:
            return option
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def state_entry(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """One action's entry in state.values, keyed by what that element type reports."""
    kind = element.get("type", "plain_text_input")
    many = value if isinstance(value, list) else [value]
    if kind in ("static_select", "external_select", "radio_buttons"):
        return {"type": kind, "selected_option": _option(element, value) if value else None}
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return {"type": kind, "selected_options": [_option(element, v) for v in many if v]}
    single = {"users_select": "selected_user", "conversations_select": "selected_conversation",
              "channels_select": "selected_channel", "datepicker": "selected_date",
              "timepicker": "selected_time"}
    if kind in single:
        return {"type": kind, single[kind]: value}
    multi = {"multi_users_select": "selected_users",
             "multi_conversations_select": "selected_conversations",
             "multi_channels_select": "selected_channels"}
    if kind in multi:
        return {"type": kind, multi[kind]: [v for v in many if v]}
    return {"type": kind, "value": value}


def _initial(element: dict[str, Any]) -> Any:
    """What an input untouched by the person holds: its initial value or option (a form
    prefilled by the app is submitted with those, https://api.slack.com/reference/
    interaction-payloads/views: state.values are the inputs' values at submission)."""
    if "initial_value" in element:
        return element["initial_value"]
    option = element.get("initial_option")
    return option.get("value") if isinstance(option, dict) else None


def state_values(view: dict[str, Any], values: dict[str, dict[str, Any]]
                 ) -> dict[str, dict[str, Any]]:
    """Slack's nested state.values for a view, from {block_id: {action_id: value}}. Every
    input in the view appears (empty ones with a null value), as Slack reports them."""
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict):
            block_id, action_id = block.get("block_id"), element.get("action_id")
            given = (values.get(block_id) or {}).get(action_id, _initial(element))
            state.setdefault(block_id, {})[action_id] = state_entry(element, given)
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            if action_id not in state.get(block_id, {}):
                element = next((b.get("element") for b in view.get("blocks") or []
                                if b.get("block_id") == block_id
                                and isinstance(b.get("element"), dict)), None) or {}
                state.setdefault(block_id, {})[action_id] = state_entry(
                    {**element, "action_id": action_id}, value)
    return state


def action(element: dict[str, Any], block_id: str | None, value: Any) -> dict[str, Any]:
    """One entry of block_actions' `actions`."""
    kind = element.get("type", "button")
    entry: dict[str, Any] = {"action_id": element.get("action_id"), "block_id": block_id,
                             "type": kind, "action_ts": f"{time.time():.6f}"}
    if kind == "button":
        entry["text"] = element.get("text")
        if value is not None or element.get("value") is not None:
            entry["value"] = value if value is not None else element["value"]
        if element.get("style"):
            entry["style"] = element["style"]
    else:
        entry.update({k: v for k, v in state_entry(element, value).items() if k != "type"})
    return entry
