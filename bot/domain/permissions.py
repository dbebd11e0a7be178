"""Who may do what on a case — the one table every use case consults (through
`bot.services.guards.require`), and the README's command table shows word for word.

*People on the case*: its owner, its requester, the people in its swarm (participants who have
not left) and the responders of its current level. *Admins*: the people in SWARMBOT_ADMINS.
Pure: the roles an actor holds are worked out by the caller; this module only says which
roles an action needs and how to say so."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import NotAllowed


class Role(StrEnum):
    """What someone is to a case (or to one of its items), worked out per request."""

    OWNER = "owner"
    REQUESTER = "requester"
    PARTICIPANT = "participant"  # in the swarm now (has not left)
    PAST_PARTICIPANT = "past_participant"  # was in the swarm, left
    RESPONDER = "responder"  # listed at the case's current level
    RESPONDER_OR_ABOVE = "responder_or_above"  # listed at the current level or a higher one
    UNCHECKED_LEVEL = "unchecked_level"  # the current level names no one the bot can check
    APPROVER = "approver"  # a responder at some level (its authority is checked apart)
    ITEM_OWNER = "item_owner"  # owns the follow-up
    ITEM_AUTHOR = "item_author"  # recorded the follow-up
    APPROVAL_REQUESTER = "approval_requester"  # asked for the approval
    ADMIN = "admin"


@dataclass(frozen=True)
class Who:
    """A group of people as the README names them and as an error message names them."""

    label: str  # README
    phrase: str  # "Only {phrase} …"
    roles: frozenset[Role]


ANYONE = Who("anyone", "anyone", frozenset())
OWNER = Who("owner", "the case owner{owner}", frozenset({Role.OWNER}))
REQUESTER = Who("requester", "the requester{requester}", frozenset({Role.REQUESTER}))
ON_CASE = Who("people on the case", "people working on this case",
              frozenset({Role.OWNER, Role.REQUESTER, Role.PARTICIPANT, Role.RESPONDER}))
WORKED_ON = Who("people on the case or who were", "people who work on this case (or did)",
                frozenset({*ON_CASE.roles, Role.PAST_PARTICIPANT}))
IN_SWARM = Who("people in the swarm", "people in the swarm", frozenset({Role.PARTICIPANT}))
LEVEL_OR_ABOVE = Who("the level's responders or those above",
                     "{level}'s responders (or those above)",
                     frozenset({Role.RESPONDER_OR_ABOVE}))
UNCHECKED = Who("anyone while the level names no one the bot can check",
                "anyone while the level names no one the bot can check",
                frozenset({Role.UNCHECKED_LEVEL}))
APPROVERS = Who("responders at a level with the authority",
                "responders at a level with the authority", frozenset({Role.APPROVER}))
ITEM_OWNER = Who("the item's owner", "the follow-up's owner{item_owner}",
                 frozenset({Role.ITEM_OWNER}))
ITEM_AUTHOR = Who("its author", "whoever recorded it", frozenset({Role.ITEM_AUTHOR}))
ADMINS = Who("admins", "a swarmbot admin", frozenset({Role.ADMIN}))


@dataclass(frozen=True)
class Rule:
    who: tuple[Who, ...]
    # Never allowed, whatever else they are, with what they are told instead.
    never: tuple[tuple[Role, str, str], ...] = ()  # (role, README words, message)

    @property
    def open_to_anyone(self) -> bool:
        return ANYONE in self.who

    def allows(self, roles: set[Role]) -> bool:
        return self.refusal(roles) is None and (
            self.open_to_anyone or any(roles & w.roles for w in self.who))

    def refusal(self, roles: set[Role]) -> str | None:
        """The message for a role that is never allowed, if the actor has one."""
        return next((message for role, _, message in self.never if role in roles), None)

    @property
    def label(self) -> str:
        words = ", ".join(w.label for w in self.who)
        for _, readme, _ in self.never:
            words += f", {readme}"
        return words


OWNER_ONLY = Rule((OWNER, ADMINS))

# Every action a person can take on a case (or in general), by its command name; buttons and
# the sub-forms of a command have names of their own ("followup done", "approval decide").
RULES: dict[str, Rule] = {
    "new": Rule((ANYONE,)),
    "claim": Rule((ANYONE,)),
    "status": Rule((ON_CASE, ADMINS)),
    "invite": OWNER_ONLY,
    "experts": OWNER_ONLY,
    "severity": OWNER_ONLY,
    "owner": OWNER_ONLY,
    "resolve": OWNER_ONLY,
    "resolution confirm": Rule((REQUESTER,)),  # the "Yes, resolved" button, not a command
    "reopen": Rule((OWNER, REQUESTER, ADMINS)),
    "leave": Rule((IN_SWARM,), never=((Role.OWNER, "but not the owner",
                                       "You own this case, so you cannot leave it: hand it "
                                       "over first with `/swarm owner @user`."),)),
    "ack": Rule((LEVEL_OR_ABOVE, ADMINS, UNCHECKED)),
    "escalate": Rule((ON_CASE, ADMINS)),
    "deescalate": Rule((OWNER, LEVEL_OR_ABOVE, ADMINS)),
    "approve": Rule((ON_CASE, ADMINS)),
    "approval decide": Rule((APPROVERS, ADMINS), never=(
        (Role.APPROVAL_REQUESTER, "never the one who asked",
         "You asked for this approval, so someone else decides it."),)),
    "stats": Rule((ANYONE,)),
    "review": Rule((WORKED_ON, ADMINS)),
    "followup": Rule((WORKED_ON, ADMINS)),
    "followup done": Rule((ITEM_OWNER, ITEM_AUTHOR, OWNER, ADMINS)),
    "workflow run": Rule((ON_CASE, ADMINS)),
    "similar": Rule((ANYONE,)),
    "list": Rule((ANYONE,)),
    "skills": Rule((ANYONE,)),
    "away": Rule((ANYONE,)),
    "back": Rule((ANYONE,)),
    "help": Rule((ANYONE,)),
}


def rule(action: str) -> Rule:
    return RULES[action]


def who(command: str) -> str:
    """The README's "who" cell of a `/swarm` command: its rule, and its sub-forms' rules."""
    words = RULES[command].label
    for action, other in RULES.items():
        if action.startswith(f"{command} "):
            words += f"; `{action.split(' ', 1)[1]}`: {other.label}"
    return words


def refusal(action: str, verb: str, *, owner: str | None = None, level: str | None = None,
            item_owner: str | None = None, requester: str | None = None,
            detail: str = "") -> NotAllowed:
    """"Only … can {verb}." for someone the rule does not allow (the people it names are
    the error's data, named where it is shown)."""
    people = {key: user for key, user in (("owner", owner), ("item_owner", item_owner),
                                          ("requester", requester)) if user}
    facts = {key: f" {{{key}}}" if key in people else ""
             for key in ("owner", "item_owner", "requester")}
    facts["level"] = level or "this level"
    phrases = [w.phrase.format(**facts) for w in RULES[action].who if w is not UNCHECKED]
    listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " or " + phrases[-1]
    return NotAllowed(f"Only {listed} can {verb}.{detail}", people=people)
