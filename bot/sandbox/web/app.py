"""The web page of the emulated workspace: `create_page_app(emulator)` → a Flask app.

Reading shows the emulator's state (channels, the bot's DMs, messages, what only the person
you act as sees, their open modal). Everything a person does — a slash command, a message, a
reaction, a button click, a modal submitted or closed — goes through the emulator's actors:
signed requests to the bot over HTTP, as Slack sends them. The page never calls the bot's
services, so it exercises the same production code as a real workspace."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from flask import Flask, abort, jsonify, render_template, request

from bot.sandbox.emulator import SlackEmulator, SlackError
from bot.sandbox.web import render
from bot.sandbox.web.render import Directory


class PageError(Exception):
    """Something the person asked for that Slack would refuse; shown on the page."""


def create_page_app(emulator: SlackEmulator, *, commands: tuple[str, ...] = ("/swarm",),
                    home: str = "general", default_user: str | None = None) -> Flask:
    """`commands`: the slash commands the app has (others are refused as Slack does);
    `home`: the channel shown first; `default_user`: the handle acted as first."""
    app = Flask(__name__)
    app.config["JSON_SORT_KEYS"] = False

    @app.get("/")
    def page() -> str:
        snapshot = emulator.snapshot()
        people = _people(snapshot)
        viewer = _viewer(snapshot, request.args.get("as") or default_user)
        channel = _channel(snapshot, request.args.get("c"), home)
        if channel.get("is_im") and channel.get("im_user") != viewer["id"]:
            viewer = next(u for u in people if u["id"] == channel["im_user"])
        state = _state(snapshot, viewer, channel)
        return render_template("workspace.html", people=people, viewer=viewer,
                               channel=channel, state=state, commands=commands,
                               team=snapshot["team"]["domain"])

    @app.get("/favicon.ico")
    def favicon() -> Any:
        return "", 204

    @app.get("/api/state")
    def state() -> Any:
        snapshot = emulator.snapshot()
        viewer = _viewer(snapshot, request.args.get("as") or default_user)
        channel = _channel(snapshot, request.args.get("c"), home)
        return jsonify(_state(snapshot, viewer, channel))

    def action(handler: Callable[[dict[str, Any], str], Any]) -> Any:
        body = request.get_json(silent=True) or {}
        snapshot = emulator.snapshot()
        try:
            user = _viewer(snapshot, body.get("as"), strict=True)["id"]
            result = handler(body, user)
        except PageError as error:
            return jsonify(ok=False, error=str(error)), 400
        except SlackError as error:
            return jsonify(ok=False, error=f"Slack said {error.code}"), 400
        except (AssertionError, RuntimeError) as error:
            return jsonify(ok=False, error=str(error)), 400
        answer: dict[str, Any] = {"ok": True}
        if result is not None and getattr(result, "status", 200) != 200:
            answer = {"ok": False, "error": f"the bot answered HTTP {result.status}"
                      if not result.timed_out else "the bot did not answer within 3 seconds"}
        return jsonify(answer)

    @app.post("/api/command")
    def command() -> Any:
        def run(body: dict[str, Any], user: str) -> Any:
            text, channel = str(body.get("text") or "").strip(), str(body.get("channel") or "")
            if not text:
                raise PageError("Type a slash command, e.g. /swarm help")
            if not text.startswith("/"):
                return emulator.send_message(user, channel, text)
            name, _, rest = text.partition(" ")
            if name not in commands:
                raise PageError(f"{name} is not a valid command. This app has: "
                                + ", ".join(commands))
            return emulator.slash_command(user, name, rest.strip(), channel=channel)
        return action(run)

    @app.post("/api/react")
    def react() -> Any:
        def run(body: dict[str, Any], user: str) -> Any:
            channel, ts, name = (str(body.get(k) or "") for k in ("channel", "ts", "emoji"))
            message = next((m for m in emulator.messages(channel) if m["ts"] == ts), None)
            if message is None:
                raise PageError("That message is gone.")
            mine = any(r["name"] == name and user in r["users"]
                       for r in message.get("reactions") or [])
            return (emulator.unreact if mine else emulator.react)(user, channel, ts, name)
        return action(run)

    @app.post("/api/click")
    def click() -> Any:
        def run(body: dict[str, Any], user: str) -> Any:
            value = body.get("value")
            if body.get("view_id"):
                return emulator.click_in_view(user, str(body["view_id"]),
                                              str(body.get("action_id")), value,
                                              body.get("block_id") or None)
            return emulator.click(user, str(body.get("channel")), str(body.get("ts")),
                                  str(body.get("action_id")), value,
                                  body.get("block_id") or None)
        return action(run)

    @app.post("/api/view/submit")
    def submit_view() -> Any:
        def run(body: dict[str, Any], user: str) -> Any:
            values: dict[str, dict[str, Any]] = {}
            for key, value in (body.get("values") or {}).items():
                block_id, _, action_id = str(key).partition("/")
                values.setdefault(block_id, {})[action_id] = value if value != "" else None
            return emulator.submit_view(user, str(body.get("view_id")), values)
        return action(run)

    @app.post("/api/view/close")
    def close_view() -> Any:
        return action(lambda body, user: emulator.close_view(user, str(body.get("view_id"))))

    @app.post("/api/home")
    def open_home() -> Any:
        return action(lambda body, user: emulator.open_home(user))

    return app


# -- reading the snapshot -------------------------------------------------------------------
def _people(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [u for u in snapshot["users"] if not u["is_bot"] and not u["deleted"]]


def _viewer(snapshot: dict[str, Any], who: str | None, *, strict: bool = False
            ) -> dict[str, Any]:
    people = _people(snapshot)
    found = next((u for u in people if who in (u["id"], u["name"])), None)
    if found is not None:
        return found
    if strict:
        raise PageError(f"No such person: {who!r}")
    if not people:
        abort(404)
    return people[0]


HOME = {"id": "home", "name": "Home", "members": [], "messages": [], "is_im": False,
        "topic": "", "is_home": True}


def _channel(snapshot: dict[str, Any], ref: str | None, home: str) -> dict[str, Any]:
    """A channel or DM by id or name; "home" is the app's Home tab."""
    if ref == "home":
        return HOME
    channels = snapshot["channels"]
    return (next((c for c in channels if ref and ref in (c["id"], c["name"])), None)
            or next((c for c in channels if c["name"] == home and not c["is_im"]), None)
            or (channels[0] if channels else {"id": "", "name": "", "members": [],
                                              "messages": [], "is_im": False, "topic": ""}))


def _directory(snapshot: dict[str, Any]) -> Directory:
    return Directory(users={u["id"]: u["name"] for u in snapshot["users"]},
                     channels={c["id"]: c["name"] for c in snapshot["channels"]
                               if not c["is_im"]})


def _state(snapshot: dict[str, Any], viewer: dict[str, Any], channel: dict[str, Any]
           ) -> dict[str, Any]:
    """What the page shows, as HTML pieces the script swaps in when they change."""
    names = _directory(snapshot)
    modals = snapshot["modals"].get(viewer["id"]) or []
    top = modals[-1] if modals else None
    return {
        "viewer": viewer["name"], "viewer_id": viewer["id"],
        "channel": channel["id"], "channel_name": _label(channel, names),
        "is_im": bool(channel.get("is_im")),
        "sidebar": _sidebar(snapshot, names, channel["id"]),
        "header": _header(channel, names),
        "messages": (_home(snapshot, names, viewer["id"]) if channel.get("is_home")
                     else _messages(snapshot, names, viewer["id"], channel)),
        "modal": render.modal(top, names) if top else "",
        "modal_key": f"{top['id']}:{top.get('hash')}:{sorted((top.get('errors') or {}).items())}"
                     if top else "",
    }


def _label(channel: dict[str, Any], names: Directory) -> str:
    if channel.get("is_home"):
        return "swarmbot · Home"
    if channel.get("is_im"):
        return f"swarmbot ↔ @{names.user(channel.get('im_user') or '')}"
    return f"#{channel.get('name', '')}"


def _sidebar(snapshot: dict[str, Any], names: Directory, current: str) -> str:
    rooms = [c for c in snapshot["channels"] if not c["is_im"]]
    rooms.sort(key=lambda c: (c["is_archived"], c["created"], c["name"]))
    dms = sorted((c for c in snapshot["channels"] if c["is_im"]),
                 key=lambda c: names.user(c.get("im_user") or ""))

    def item(channel: dict[str, Any]) -> str:
        classes = ["channel"] + (["current"] if channel["id"] == current else []) \
            + (["archived"] if channel.get("is_archived") else [])
        acting = (f' data-as="{escape(names.user(channel["im_user"]))}"'
                  if channel.get("is_im") else "")
        count = len(channel["messages"])
        return (f'<a class="{" ".join(classes)}" href="?c={channel["id"]}" '
                f'data-channel="{channel["id"]}"{acting}>'
                f'<span class="name">{escape(_label(channel, names))}</span>'
                f'<span class="count">{count or ""}</span></a>')

    home = "channel current" if current == HOME["id"] else "channel"
    return (f'<div class="section-title">App</div><a class="{home}" href="?c=home" '
            f'data-channel="home"><span class="name">swarmbot · Home</span></a>'
            '<div class="section-title">Channels</div>' + "".join(map(item, rooms))
            + '<div class="section-title">Direct messages with swarmbot</div>'
            + ("".join(map(item, dms)) or '<div class="empty">none yet</div>'))


def _header(channel: dict[str, Any], names: Directory) -> str:
    if channel.get("is_home"):
        return ('<div class="channel-name">swarmbot · Home</div>'
                '<div class="topic">The app\'s Home tab, as the person you act as sees it.</div>')
    members = ", ".join(f"@{escape(names.user(m))}" for m in channel.get("members", []))
    topic = escape(channel.get("topic") or "")  # Slack shows a topic as plain text
    archived = ' <span class="archived-note">archived</span>' if channel.get("is_archived") else ""
    return (f'<div class="channel-name">{escape(_label(channel, names))}{archived}</div>'
            f'<div class="topic">{topic}</div>'
            f'<div class="members" title="members">'
            f'{_count(len(channel.get("members", [])), "member")}: {members}</div>'
            + _bookmarks(channel.get("bookmarks") or []))


def _bookmarks(bookmarks: list[dict[str, Any]]) -> str:
    """The channel's bookmarks bar, as Slack shows it under the channel name (links open in a
    new tab; the link is checked to be http(s) by bookmarks.add)."""
    if not bookmarks:
        return ""
    links = "".join(f'<a class="bookmark" href="{escape(b["link"])}" target="_blank" '
                    f'rel="noopener noreferrer">{escape(b["title"])}</a>' for b in bookmarks)
    return f'<div class="bookmarks" title="bookmarks">{links}</div>'


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _messages(snapshot: dict[str, Any], names: Directory, viewer: str,
              channel: dict[str, Any]) -> str:
    shown = [(m["ts"], render.message(m, names, viewer=viewer)) for m in channel["messages"]]
    shown += [(e["ts"], render.message(e, names, viewer=viewer, ephemeral=True))
              for e in snapshot["ephemerals"]
              if e["user"] == viewer and e["channel"] == channel["id"]]
    shown.sort(key=lambda pair: float(pair[0]))
    return "".join(html for _, html in shown) or '<div class="empty">No messages yet.</div>'


def _home(snapshot: dict[str, Any], names: Directory, viewer: str) -> str:
    view = snapshot["home"].get(viewer)
    if not view:
        return '<div class="empty">The bot has not published a Home tab for you yet.</div>'
    return (f'<div class="home-view" data-view-id="{escape(str(view.get("id", "")))}">'
            f'{render.blocks(view.get("blocks"), names)}</div>')
