"""Buttons: claim an unowned case, confirm a resolution, reopen, decide an approval, run a
workflow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.domain.errors import NotFound
from bot.services import approvals, cases, resolution, workflows
from bot.slack.errors import user_message
from bot.slack.ids import Action
from bot.slack.replies import reply
from bot.slack.responses import answer


def _record_id(value: Any) -> int:
    """The case or approval a button carries (our own buttons put its id in `value`)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    raise NotFound("That button does not point at a case any more; use the case's channel "
                   "or `/swarm list`.")


def _button(services: Any, run: Callable[[Any, str], str],
            parse: Callable[[Any], Any] = _record_id) -> Callable[..., None]:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user = (body.get("user") or {}).get("id")
        if not isinstance(user, str) or not user:
            return  # not a click by a person: nothing to answer
        try:
            text = run(parse(action.get("value")), user)
        except Exception as error:  # noqa: BLE001 — the one place errors become messages
            text = user_message(error)
        answer(respond, body, services.settings.slack_api_url, text=text,
               response_type="ephemeral", replace_original=False)

    return handle


def register(app: App, services: Any) -> None:
    app.action(Action.CLAIM_CASE)(_button(
        services,
        lambda case_id, user: reply(cases.claim_case(services, case_id=case_id,
                                                     user_id=user))))
    app.action(Action.CONFIRM_RESOLUTION)(_button(
        services,
        lambda case_id, user: reply(resolution.confirm_resolution(services, case_id=case_id,
                                                                  user_id=user))))
    app.action(Action.REOPEN_CASE)(_button(
        services,
        lambda case_id, user: reply(resolution.reopen_case(services, case_id=case_id,
                                                           actor=user))))
    app.action(Action.APPROVE)(_button(
        services,
        lambda approval_id, user: reply(approvals.decide_approval(
            services, approval_id=approval_id, actor=user, approve=True))))
    app.action(Action.REJECT)(_button(
        services,
        lambda approval_id, user: reply(approvals.decide_approval(
            services, approval_id=approval_id, actor=user, approve=False))))

    app.action(Action.RUN_WORKFLOW)(_button(
        services,
        lambda reference, user: reply(workflows.run_from_button(services, reference=reference,
                                                                actor=user)),
        parse=_workflow_ref))


def _workflow_ref(value: Any) -> tuple[int, str]:
    """`42:payments-sev1` → (42, "payments-sev1")."""
    case_id, _, name = str(value or "").partition(":")
    return _record_id(case_id), name[:40]
