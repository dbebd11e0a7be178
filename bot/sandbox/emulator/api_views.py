"""views.open / push / update / publish (https://api.slack.com/methods/views.open etc.).

A trigger_id is valid for 3 seconds and can be exchanged once (invalid_trigger_id,
expired_trigger_id, exchanged_trigger_id); a user's modal stack holds at most 3 views
(push_limit_reached); views.update and views.publish honour `hash` (hash_conflict); a view
that breaks Block Kit's limits gets invalid_arguments with the reasons in
response_metadata.messages, as Slack answers."""

from __future__ import annotations

import copy
import time
from typing import Any

from bot.sandbox.emulator.api_base import ApiBase, Params, Result, json_arg
from bot.sandbox.emulator.blocks import check_view
from bot.sandbox.emulator.state import BOT_ID, SlackError

MAX_STACK = 3


class ViewsApi(ApiBase):
    def take_trigger(self, trigger_id: Any) -> str:
        trigger = self.ws.triggers.get(str(trigger_id or ""))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.emu.trigger_lifetime:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger.user

    def _checked(self, raw: Any) -> dict[str, Any]:
        view = json_arg(raw)
        errors = check_view(view)
        if errors:
            raise SlackError("invalid_arguments", response_metadata={
                "messages": [f"[ERROR] {e}" for e in errors]})
        return view

    def build_view(self, view: dict[str, Any], user: str, *, view_id: str | None = None,
                   root: str | None = None, previous: str | None = None) -> dict[str, Any]:
        """A view object as Slack returns it (https://api.slack.com/reference/surfaces/views),
        stored and shown to `user`."""
        view_id = view_id or self.ws.new_id("V")
        old = self.ws.views.get(view_id, {})
        stored = {
            "id": view_id, "team_id": self.ws.team_id, "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": old.get("state", {"values": {}}), "hash": f"{time.time():.6f}.{view_id}",
            "title": view.get("title"), "close": view.get("close"), "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "external_id": view.get("external_id", ""),
            "root_view_id": root or old.get("root_view_id") or view_id,
            "previous_view_id": previous if previous is not None else old.get("previous_view_id"),
            "app_id": self.emu.api_app_id, "app_installed_team_id": self.ws.team_id,
            "bot_id": BOT_ID,
        }
        if stored["external_id"] and any(
                v.get("external_id") == stored["external_id"] and vid != view_id
                for vid, v in self.ws.views.items()):
            raise SlackError("duplicate_external_id")
        self.ws.views[view_id] = stored
        self.ws.view_users[view_id] = user
        return stored

    def open_modal(self, view: dict[str, Any], user: str) -> dict[str, Any]:
        for old in self.ws.stacks.pop(user, []):
            self.ws.views.pop(old, None)
        stored = self.build_view(view, user)
        self.ws.stacks[user] = [stored["id"]]
        return stored

    def push_modal(self, view: dict[str, Any], user: str) -> dict[str, Any]:
        stack = self.ws.stacks.setdefault(user, [])
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        stored = self.build_view(view, user, root=stack[0] if stack else None,
                                 previous=stack[-1] if stack else None)
        stack.append(stored["id"])
        return stored

    def views__open(self, p: Params) -> Result:
        user = self.take_trigger(p.get("trigger_id"))
        view = self._checked(p.get("view"))
        if view["type"] != "modal":
            raise SlackError("invalid_arguments")
        return {"view": self.open_modal(view, user)}

    def views__push(self, p: Params) -> Result:
        user = self.take_trigger(p.get("trigger_id"))
        view = self._checked(p.get("view"))
        if view["type"] != "modal":
            raise SlackError("invalid_arguments")
        return {"view": self.push_modal(view, user)}

    def views__update(self, p: Params) -> Result:
        view_id, external_id = str(p.get("view_id") or ""), str(p.get("external_id") or "")
        if not view_id and not external_id:
            raise SlackError("invalid_arguments")
        if not view_id:
            view_id = next((vid for vid, v in self.ws.views.items()
                            if v.get("external_id") == external_id), "")
        old = self.ws.views.get(view_id)
        if old is None:
            raise SlackError("not_found")
        if p.get("hash") and p["hash"] != old["hash"]:
            raise SlackError("hash_conflict")
        view = self._checked(p.get("view"))
        return {"view": self.build_view(view, self.ws.view_users[view_id], view_id=view_id)}

    def views__publish(self, p: Params) -> Result:
        user = self.ws.user(p.get("user_id"))
        view = self._checked(p.get("view"))
        if view["type"] != "home":
            raise SlackError("invalid_arguments")
        old = self.ws.home.get(user.id)
        if old and p.get("hash") and p["hash"] != old["hash"]:
            raise SlackError("hash_conflict")
        stored = self.build_view(view, user.id, view_id=old["id"] if old else None)
        self.ws.home[user.id] = stored
        return {"view": stored}
