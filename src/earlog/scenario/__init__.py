"""The scenario model: what every input (JSON, DSL) is turned into before evaluation."""

from earlog.scenario.model import (
    CountryOverride,
    Item,
    Party,
    Scenario,
    Transaction,
    Veu,
    Vocabulary,
)

__all__ = ["CountryOverride", "Item", "Party", "Scenario", "Transaction", "Veu", "Vocabulary"]
