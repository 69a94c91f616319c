"""earlog: an executable model of the US export controls on advanced AI chips
and model weights (the EAR's AI Diffusion rule), with traced answers."""

from importlib.metadata import PackageNotFoundError, version

from earlog.api import evaluate
from earlog.errors import EarlogError, InputError, PolicyError

try:
    __version__ = version("earlog")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = ["EarlogError", "InputError", "PolicyError", "__version__", "evaluate"]
