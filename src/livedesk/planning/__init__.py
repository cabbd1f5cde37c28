"""Capacity planner and make-or-buy calculator for live chat.

Notebook use::

    from livedesk import planning as lp
    p = lp.plan()                       # the whitepaper's example
    p = lp.plan(visitors_per_day=3000, concurrency=2, slowdown=0.2)
    p.summary, p.rows, p.outsourcing    # plain dicts and lists
    lp.erlang_c(lam=100 / 30, aht=3, slots=14, answer_within_s=20).service_level
"""

from .concurrency import concurrent_chats
from .costs import EXAMPLE_PRICES, Bundle, CostParams, MonthlyFee, PerChat, PerHour, PerLead
from .erlang import QueueMetrics, erlang_a, erlang_b, erlang_c, erlang_c_probability
from .errors import PlanningInputError
from .estimate import ConversationRecord, Estimates, WidgetLoad, estimate_inputs
from .scenario import Plan, Scenario, plan
from .simulate import simulate
from .staffing import (
    System,
    Target,
    capacity,
    lag_aware_rates,
    modified_offered_load,
    required_operators,
    scheduled_operators,
)

__all__ = [
    "EXAMPLE_PRICES",
    "Bundle",
    "ConversationRecord",
    "CostParams",
    "Estimates",
    "MonthlyFee",
    "PerChat",
    "PerHour",
    "PerLead",
    "Plan",
    "PlanningInputError",
    "QueueMetrics",
    "Scenario",
    "System",
    "Target",
    "WidgetLoad",
    "capacity",
    "concurrent_chats",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_probability",
    "estimate_inputs",
    "lag_aware_rates",
    "modified_offered_load",
    "plan",
    "required_operators",
    "scheduled_operators",
    "simulate",
]
