"""Park-investment matchmaking for Guangdong biomedicine: policy knowledge base and ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .engine import Matcher, MatcherConfig
    from .prospect import Prospect
    from .ranking import Ranking

__all__ = ["Matcher", "MatcherConfig", "Prospect", "Ranking", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `matcher kb …` does not pay for numpy, scikit-learn and the encoder.
    if name in ("Matcher", "MatcherConfig"):
        from . import engine

        return getattr(engine, name)
    if name == "Prospect":
        from .prospect import Prospect

        return Prospect
    if name == "Ranking":
        from .ranking import Ranking

        return Ranking
    raise AttributeError(name)
