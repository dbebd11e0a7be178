"""Who may do what on a case — the one table every use case consults (through
`bot.services.guards.require`), and the README's command table shows word for word.

*People on the case*: its owner, its requester, the people in its swarm (participants who have
not left) and the responders of its current level. *Admins*: the people in SWARMBOT_ADMINS.
Pure: the roles an actor holds are worked out by the caller; this module only says which
roles an action needs and how to say so."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import NotAllowed
from bot.i18n import N_


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
    """A group of people as the README and `/swarm help` name them and as an error message
    names them (marked for the catalog: translated where shown)."""

    label: str  # README, `/swarm help`
    phrase: str  # "Only {phrase} …"
    roles: frozenset[Role]
    named: str = ""  # the phrase naming the person `person`, when the bot knows them
    person: str = ""


ANYONE = Who(N_("anyone"), N_("anyone"), frozenset())
OWNER = Who(N_("owner"), N_("the case owner"), frozenset({Role.OWNER}),
            N_("the case owner {owner}"), "owner")
REQUESTER = Who(N_("requester"), N_("the requester"), frozenset({Role.REQUESTER}),
                N_("the requester {requester}"), "requester")
ON_CASE = Who(N_("people on the case"), N_("people working on this case"),
              frozenset({Role.OWNER, Role.REQUESTER, Role.PARTICIPANT, Role.RESPONDER}))
WORKED_ON = Who(N_("people on the case or who were"), N_("people who work on this case (or did)"),
                frozenset({*ON_CASE.roles, Role.PAST_PARTICIPANT}))
IN_SWARM = Who(N_("people in the swarm"), N_("people in the swarm"),
               frozenset({Role.PARTICIPANT}))
LEVEL_OR_ABOVE = Who(N_("the level's responders or those above"),
                     N_("{level}'s responders (or those above)"),
                     frozenset({Role.RESPONDER_OR_ABOVE}))
UNCHECKED = Who(N_("anyone while the level names no one the bot can check"),
                N_("anyone while the level names no one the bot can check"),
                frozenset({Role.UNCHECKED_LEVEL}))
APPROVERS = Who(N_("responders at a level with the authority"),
                N_("responders at a level with the authority"), frozenset({Role.APPROVER}))
ITEM_OWNER = Who(N_("the item's owner"), N_("the follow-up's owner"),
                 frozenset({Role.ITEM_OWNER}), N_("the follow-up's owner {item_owner}"),
                 "item_owner")
ITEM_AUTHOR = Who(N_("its author"), N_("whoever recorded it"), frozenset({Role.ITEM_AUTHOR}))
ADMINS = Who(N_("admins"), N_("a swarmbot admin"), frozenset({Role.ADMIN}))

# "Only … can …" by how many groups it names ({who1}…: the phrases, {verb}: the action).
ONLY = {1: N_("Only {who1} can {verb}.{detail}"),
        2: N_("Only {who1} or {who2} can {verb}.{detail}"),
        3: N_("Only {who1}, {who2} or {who3} can {verb}.{detail}"),
        4: N_("Only {who1}, {who2}, {who3} or {who4} can {verb}.{detail}")}


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
        return self.label_in(lambda words: words)

    def label_in(self, translate: Callable[[str], str]) -> str:
        """Who may, each group `translate`d (the README: English; `/swarm help`: the
        reader's language)."""
        comma = translate(", ")
        words = comma.join(translate(w.label) for w in self.who)
        for _, readme, _ in self.never:
            words += comma + translate(readme)
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
    "leave": Rule((IN_SWARM,), never=((Role.OWNER, N_("but not the owner"),
                                       N_("You own this case, so you cannot leave it: hand it "
                                          "over first with `/swarm owner @user`.")),)),
    "ack": Rule((LEVEL_OR_ABOVE, ADMINS, UNCHECKED)),
    "escalate": Rule((ON_CASE, ADMINS)),
    "deescalate": Rule((OWNER, LEVEL_OR_ABOVE, ADMINS)),
    "approve": Rule((ON_CASE, ADMINS)),
    "approval decide": Rule((APPROVERS, ADMINS), never=(
        (Role.APPROVAL_REQUESTER, N_("never the one who asked"),
         N_("You asked for this approval, so someone else decides it.")),)),
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


def who(command: str, translate: Callable[[str], str] = lambda words: words) -> str:
    """The README's "who" cell of a `/swarm` command: its rule, and its sub-forms' rules
    (`translate`: each group's words in the reader's language, for `/swarm help`)."""
    words = RULES[command].label_in(translate)
    for action, other in RULES.items():
        if action.startswith(f"{command} "):
            words += f"{translate('; ')}`{action.split(' ', 1)[1]}`: {other.label_in(translate)}"
    return words


def refusal(action: str, verb: str, *, owner: str | None = None, level: str | None = None,
            item_owner: str | None = None, requester: str | None = None,
            detail: str = "", values: Mapping[str, object] | None = None) -> NotAllowed:
    """"Only … can {verb}." for someone the rule does not allow. The people it names are the
    error's data, named where it is shown; `verb` and `detail` are marked phrases (`N_`)
    whose `{fields}` are in `values`, so the refusal reads in the reader's language."""
    people = {key: user for key, user in (("owner", owner), ("item_owner", item_owner),
                                          ("requester", requester)) if user}
    groups = [w for w in RULES[action].who if w is not UNCHECKED]
    terms = {f"who{n}": w.named if w.person in people else w.phrase
             for n, w in enumerate(groups, 1)}
    terms |= {"verb": verb, "detail": detail}
    facts: dict[str, object] = dict(values or {})
    if level:
        facts["level"] = level
    else:
        terms["level"] = N_("this level")
    return NotAllowed(ONLY[len(groups)], people=people, values=facts, terms=terms)
