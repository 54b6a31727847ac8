"""Park-investment matchmaking for Guangdong biomedicine: policy knowledge base and ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .config import MatcherConfig
    from .engine import Matcher
    from .options import MatchOptions
    from .prospect import Prospect
    from .ranking import Ranking

__all__ = ["MatchOptions", "Matcher", "MatcherConfig", "Prospect", "Ranking", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `matcher kb …` does not pay for numpy, scikit-learn and the encoder.
    if name == "Matcher":
        from .engine import Matcher

        return Matcher
    if name == "MatcherConfig":
        from .config import MatcherConfig

        return MatcherConfig
    if name == "MatchOptions":
        from .options import MatchOptions

        return MatchOptions
    if name == "Prospect":
        from .prospect import Prospect

        return Prospect
    if name == "Ranking":
        from .ranking import Ranking

        return Ranking
    raise AttributeError(name)
