"""What the owner is told of invites names only invites that happened (issue 22)."""

from __future__ import annotations

from bot.services.cases import CaseOpened
from bot.services.effects import NoteKind
from bot.services.swarm import ExpertsInvited
from bot.slack.notes import note_text
from bot.slack.replies import reply


def test_a_new_swarms_ack_says_experts_are_being_chosen_and_the_note_after_names_them(
        ) -> None:
    # The ack comes before the experts are chosen (issue 18): it says they are being chosen;
    # the note a moment later names who was invited, who is held, or that nobody could be.
    ack = reply(CaseOpened(1, "#0001", True, True, choosing=True))
    assert "Recommended experts are being chosen" in ack and "<@" not in ack
    invited = note_text(NoteKind.EXPERTS_CHOSEN, {"reference": "#0001", "invited": ["UTOM"],
                                                  "held": ["UANA"]})
    assert "recommended experts invited: <@UTOM>." in invited
    assert "Invited when their working day starts: <@UANA>." in invited
    held = note_text(NoteKind.EXPERTS_CHOSEN, {"reference": "#0001", "invited": [],
                                               "held": ["UANA"]})
    assert "experts invited" not in held and "nobody is invited right now." in held
    nobody = note_text(NoteKind.EXPERTS_CHOSEN, {"reference": "#0001", "invited": [],
                                                 "held": []})
    assert "experts invited" not in nobody and "*Nobody could be invited*" in nobody
    assert "`/swarm invite @…`" in nobody
    assert "invite" not in reply(CaseOpened(2, "#0002", True, False)).lower()  # tiered


def test_asking_for_more_experts_says_who_is_held_and_what_to_do_with_nobody() -> None:
    assert reply(ExpertsInvited(("UTOM",), ("UANA",))) == (
        "Invited <@UTOM>. Invited when their working day starts: <@UANA>.")
    assert reply(ExpertsInvited((), ("UANA",))) == (
        "Nobody who fits is working right now. Invited when their working day starts: <@UANA>.")
    assert "`/swarm skills add …`" in reply(ExpertsInvited(()))


def test_the_channel_is_told_why_nobody_was_invited_and_the_next_steps() -> None:
    fresh = note_text("nobody_to_invite", {"owner": "UMAYA", "service": "a<b>",
                                           "model": False, "found": 0, "asked_before": False})
    assert fresh.startswith(":warning: Nobody was invited to this swarm: no expert model is "
                            "trained yet")
    assert "like it on `a&lt;b&gt;`." in fresh  # typed text is escaped
    assert "<@UMAYA>, next steps" in fresh and "`swarmbot model train --from-db`" in fresh
    busy = note_text("nobody_to_invite", {"owner": None, "service": "", "model": True,
                                          "found": 2, "asked_before": True})
    assert busy.startswith(":warning: Nobody else is left to invite to this swarm: the 2 "
                           "people who fit this case are away or in too many swarms already")
    assert "\nNext steps:" in busy
