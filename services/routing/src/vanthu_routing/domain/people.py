"""The people routing deals with: who is named in a record, and who is acting right now."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    """A user as the record shows them: the name and position stay as they were that day."""

    user_id: str
    full_name: str
    position: str | None = None

    def __str__(self) -> str:
        return f"{self.full_name} ({self.position})" if self.position else self.full_name


@dataclass(frozen=True)
class Actor:
    """The signed-in person doing something, with the units they head.

    The handler fills ``heads_unit_ids`` from the organisation directory; the domain only asks
    whether this person heads the unit a task was given to.
    """

    person: Person
    heads_unit_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def user_id(self) -> str:
        return self.person.user_id

    def heads(self, unit_id: str | None) -> bool:
        return unit_id is not None and unit_id in self.heads_unit_ids
