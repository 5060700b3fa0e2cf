"""Bodies of `/me/searches`: a term to record, and the caller's latest terms."""

from typing import Annotated

from msgspec import Meta, Struct

from adapters.http.messages.fields import free_text, trim

Term = Annotated[str, free_text(100)]


class SearchTerm(Struct, forbid_unknown_fields=True):
    """A search term to record."""

    term: Term

    def trimmed(self) -> str:
        return trim(self.term)


class SearchTerms(Struct):
    """The caller's latest distinct terms, newest first."""

    terms: Annotated[list[str], Meta(max_length=5)]
