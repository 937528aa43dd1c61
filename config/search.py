"""Search and order that read Turkish as people type it: "istanbul" finds "İstanbul",
"ISPARTA" finds "Isparta", and "sut" finds "Süt" (many type without the Turkish letters on a
phone or an English keyboard). Both sides are folded alike: İ, i and ı to I, upper case, then
Ç Ş Ğ Ö Ü to C S G O U. ``field__folded__contains=fold(text)`` is the lookup. On
PostgreSQL the fold is ``upper()`` and ``replace()`` (immutable, so a trigram index can hold it:
incidents' migration 0012); on SQLite (the embedded default) the same fold in Python,
registered on each connection.

Why not an ICU collation for search: PostgreSQL's nondeterministic collations do not support
LIKE, and a search is a "contains", not an equality. Order is a collation's job: lists of names
sort in the Turkish alphabet (TurkishOrder: ICU's tr-x-icu on PostgreSQL, the same alphabet in
Python on SQLite), which reads right in English too.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Q, TextField, Transform
from django.db.models.sql.compiler import SQLCompiler

# İ, i and ı are I before upper case; after it, the letters folded to their plain Latin one.
_DOTS = str.maketrans({"İ": "I", "i": "I", "ı": "I"})
_PLAIN = {"Ç": "C", "Ş": "S", "Ğ": "G", "Ö": "O", "Ü": "U"}
SQLITE_FUNCTION = "crisis_desk_fold"


def _upper(char: str) -> str:
    """A letter's upper case as PostgreSQL's upper() gives it: one letter for one ("ß" stays)."""
    upper = char.upper()
    return upper if len(upper) == 1 else char


def fold(text: str) -> str:
    """The form both sides of a search are compared in: "İstanbul", "istanbul" and "ıstanbul"
    are "ISTANBUL"; "Süt" is "SUT"."""
    said = "".join(_upper(char) for char in text.translate(_DOTS))
    return "".join(_PLAIN.get(char, char) for char in said)


def fold_sql(column_sql: str) -> str:
    """The fold as PostgreSQL says it, for a column or an expression (indexes use it too):
    nested replace() around upper(), five times cheaper per row than translate()."""
    # The i's by hand before upper(): a database whose ctype is Turkish would upper i to İ.
    sql = f"upper(replace(replace(replace({column_sql}, 'İ', 'I'), 'i', 'I'), 'ı', 'I'))"
    for letter, plain in _PLAIN.items():
        sql = f"replace({sql}, '{letter}', '{plain}')"
    return sql


class Folded(Transform):
    lookup_name = "folded"
    output_field = TextField()
    template = fold_sql("%(expressions)s")

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template=f"{SQLITE_FUNCTION}(%(expressions)s)")


def every_word(text: str, *fields: str, most: int | None = 10) -> Q:
    """Each word of ``text`` (the first ``most``) found, folded, in one of ``fields``: the
    search boxes' rule ("ilker isik" finds İlker Işık)."""
    found = Q()
    for word in map(fold, text.split()[:most]):
        anywhere = Q()
        for field in fields:
            anywhere |= Q(**{f"{field}__folded__contains": word})
        found &= anywhere
    return found


def _fold_or_none(value: object) -> str | None:
    return None if value is None else fold(str(value))


def register_fold_on_sqlite(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created: SQLite has no translate() and no Turkish collation; it gets the
    Python fold and order."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, _fold_or_none, deterministic=True)
        connection.connection.create_collation(SQLITE_COLLATION, _turkish_compare)


# --- Turkish order ----------------------------------------------------------------------------

# The Turkish alphabet, for SQLite's collation: ç after c, ğ after g, ı before i, ö after o,
# ş after s, ü after u (PostgreSQL's ICU collation tr-x-icu knows it).
ALPHABET = "aâbcçdefgğhıiîjklmnoöprsştuûüvyz"
_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
SQLITE_COLLATION = "crisis_desk_tr"
POSTGRESQL_COLLATION = "tr-x-icu"


def turkish_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key in Turkish order, letters compared without case first ("İzmir" beside
    "izmir"), anything else after the letters by its code point."""
    key = []
    for char in text:
        lowered = "i" if char == "İ" else "ı" if char == "I" else char.lower()
        rank = _RANK.get(lowered)
        key.append((0, rank, "") if rank is not None else (1, 0, lowered))
    return tuple(key)


def _turkish_compare(a: str, b: str) -> int:
    ka, kb = turkish_key(a), turkish_key(b)
    return (ka > kb) - (ka < kb)


class TurkishOrder(Transform):
    """``order_by(TurkishOrder("name"))``: the Turkish alphabet's order, on both databases."""

    lookup_name = "turkish"
    output_field = TextField()
    template = f'(%(expressions)s) COLLATE "{POSTGRESQL_COLLATION}"'

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        return self.as_sql(
            compiler, connection, template=f"(%(expressions)s) COLLATE {SQLITE_COLLATION}"
        )


for _field in (CharField, TextField):
    _field.register_lookup(Folded)
    _field.register_lookup(TurkishOrder)
