"""What every form shares."""

from django import forms

from config.inputs import validate_storable_time

# A date and time in the viewer's zone, with the browser's own picker.
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DateTimeField(forms.DateTimeField):
    """A date and time typed in the viewer's zone; one that cannot be stored (the ends of the
    calendar) is a form error, not a failure when it is saved or shown."""

    default_validators = [validate_storable_time]
