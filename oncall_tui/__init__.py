"""oncall-tui: a terminal cockpit for the engineer holding the pager."""

__version__ = "0.1.0"
