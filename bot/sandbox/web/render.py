"""Slack messages as HTML, the way Slack's client shows them: Block Kit (header, section with
text/fields/accessory, context, actions, divider, image, rich_text, input) and mrkdwn basics
(*bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, :emoji:, <@user> as @handle,
<#channel> as a link, <url|label>). Pure: data in, HTML strings out; every text is escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape, unescape
from typing import Any

from bot.sandbox.web.emoji_names import character

# Reaction buttons under every message: the invite answers first, then a few everyday ones.
REACTION_CHOICES = ("white_check_mark", "x", "raising_hand", "+1", "no_entry_sign", "eyes",
                    "tada")

_TOKEN = re.compile(r"<([^<>\n]+)>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")


@dataclass
class Directory:
    """Names to show for ids: users by id (handle) and channels by id (name)."""
    users: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)

    def user(self, user_id: str) -> str:
        return self.users.get(user_id, user_id)


def emoji(name: str) -> str:
    """The emoji a Slack shortcode names; an unknown one stays `:name:`, as Slack shows it."""
    return character(name) or f":{name}:"


def mrkdwn(text: str, names: Directory) -> str:
    """Slack mrkdwn (https://api.slack.com/reference/surfaces/formatting) as HTML."""
    pieces: list[str] = []

    def keep(html: str) -> str:
        pieces.append(html)
        return f"\x00{len(pieces) - 1}\x00"

    def code_block(match: re.Match[str]) -> str:
        return keep(f"<pre>{escape(unescape(match[1]))}</pre>")

    def inline_code(match: re.Match[str]) -> str:
        return keep(f"<code>{escape(unescape(match[1]))}</code>")

    text = re.sub(r"```\n?(.*?)```", code_block, text or "", flags=re.S)
    text = re.sub(r"`([^`\n]+)`", inline_code, text)
    text = _TOKEN.sub(lambda m: keep(_token(m[1], names)), text)
    html = escape(unescape(text))
    html = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])", r"<b>\1</b>", html)
    html = re.sub(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])", r"<i>\1</i>", html)
    html = re.sub(r"(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])", r"<s>\1</s>", html)
    html = _EMOJI.sub(lambda m: f'<span class="emoji" title=":{m[1]}:">{emoji(m[1])}</span>'
                      if character(m[1]) else m[0], html)
    lines = [f'<span class="quote">{line[5:]}</span>' if line.startswith("&gt; ") else line
             for line in html.split("\n")]
    html = "<br>".join(lines)
    while _PLACEHOLDER.search(html):  # a kept piece may hold another (code in a token)
        html = _PLACEHOLDER.sub(lambda m: pieces[int(m[1])], html)
    return html


def _token(inner: str, names: Directory) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        handle = label or names.user(target[1:])
        return f'<span class="mention" data-user="{escape(target[1:])}">@{escape(handle)}</span>'
    if target.startswith("#"):
        channel = target[1:]
        name = label or names.channels.get(channel, channel)
        return (f'<a class="channel-link" href="?c={escape(channel)}" '
                f'data-channel="{escape(channel)}">#{escape(name)}</a>')
    if target.startswith("!"):
        word = target[1:].split("^")[0]
        return f'<span class="mention">@{escape(label or word)}</span>'
    if re.match(r"(https?|mailto):", target):
        return (f'<a href="{escape(target)}" target="_blank" rel="noopener">'
                f"{escape(unescape(label or target))}</a>")
    return escape(f"<{inner}>")


def text_object(obj: Any, names: Directory) -> str:
    """A composition text object: mrkdwn, or plain_text (with :emoji: when emoji is on)."""
    if not isinstance(obj, dict):
        return escape(str(obj or ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text") or "", names)
    plain = escape(obj.get("text") or "")
    if obj.get("emoji", True):
        plain = _EMOJI.sub(lambda m: character(m[1]) or m[0], plain)
    return plain.replace("\n", "<br>")


def element(el: dict[str, Any], names: Directory, *, block_id: str | None) -> str:
    """An interactive element. Buttons and selects carry what a click sends back."""
    kind = el.get("type")
    data = (f'data-action-id="{escape(str(el.get("action_id", "")))}" '
            f'data-block-id="{escape(str(block_id or ""))}"')
    if kind == "button":
        style = f' btn-{escape(el["style"])}' if el.get("style") in ("primary", "danger") else ""
        value = f' data-value="{escape(str(el["value"]))}"' if "value" in el else ""
        if el.get("url"):
            return (f'<a class="btn{style}" href="{escape(el["url"])}" target="_blank" '
                    f'rel="noopener">{text_object(el.get("text"), names)}</a>')
        return (f'<button type="button" class="btn block-button{style}" {data}{value}>'
                f'{text_object(el.get("text"), names)}</button>')
    if kind in ("static_select", "radio_buttons"):
        initial = (el.get("initial_option") or {}).get("value")
        placeholder = text_object(el.get("placeholder") or {"text": "Choose…"}, names)
        options = [f'<option value="">{placeholder}</option>'] + [
            f'<option value="{escape(str(o.get("value", "")))}"'
            f'{" selected" if o.get("value") == initial else ""}>'
            f'{text_object(o.get("text"), names)}</option>' for o in _options(el)]
        return f'<select class="block-select" {data}>{"".join(options)}</select>'
    if kind == "overflow":
        options = "".join(
            f'<button type="button" class="btn block-button" {data} '
            f'data-value="{escape(str(o.get("value", "")))}">{text_object(o.get("text"), names)}'
            f"</button>" for o in _options(el))
        return f'<span class="overflow">{options}</span>'
    if kind == "image":
        return (f'<img class="block-image-small" src="{escape(str(el.get("image_url", "")))}" '
                f'alt="{escape(str(el.get("alt_text", "")))}">')
    if kind in ("mrkdwn", "plain_text"):
        return text_object(el, names)
    return f'<span class="unsupported">[{escape(str(kind))}]</span>'


def _options(el: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(el.get("options") or [])
    for group in el.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def block(b: dict[str, Any], names: Directory) -> str:
    kind, block_id = b.get("type"), b.get("block_id")
    if kind == "header":
        return f'<div class="b-header">{text_object(b.get("text"), names)}</div>'
    if kind == "divider":
        return '<hr class="b-divider">'
    if kind == "section":
        parts = []
        if b.get("text"):
            parts.append(f'<div class="b-text">{text_object(b["text"], names)}</div>')
        if b.get("fields"):
            parts.append('<div class="b-fields">' + "".join(
                f"<div>{text_object(f, names)}</div>" for f in b["fields"]) + "</div>")
        accessory = (f'<div class="b-accessory">{element(b["accessory"], names, block_id=block_id)}'
                     f"</div>" if isinstance(b.get("accessory"), dict) else "")
        return f'<div class="b-section"><div class="b-main">{"".join(parts)}</div>{accessory}</div>'
    if kind == "context":
        return '<div class="b-context">' + " ".join(
            element(e, names, block_id=block_id) for e in b.get("elements") or []) + "</div>"
    if kind == "actions":
        return '<div class="b-actions">' + "".join(
            element(e, names, block_id=block_id) for e in b.get("elements") or []) + "</div>"
    if kind == "image":
        return (f'<div class="b-image"><img src="{escape(str(b.get("image_url", "")))}" '
                f'alt="{escape(str(b.get("alt_text", "")))}"></div>')
    if kind == "rich_text":
        return f'<div class="b-text">{_rich_text(b, names)}</div>'
    if kind == "input":
        return input_block(b, names)
    return f'<div class="unsupported">[{escape(str(kind))} block]</div>'


def blocks(items: list[dict[str, Any]] | None, names: Directory) -> str:
    return "".join(block(b, names) for b in items or [] if isinstance(b, dict))


def _rich_text(b: dict[str, Any], names: Directory) -> str:
    out = []
    for section in b.get("elements") or []:
        for piece in section.get("elements") or []:
            kind = piece.get("type")
            if kind == "text":
                out.append(escape(piece.get("text", "")).replace("\n", "<br>"))
            elif kind == "user":
                out.append(_token(f"@{piece.get('user_id', '')}", names))
            elif kind == "channel":
                out.append(_token(f"#{piece.get('channel_id', '')}", names))
            elif kind == "emoji":
                out.append(emoji(piece.get("name", "")))
            elif kind == "link":
                out.append(_token(f"{piece.get('url', '')}|{piece.get('text', '')}".rstrip("|"),
                                  names))
    return "".join(out)


def input_block(b: dict[str, Any], names: Directory, errors: Mapping[str, str] | None = None
                ) -> str:
    """An input of a modal: a labelled field named `block_id/action_id`."""
    el = b.get("element") or {}
    block_id, action_id = str(b.get("block_id", "")), str(el.get("action_id", ""))
    name = escape(f"{block_id}/{action_id}")
    kind = el.get("type")
    if kind == "plain_text_input":
        initial = escape(str(el.get("initial_value") or ""))
        placeholder = escape(str((el.get("placeholder") or {}).get("text", "")))
        field_html = (f'<textarea name="{name}" placeholder="{placeholder}">{initial}</textarea>'
                      if el.get("multiline") else
                      f'<input type="text" name="{name}" value="{initial}" '
                      f'placeholder="{placeholder}">')
    elif kind in ("static_select", "radio_buttons"):
        field_html = element(el, names, block_id=block_id).replace(
            '<select class="block-select"', f'<select name="{name}"', 1)
    else:
        field_html = f'<span class="unsupported">[{escape(str(kind))}]</span>'
    optional = ' <span class="optional">(optional)</span>' if b.get("optional") else ""
    error = (errors or {}).get(block_id)
    error_html = f'<div class="field-error">{escape(str(error))}</div>' if error else ""
    hint = (f'<div class="hint">{text_object(b["hint"], names)}</div>' if b.get("hint") else "")
    return (f'<label class="b-input" data-block-id="{escape(block_id)}">'
            f'<span class="label">{text_object(b.get("label"), names)}{optional}</span>'
            f"{field_html}{hint}{error_html}</label>")


def modal(view: dict[str, Any], names: Directory) -> str:
    """An open modal as a form: title, blocks (inputs as fields), errors, Cancel/Submit."""
    errors = view.get("errors") or {}
    body = "".join(input_block(b, names, errors) if b.get("type") == "input" else block(b, names)
                   for b in view.get("blocks") or [])
    general = {k: v for k, v in errors.items()
               if k not in {b.get("block_id") for b in view.get("blocks") or []}}
    if general:
        body += f'<div class="field-error">{escape(json.dumps(general))}</div>'
    submit = (f'<button type="submit" class="btn btn-primary">'
              f'{text_object(view["submit"], names)}</button>' if view.get("submit") else "")
    close = text_object(view.get("close") or {"type": "plain_text", "text": "Cancel"}, names)
    return (f'<form class="modal" data-view-id="{escape(str(view.get("id", "")))}">'
            f'<div class="modal-title">{text_object(view.get("title"), names)}</div>'
            f'<div class="modal-body">{body}</div>'
            f'<div class="modal-buttons"><button type="button" class="btn modal-close">{close}'
            f"</button>{submit}</div></form>")


def message(msg: dict[str, Any], names: Directory, *, viewer: str, ephemeral: bool = False
            ) -> str:
    """One message: author, time, blocks (or text), reactions and reaction buttons."""
    author = "swarmbot" if msg.get("bot_id") or ephemeral else names.user(msg.get("user", ""))
    body = blocks(msg["blocks"], names) if msg.get("blocks") and not _typed(msg) \
        else f'<div class="b-text">{mrkdwn(msg.get("text") or "", names)}</div>'
    ts = escape(str(msg.get("ts", "")))
    note = '<span class="only-you">Only visible to you</span>' if ephemeral else ""
    reply = ('<span class="thread-note">in a thread</span>'
             if msg.get("thread_ts") and msg.get("thread_ts") != msg.get("ts") else "")
    return (f'<div class="message{" ephemeral" if ephemeral else ""}" data-ts="{ts}">'
            f'<div class="meta"><span class="author">{escape(author)}</span> {note}{reply}</div>'
            f'<div class="body">{body}</div>'
            f"{'' if ephemeral else reactions(msg, viewer)}</div>")


def _typed(msg: dict[str, Any]) -> bool:
    """A message a person typed: its rich_text block says the same as its text."""
    return bool(msg.get("user")) and not msg.get("bot_id") and \
        all(b.get("type") == "rich_text" for b in msg.get("blocks") or [])


def reactions(msg: dict[str, Any], viewer: str) -> str:
    given = {r["name"]: r for r in msg.get("reactions") or []}
    names = list(given) + [n for n in REACTION_CHOICES if n not in given]
    buttons = []
    for name in names:
        entry = given.get(name)
        mine = entry is not None and viewer in entry.get("users", [])
        count = f'<span class="count">{entry["count"]}</span>' if entry else ""
        buttons.append(f'<button type="button" class="reaction{" mine" if mine else ""}'
                       f'{" given" if entry else ""}" data-emoji="{escape(name)}" '
                       f'title=":{escape(name)}:">{emoji(name)}{count}</button>')
    return f'<div class="reactions">{"".join(buttons)}</div>'
