"""earlog: an executable model of the US export controls on advanced AI chips
and model weights (the EAR's AI Diffusion rule), with traced answers."""

from typing import Any

from earlog.api import evaluate
from earlog.errors import EarlogError, InputError, PolicyError


def __getattr__(name: str) -> Any:
    """`earlog.__version__`, read from the package metadata only when asked for: importing
    importlib.metadata costs a cold command more than the rest of its start-up."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("earlog")
        except PackageNotFoundError:  # running from a source tree
            return "0.0.0"
    raise AttributeError(name)

__all__ = ["EarlogError", "InputError", "PolicyError", "__version__", "evaluate"]
