"""The writes of communications, one module per job:

- ``accounts``: social accounts and their encrypted credentials, the rotation reminder;
- ``messages``: drafting, editing, asking for approval, withdrawing, retrying, marking a
  stakeholder update sent;
- ``approvals``: approving, rejecting, sending back;
- ``statements``: templates (holding statements and replies) and their approval.

The rules they enforce live in communications.policy; publishing to X in
communications.publishing; inbound mentions in communications.mentions.
"""
