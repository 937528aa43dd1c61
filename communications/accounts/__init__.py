"""Accounts: the brand's social accounts, their encrypted credentials and the one X client,
the terms listened to for them, and the stop switch (a pause on publishing) with its rules.
The lowest room of communications: it imports no other."""
