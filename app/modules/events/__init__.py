"""The event outbox (issue H): one row per thing that happened, written in the
transaction of the change that caused it; webhooks fan out from it.
docs/events.md."""
