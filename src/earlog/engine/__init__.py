"""The engine: load the policy, enter a scenario as symbols, ground, solve."""

from earlog.engine.policy import Policy, Rule, load_policy
from earlog.engine.solve import Answer, solve
from earlog.engine.vocabulary import vocabulary

__all__ = ["Answer", "Policy", "Rule", "load_policy", "solve", "vocabulary"]
