"""Team pages, one module per page family: people and my profile, the roster and on-call,
drills, my notifications, and the incident pages whose actions reach people (declaring,
roles, the checklist).

Thin: parse the form, call one service or selector, render. Anyone logged in reads every
page; the edit controls appear only for those whose role allows the change, and a post
without that permission gets the 403 page.
"""
