"""Screening order books: `earlog screen` reads a book of transactions against a base
scenario and writes one verdict row per input row (see run.py for the data flow)."""

from earlog.screen.run import Options, choose_engine, screen

__all__ = ["Options", "choose_engine", "screen"]
