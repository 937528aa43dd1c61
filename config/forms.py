"""What every form shares."""

from django import forms

# A date and time in the viewer's zone, with the browser's own picker.
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
