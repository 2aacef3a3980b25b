"""Which of an indicator's age bands is its headline: the one the summary shows and the
one its other age bands are compared with."""

from __future__ import annotations

import re


def standard_age(ages: list[str], preferred: str | None) -> str:
    """The age band to summarise: the catalogue's choice, else the widest band served."""
    if preferred and preferred in ages:
        return preferred
    if "All ages" in ages:
        return "All ages"

    def width(age: str) -> float:
        numbers = [int(n) for n in re.findall(r"\d+", age)]
        if "+" in age and numbers:
            return 200 - numbers[0]
        if len(numbers) >= 2:
            return numbers[1] - numbers[0]
        return 0

    return sorted(ages, key=lambda a: (-width(a), a))[0]
