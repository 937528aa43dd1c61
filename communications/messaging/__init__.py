"""Messaging: what the brand says. Templates, messages and their approvals; the lifecycle a
message moves through; the last gate before anything goes out (``gate``); publishing to X and
the other channels; the services that write them."""
