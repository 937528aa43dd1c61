"""Stakeholders, the communication plan and staff briefings.

Who is told what, through which channel and within how long, per severity; what was told to
whom and when during an incident; and keeping all staff informed. A package of the teams app
(its models live in teams.models), laid out like an app: services write, selectors read,
views and the API stay thin.
"""
