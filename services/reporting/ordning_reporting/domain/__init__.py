"""The reporting domain: plain Python (no Flask, no session).

- `events.py`: the stored form of an event (`StoredEvent`) and its order within its aggregate;
- `facts.py`: the folds from an aggregate's events to its fact (its current state, as reporting needs it);
- `cubes.py`: the pre-aggregated count tables (cubes), what a fact contributes to them, and the difference
  between two facts' contributions, which is what an event changes in the cubes;
- `registry.py`: the read models, keyed by event type prefix: which fold and which contributions apply to an
  event; a new read model (risks, analyses, documents, goals) registers here;
- `period.py`: the period and its months; `figures.py`: the figure definitions and their sections.
"""
from .cubes import CUBES, Contribution, CubeSpec, Dim, contributions_of, difference
from .events import StoredEvent
from .facts import fold_action, fold_deviation
from .period import InvalidPeriod, Period
from .registry import READ_MODELS, ReadModel, read_model_for

__all__ = ["CUBES", "Contribution", "CubeSpec", "Dim", "contributions_of", "difference", "StoredEvent",
           "fold_action", "fold_deviation", "InvalidPeriod", "Period", "READ_MODELS", "ReadModel", "read_model_for"]
