from __future__ import annotations

import pytest
from faq_fixtures import make_docs

from livedesk.knowledge.index import FaqDoc


@pytest.fixture
def docs() -> list[FaqDoc]:
    return make_docs()
