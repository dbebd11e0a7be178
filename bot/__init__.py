"""swarmbot: intelligent swarming and tiered escalation for Slack."""
