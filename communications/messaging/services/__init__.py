"""The writes of messaging, one module per job:

- ``messages``: drafting, editing, asking for approval, withdrawing, retrying, marking a
  stakeholder update sent;
- ``approvals``: approving, rejecting, sending back;
- ``statements``: templates (holding statements and replies) and their approval;
- ``playbooks``: a playbook's next version with the templates it offers;
- ``pauses``: the stop switch, pausing and resuming publishing.

The rules they enforce live in communications.messaging.gate; publishing to X in
communications.messaging.publishing; accounts and their credentials in
communications.accounts.services; inbound mentions in communications.listening.mentions.
"""
