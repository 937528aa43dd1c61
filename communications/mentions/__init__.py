"""Inbound mentions and their triage: no mention is left without a decision.

Posts that mention a brand account (GET /2/users/:id/mentions) or match one of its watch
terms (GET /2/tweets/search/recent) are polled by Celery beat and stored once; people then
decide on each: needs a reply, no reply needed (and why), escalated, replied. A package of
the communications app (its models live in communications.models), laid out like an app:
services write, selectors read, views and the API stay thin.
"""
