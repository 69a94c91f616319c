"""earlog: an executable model of the US export controls on advanced AI chips
and model weights (the EAR's AI Diffusion rule), with traced answers."""

from typing import Any

from earlog.errors import EarlogError, InputError, PolicyError


def __getattr__(name: str) -> Any:
    """`earlog.evaluate` and `earlog.__version__`, imported only when asked for: the engine
    (clingo, the scenario model) is not needed by `earlog --help` or by a command that does not
    evaluate, and importing importlib.metadata costs a cold command more than the rest of its
    start-up."""
    if name == "evaluate":
        from earlog.api import evaluate

        return evaluate
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("earlog")
        except PackageNotFoundError:  # running from a source tree
            return "0.0.0"
    raise AttributeError(name)

__all__ = ["EarlogError", "InputError", "PolicyError", "__version__", "evaluate"]
