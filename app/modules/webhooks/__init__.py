"""Confera's own webhooks: subscriptions of a company or a whole reseller to
the event outbox (app/modules/events), signed deliveries as jobs, retries,
per-subscription ordering, the delivery log and the SSRF guard."""
