"""Types shared by the wire models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A timestamp that must carry its zone: a naive one is a shape error at decode, not a UI crash later."""
