"""`earlog serve`: the web workbench (deal editor, why/why-not, readings side by side,
rulebook, order-book screening) and its JSON API.  See docs/web.md."""

from earlog.web.app import create_app

__all__ = ["create_app"]
