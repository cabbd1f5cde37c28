"""Input errors for the capacity planner, shaped for the CLI and the JSON API."""

from __future__ import annotations

from typing import Any


class PlanningInputError(ValueError):
    """An input the planner cannot work with; carries a stable code for API clients."""

    def __init__(self, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


def require(condition: bool, code: str, message: str, **data: Any) -> None:
    if not condition:
        raise PlanningInputError(code, message, **data)
