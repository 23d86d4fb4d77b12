"""Japanese substring search over the register, the same on SQLite and PostgreSQL.

Text is normalised (NFKC folds full-width ＡＢＣ to ABC and half-width ｶﾅ to カナ; then case is
folded) on both sides, and a term matches where it is a substring of the normalised text: no
word segmentation, so 「受験」 finds 「…主任者受験者ファイル」.

On PostgreSQL a GIN index of the character bigrams of `search_text` (migration 0002, an
expression index) narrows the rows first; the substring test then decides.
The index is only an accelerator: every substring of two or more characters contains each of
its bigrams, and a one-character term is a bigram prefix, so the results are those of the plain
substring test that SQLite runs.
"""

import unicodedata

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

MAX_TERMS = 5
MAX_TERM_LENGTH = 50
_BIGRAMS_PER_TERM = 4  # enough to be selective; the substring test does the rest


def normalize_for_search(text: str) -> str:
    """NFKC, case-folded, control characters (NUL …) removed, white space collapsed."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


def search_terms(query: str) -> list[str]:
    """The query's terms (split on white space, full-width spaces included), normalised."""
    return normalize_for_search(query).split()


def _tsquery_for(term: str) -> str:
    """Bigrams that cover the term without overlapping (受験者 → 受験 & 者:*).

    Overlapping bigrams always occur together, and the planner, taking them as independent,
    would underestimate the matches by orders of magnitude and choose a bad plan.
    """

    def lexeme(text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    grams = [term[i : i + 2] for i in range(0, len(term), 2)]
    parts = [lexeme(gram) + (":*" if len(gram) == 1 else "") for gram in dict.fromkeys(grams)]
    return " & ".join(parts[:_BIGRAMS_PER_TERM])


def filter_by_terms(queryset: QuerySet, terms: list[str]) -> QuerySet:
    """Keep the rows whose search_text contains every term."""
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    if terms and connection.vendor == "postgresql":
        tsquery = " & ".join(f"({_tsquery_for(term)})" for term in terms)
        table = queryset.model._meta.db_table
        queryset = queryset.alias(
            # The identifiers come from the model; the user's text is a query parameter.
            _bigram_hit=RawSQL(  # noqa: S611
                f'files_registry_bigrams("{table}"."search_text") @@ %s::tsquery', [tsquery], BooleanField()
            )
        ).filter(Q(_bigram_hit=True))
    return queryset
