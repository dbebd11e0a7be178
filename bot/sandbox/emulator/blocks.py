"""Block Kit format checks: the limits Slack enforces on messages and views, so a bot whose
blocks pass here is unlikely to get `invalid_blocks` from Slack.

Limits from the Block Kit reference (https://api.slack.com/reference/block-kit/blocks,
/composition-objects, /block-elements, /surfaces/views): up to 50 blocks in a message and
100 in a modal or Home tab; block_id ≤ 255 chars and unique in a surface; section text ≤
3000 and ≤ 10 fields of ≤ 2000; header plain_text ≤ 150; context ≤ 10 elements; actions ≤
25 elements; button text plain_text ≤ 75, value ≤ 2000, url ≤ 3000, style primary|danger;
action_id ≤ 255; option text ≤ 75, value ≤ 150; input label plain_text ≤ 2000; modal title
≤ 24, submit/close ≤ 24, private_metadata ≤ 3000, callback_id ≤ 255; text objects need
non-empty text. Errors read like Slack's: "<what> [json-pointer:/blocks/0/text]".
"""

from __future__ import annotations

from typing import Any

KNOWN_BLOCKS = {"section", "divider", "header", "context", "actions", "input", "image",
                "rich_text", "file", "video", "markdown", "call"}
INTERACTIVE = {"button", "static_select", "external_select", "users_select",
               "conversations_select", "channels_select", "multi_static_select",
               "multi_users_select", "multi_conversations_select", "multi_channels_select",
               "multi_external_select", "overflow", "datepicker", "timepicker",
               "datetimepicker", "checkboxes", "radio_buttons", "plain_text_input",
               "email_text_input", "url_text_input", "number_input", "rich_text_input",
               "workflow_button", "file_input"}
INPUT_ONLY = {"plain_text_input", "email_text_input", "url_text_input", "number_input",
              "rich_text_input", "file_input"}


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.block_ids: set[str] = set()

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def text(self, obj: Any, pointer: str, *, max_len: int, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.fail("must provide an object", pointer)
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.fail("must be a valid enum value", pointer + "/type")
        value = obj.get("text")
        if not isinstance(value, str):
            self.fail("must provide a string", pointer + "/text")
        elif not value:
            self.fail("must be more than 0 characters", pointer + "/text")
        elif len(value) > max_len:
            self.fail(f"must be less than {max_len + 1} characters", pointer + "/text")

    def length(self, value: Any, max_len: int, pointer: str) -> None:
        if value is not None and (not isinstance(value, str) or len(value) > max_len):
            self.fail(f"must be less than {max_len + 1} characters", pointer)

    def option(self, option: Any, pointer: str) -> None:
        if not isinstance(option, dict):
            self.fail("must provide an object", pointer)
            return
        self.text(option.get("text"), pointer + "/text", max_len=75)
        self.length(option.get("value"), 150, pointer + "/value")

    def element(self, element: Any, pointer: str, *, in_input: bool = False) -> None:
        if not isinstance(element, dict):
            self.fail("must provide an object", pointer)
            return
        kind = element.get("type")
        if kind in ("plain_text", "mrkdwn"):
            self.text(element, pointer, max_len=3000)
            return
        if kind == "image":
            if not element.get("image_url") and not element.get("slack_file"):
                self.fail("must provide image_url", pointer)
            if not element.get("alt_text"):
                self.fail("must provide alt_text", pointer + "/alt_text")
            return
        if kind not in INTERACTIVE:
            self.fail("must be a valid enum value", pointer + "/type")
            return
        if kind in INPUT_ONLY and not in_input:
            self.fail(f"{kind} is only allowed in an input block", pointer)
        self.length(element.get("action_id"), 255, pointer + "/action_id")
        if kind == "button":
            self.text(element.get("text"), pointer + "/text", max_len=75, plain_only=True)
            self.length(element.get("value"), 2000, pointer + "/value")
            self.length(element.get("url"), 3000, pointer + "/url")
            if element.get("style") not in (None, "primary", "danger"):
                self.fail("must be a valid enum value", pointer + "/style")
        for i, option in enumerate(element.get("options") or []):
            self.option(option, f"{pointer}/options/{i}")
        if "placeholder" in element:
            self.text(element["placeholder"], pointer + "/placeholder", max_len=150,
                      plain_only=True)

    def block(self, block: Any, pointer: str, *, surface: str) -> None:
        if not isinstance(block, dict):
            self.fail("must provide an object", pointer)
            return
        kind = block.get("type")
        if kind not in KNOWN_BLOCKS:
            self.fail("must be a valid enum value", pointer + "/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.length(block_id, 255, pointer + "/block_id")
            if block_id in self.block_ids:
                self.fail("duplicate block_id", pointer + "/block_id")
            self.block_ids.add(block_id)
        if kind == "section":
            if "text" not in block and not block.get("fields"):
                self.fail("must provide text or fields", pointer)
            if "text" in block:
                self.text(block["text"], pointer + "/text", max_len=3000)
            fields = block.get("fields") or []
            if len(fields) > 10:
                self.fail("must provide no more than 10 items", pointer + "/fields")
            for i, item in enumerate(fields):
                self.text(item, f"{pointer}/fields/{i}", max_len=2000)
            if "accessory" in block:
                self.element(block["accessory"], pointer + "/accessory")
        elif kind == "header":
            self.text(block.get("text"), pointer + "/text", max_len=150, plain_only=True)
        elif kind in ("context", "actions"):
            elements = block.get("elements")
            limit = 10 if kind == "context" else 25
            if not isinstance(elements, list) or not elements:
                self.fail("must provide at least 1 item", pointer + "/elements")
                return
            if len(elements) > limit:
                self.fail(f"must provide no more than {limit} items", pointer + "/elements")
            for i, element in enumerate(elements):
                if kind == "context" and isinstance(element, dict) and \
                        element.get("type") not in ("plain_text", "mrkdwn", "image"):
                    self.fail("must be a valid enum value", f"{pointer}/elements/{i}/type")
                    continue
                self.element(element, f"{pointer}/elements/{i}")
        elif kind == "input":
            if surface == "message":
                self.fail("input blocks are only allowed in modals and Home tabs", pointer)
            self.text(block.get("label"), pointer + "/label", max_len=2000, plain_only=True)
            if "element" not in block:
                self.fail("must provide an element", pointer + "/element")
            else:
                self.element(block["element"], pointer + "/element", in_input=True)
            if "hint" in block:
                self.text(block["hint"], pointer + "/hint", max_len=2000, plain_only=True)
        elif kind == "image":
            self.element({**block, "type": "image"}, pointer)


def check_blocks(blocks: Any, *, surface: str = "message", pointer: str = "/blocks"
                 ) -> list[str]:
    """The format errors in a list of blocks (empty when Slack would accept it)."""
    if not isinstance(blocks, list):
        return [f"must provide an array [json-pointer:{pointer}]"]
    checker = _Checker()
    limit = 50 if surface == "message" else 100
    if len(blocks) > limit:
        checker.fail(f"must provide no more than {limit} items", pointer)
    for i, block in enumerate(blocks):
        checker.block(block, f"{pointer}/{i}", surface=surface)
    return checker.errors


def check_view(view: Any) -> list[str]:
    """The format errors in a modal or Home tab view object."""
    if not isinstance(view, dict):
        return ["must provide an object [json-pointer:/view]"]
    checker = _Checker()
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail("must be a valid enum value", "/view/type")
        return checker.errors
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", max_len=24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                checker.text(view[key], f"/view/{key}", max_len=24, plain_only=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input"
                        for b in view.get("blocks") or [])
        if has_input and "submit" not in view:
            checker.fail("must provide submit when the view has input blocks", "/view/submit")
    checker.length(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.length(view.get("callback_id"), 255, "/view/callback_id")
    checker.length(view.get("external_id"), 255, "/view/external_id")
    errors = checker.errors + check_blocks(view.get("blocks", []),
                                           surface=kind, pointer="/view/blocks")
    return errors
