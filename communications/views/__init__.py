"""Communications pages, one module per page family: the composer, one message and the
actions on it, the approval queue, the war room's panel, the communications log, templates,
and accounts.

Thin: parse the form, call one service or selector, render. Every action on a message posts
to its own view, which calls the service and says what happened (or why it was refused) on the
message's page; what the page offers is asked from the same rules (communications.messaging.gate).
"""
