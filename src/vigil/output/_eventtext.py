"""An event's attributes as one short line of text (escaped by whoever shows it)."""

from __future__ import annotations

import math

from vigil.types import Event


def event_details(ev: Event, max_items: int = 12) -> str:
    """``key=value`` pairs of the first ``max_items`` attributes, numbers to 3 significant digits."""
    parts = []
    for k, v in list(ev.attributes.items())[:max_items]:
        if isinstance(v, float):
            text = f"{v:.3g}" if math.isfinite(v) else str(v)
        elif isinstance(v, list):
            shown = (f"{x:.3g}" if isinstance(x, float) else str(x) for x in v[:8])
            text = "[" + ", ".join(shown) + (", ..." if len(v) > 8 else "") + "]"
        else:
            text = str(v)
        parts.append(f"{k}={text[:80]}")
    return " ".join(parts)
