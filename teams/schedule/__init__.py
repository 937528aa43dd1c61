"""The response schedule: policies per severity, deadlines on incidents, the escalation engine
that keeps them (engine) and the rules a policy states (policies)."""
