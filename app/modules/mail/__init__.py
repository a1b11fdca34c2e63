"""Outgoing mail: queued as durable jobs, delivered by SMTP or to the dev outbox."""
