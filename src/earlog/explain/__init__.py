"""Explanations: why and why-not trees of earlog's conclusions, from the solver's
own provenance (see provenance.py), with citations and the facts they rest on."""

from earlog.explain.model import Explanation, Node
from earlog.explain.why import explain

__all__ = ["Explanation", "Node", "explain"]
