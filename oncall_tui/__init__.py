"""oncall-tui: a terminal cockpit for the engineer holding the pager."""

import logging

__version__ = "0.1.0"

# Nothing may reach stderr while the UI owns the terminal; the app adds a file handler (run_cmd).
logging.getLogger(__name__).addHandler(logging.NullHandler())
