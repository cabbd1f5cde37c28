"""FAQ knowledge base search: per-business indexes, suggestions with calibrated confidence,
a bot decision and an evaluation of all of it. See docs/knowledge.md."""

from livedesk.knowledge.calibration import ConfidenceModel, default_model, lowest_threshold
from livedesk.knowledge.index import BusinessIndex, embed_doc
from livedesk.knowledge.registry import FaqRegistry
from livedesk.knowledge.search_types import FaqDoc, Suggestion, SuggestResult

__all__ = [
    "BusinessIndex",
    "ConfidenceModel",
    "FaqDoc",
    "FaqRegistry",
    "SuggestResult",
    "Suggestion",
    "default_model",
    "embed_doc",
    "lowest_threshold",
]
