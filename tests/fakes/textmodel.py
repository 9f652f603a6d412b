"""A text model with fixed answers, standing in for intake.textmodel's learned one in tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.models import SECTORS, Category


@dataclass
class FakeTextModel:
    """Answers the same probabilities for every text; calibrate() maps raw scores by a fixed rule."""

    categories: dict[Category, float] = field(default_factory=lambda: {Category.APPEAL: 1.0})
    sectors: dict[str, float] = field(default_factory=dict)
    version: str = "fake-1"
    fail: bool = False
    seen: list[str] = field(default_factory=list)

    def category_proba(self, text: str) -> dict[Category, float]:
        if self.fail:
            raise RuntimeError("model broke")
        self.seen.append(text)
        return {c: self.categories.get(c, 0.0) for c in Category}

    def sector_proba(self, text: str) -> dict[str, float]:
        return {s: self.sectors.get(s, 0.0) for s in SECTORS}

    def calibrate(self, raw: float) -> float:
        return round(0.9 * raw, 4)
