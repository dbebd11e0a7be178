"""Delivery of the Slack side effects use cases record (the outbox), in one place:

- recording: `bot.services.effects` names each intent and records it with
  `uow.outbox.enqueue` — `dedupe_key` (once ever) or `queueing_lock` (coalesces while one
  waits), `lock` (a case's effects go one at a time, in order), `priority`, `scheduled_at`;
  the columns are named as in procrastinate (models.scheduling.OutboxMessage);
- `claims`: claiming the most urgent due lock under a lease (`claim_next`, `InFlight`);
- `deliver`: prepare / send / record one claimed batch (`deliver_next`);
- `retry`: the retry policy (lease, backoff, waiting for a dependency);
- `dispatcher`: the worker threads of a process (`OutboxDispatcher`);
- `protocol`: what an executor (bot.slack.effects, bot.web.feed_sender) implements and may
  raise (`NotReady`, `Later`, `PermanentFailure`)."""
