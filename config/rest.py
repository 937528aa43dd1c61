"""What every REST endpoint shares: who may call it, how its input is read (each field in the
JSON type the OpenAPI document gives it, times that can be stored), and the errors it answers,
written into the document once for every operation."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.settings import api_settings

from config.inputs import validate_storable_time


class ActionPermission(BasePermission):
    """Refuse early (403 before 400) when the caller's role lacks the action's permission.

    Views list them in ``action_permissions`` as {(action, method): permission}; the services
    check again, so this only decides which error comes first.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        wanted = getattr(view, "action_permissions", {}).get(
            (getattr(view, "action", None), request.method)
        )
        return wanted is None or request.user.has_perm(wanted)


PERMISSIONS = [IsAuthenticated, ActionPermission]


# How deep lists and objects may nest in a request body: the deepest body the API takes nests
# four (a policy's steps and their targets).
MAX_NESTING = 20


def _nesting_over(data: Any, most: int) -> bool:
    """Lists and objects nest more than ``most`` deep in a parsed body (looked at level by
    level, without recursion)."""
    level = [data]
    for _depth in range(most):
        level = [
            child
            for value in level
            if isinstance(value, dict | list)
            for child in (value.values() if isinstance(value, dict) else value)
        ]
    return any(isinstance(value, dict | list) for value in level)


def _too_deep() -> ParseError:
    return ParseError(
        _("JSON parse error - lists and objects nest at most %(most)d deep in a body.")
        % {"most": MAX_NESTING}
    )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a 400 a body nested deeper than MAX_NESTING: no field
    takes one, and each level costs a level of Python's stack wherever the body is read (the
    parser itself gives up after about a thousand levels with a RecursionError, once a 500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        if _nesting_over(data, MAX_NESTING):
            raise _too_deep()
        return data


def _json_type_of(value: Any) -> type:
    """The JSON type of a choice (an enum's member is its str or int)."""
    return next(kind for kind in (bool, int, str, float, object) if isinstance(value, kind))


def _json_types(field: serializers.Field) -> tuple[type, ...] | None:
    """The JSON types a field is documented to take (None: any, or not known here)."""
    if isinstance(field, serializers.BooleanField):
        return (bool,)
    if isinstance(field, serializers.ChoiceField):
        return tuple({_json_type_of(value) for value in field.choices}) or None
    if isinstance(field, serializers.CharField | serializers.DateTimeField):
        return (str,)
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return (int,)
    if isinstance(field, serializers.SlugRelatedField):
        return (str,)
    if isinstance(field, serializers.ListField | serializers.ManyRelatedField):
        return (list,)
    return None


# How the refusal names what a field takes.
TYPE_NAMES = {bool: _("true or false"), str: _("text"), int: _("a whole number"), list: _("a list")}


def _is_json_type(field: serializers.Field, value: Any) -> bool:
    """The value has the JSON type the field is documented with (null is the field's own
    business: it allows it or says it may not be null)."""
    if value is None:
        return True
    expected = _json_types(field)
    if expected is None:
        return True
    if isinstance(value, bool) and bool not in expected:
        return False  # JSON's true is not the number 1
    return isinstance(value, expected)


def _type_problem(field: serializers.Field, value: Any) -> str | None:
    """What is wrong with the value's JSON type, said for a person; None: nothing."""
    if not _is_json_type(field, value):
        kinds = " / ".join(
            str(TYPE_NAMES.get(kind, kind.__name__)) for kind in _json_types(field) or ()
        )
        return str(_("Give %(kind)s here.") % {"kind": kinds})
    child = getattr(field, "child", None) or getattr(field, "child_relation", None)
    if child is not None and isinstance(value, list):
        for item in value:
            if not _is_json_type(child, item):
                kinds = " / ".join(
                    str(TYPE_NAMES.get(kind, kind.__name__)) for kind in _json_types(child) or ()
                )
                return str(_("Every item of this list must be %(kind)s.") % {"kind": kinds})
    return None


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, list) and any(_holds_nul(item) for item in value)


def _problem(field: serializers.Field, value: Any) -> str | None:
    if _holds_nul(value):
        # PostgreSQL stores no NUL, and a lookup by such text fails there.
        return str(_("Remove the NUL character: it cannot be stored."))
    max_length = getattr(field, "max_length", None)
    # The document's maxLength counts what was sent; DRF would count it after trimming.
    if (
        isinstance(field, serializers.CharField)
        and isinstance(value, str)
        and max_length
        and len(value) > max_length
    ):
        return str(
            _("Ensure this field has no more than %(max)d characters.") % {"max": max_length}
        )
    return _type_problem(field, value)


class InputSerializer(serializers.Serializer):
    """What a client sends, read as the OpenAPI document describes it: each field in its JSON
    type (DRF alone would also take "5" or 5.0 for 5, 0 for false, a number for text and an
    object for a list, which the document does not promise), its text without NUL."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            problems = {
                name: problem
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and (problem := _problem(field, data[name])) is not None
            }
            if problems:
                raise serializers.ValidationError(
                    {name: [problem] for name, problem in problems.items()}
                )
        return super().to_internal_value(data)


class DateTimeField(serializers.DateTimeField):
    """A date and time; one that cannot be stored (the ends of the calendar) is a 400 naming
    the field, not a failure when it is saved or shown."""

    default_validators = [validate_storable_time]

    def enforce_timezone(self, value: datetime) -> datetime:
        # DRF's own check of a local time converts it to UTC, which can overflow.
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


# --- errors, as the OpenAPI document tells them --------------------------------------------

WRITES = ("post", "put", "patch", "delete")
# The errors an operation answers besides its own responses; ``document_errors`` decides which
# apply to each operation.
ERRORS: dict[int, str] = {
    400: "Invalid input: the body names each field (or query parameter) and its problem; "
    "also a control character in the address or the query string.",
    401: "No credentials, or a token that is not valid.",
    403: "The role does not allow this, or the session has not passed the second sign-in step.",
    404: "No such object here, or no such page of results.",
    409: "Well formed, but the current state does not allow it (already approved, no longer "
    "open, a name already taken): the body says why.",
    429: "Too many requests: Retry-After says in how many seconds to try again.",
}
ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "Each field's problems (a list of messages; for a list or an object, "
        "its items' problems); `detail` or `non_field_errors` for the request as a whole.",
        "additionalProperties": {},
    },
}
FIELD_ERRORS = (400, 409)


def errors_of(method: str, operation: dict[str, Any], *, throttled: bool) -> set[int]:
    """Which errors an operation can answer, from what it takes. Every one may answer 400: a
    control character in the address or the query string (config.middleware)."""
    parameters = operation.get("parameters", [])
    codes = {400, 401, 403}
    if throttled:
        codes.add(429)
    if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
        codes.add(404)  # no such object; a page past the last
    if method in WRITES and (
        "requestBody" in operation or any(p["in"] == "path" for p in parameters)
    ):
        codes.add(409)
    return codes


# Text no request may hold: a control character in the address or the query string
# (config.middleware), a NUL in a field (InputSerializer).
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f]*$"
NO_NUL = "^[^\\u0000]*$"
# A text field that must not be blank is trimmed first: it needs a character that is not space.
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def _is_free_text(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and not {
        "enum",
        "format",
        "pattern",
        "$ref",
        "allOf",
    } & set(schema)


def _text_rules(schema: dict[str, Any], *, pattern: str) -> None:
    """Write the rule for text on a string schema, and on the items of an array of them."""
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        _text_rules(schema["items"], pattern=pattern)
    elif _is_free_text(schema):
        schema["pattern"] = NOT_BLANK if schema.get("minLength", 0) >= 1 else pattern


def document_input_rules(result: dict[str, Any]) -> None:
    """What the serializers and the middleware accept that drf-spectacular cannot see: text
    without NUL (in the query, without any control character), non-blank text that is more
    than spaces, and a filter left empty (no filter)."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                _text_rules(schema, pattern=NO_CONTROL_CHARACTERS)
                if parameter["in"] == "query" and schema.get("type") != "array":
                    # A filter sent empty is no filter (as a page's form sends it).
                    parameter["allowEmptyValue"] = True
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            for schema in component.get("properties", {}).values():
                _text_rules(schema, pattern=NO_NUL)


def document_errors(
    result: dict[str, Any], generator: Any, request: HttpRequest, public: bool
) -> dict[str, Any]:
    """drf-spectacular's postprocessing hook (SPECTACULAR_SETTINGS): add to every operation
    the errors it really answers, each with its body, and the rules of its input."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    throttled = bool(api_settings.DEFAULT_THROTTLE_CLASSES)
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for code in sorted(errors_of(method, operation, throttled=throttled)):
                shape = "FieldErrors" if code in FIELD_ERRORS else "Error"
                response = responses.setdefault(str(code), {"description": ERRORS[code]})
                response.setdefault(
                    "content",
                    {"application/json": {"schema": {"$ref": f"#/components/schemas/{shape}"}}},
                )
    document_input_rules(result)
    return result
