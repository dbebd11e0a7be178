"""Every id Slack sees from us — commands, actions, blocks, views, reactions — in one place."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    SWARM = "/swarm"


class Action(StrEnum):
    CLAIM_CASE = "case.claim"
    ACCEPT_INVITE = "invite.accept"
    DECLINE_INVITE = "invite.decline"
    CONFIRM_RESOLUTION = "case.confirm_resolution"
    REOPEN_CASE = "case.reopen"
    APPROVE = "approval.approve"
    REJECT = "approval.reject"
    RUN_WORKFLOW = "workflow.run"


class View(StrEnum):
    DECLARE_CASE = "case.declare"
    DECLARE_FROM_MESSAGE = "case.declare_from_message"


class Shortcut(StrEnum):
    """Message shortcuts (the manifest's `features.shortcuts`, type `message`)."""

    OPEN_CASE = "open_swarm_case"


class Block(StrEnum):
    TITLE = "case_title"
    SEVERITY = "case_severity"
    SERVICE = "case_service"
    DESCRIPTION = "case_description"


class Reaction(StrEnum):
    """Emoji names (without colons) that answer a swarm invite."""

    ACCEPT = "white_check_mark"
    ACCEPT_ALT = "raising_hand"
    ACCEPT_THUMBS = "+1"
    DECLINE = "x"
    DECLINE_ALT = "no_entry_sign"


ACCEPT_REACTIONS = frozenset({Reaction.ACCEPT, Reaction.ACCEPT_ALT, Reaction.ACCEPT_THUMBS})
DECLINE_REACTIONS = frozenset({Reaction.DECLINE, Reaction.DECLINE_ALT})
