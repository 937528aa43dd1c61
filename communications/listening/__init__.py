"""Listening: the volume of what people say about each account, its usual level for the time
of day and the day of the week, and the spikes that stand out from it."""
