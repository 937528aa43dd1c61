"""Inbound mentions and their triage: no mention is left without a decision.

Posts that mention a brand account (GET /2/users/:id/mentions) or match one of its watch
terms (GET /2/tweets/search/recent) are polled by Celery beat and stored once; people then
decide on each: needs a reply, no reply needed (and why), escalated, replied. Part of the
listening room (its models live in communications.listening.models): services write,
selectors read, the API stays thin. The pages show the replies sent, so they are wired at
the top of the app (communications.views.mentions).
"""
