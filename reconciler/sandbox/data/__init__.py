"""Reading and writing sandbox data files (JSON), with times relative to load.

Offsets such as ``"-2h"`` are resolved when a file is loaded, so bundled data
never goes stale, and are kept as written when the file is saved again.

- `times`: the time expressions (`TimeSpec`, `parse_time`) and clock helpers.
- `org`: `OrgData`, everything a data file describes.
- `read`: `load_data` and `org_from_dict`, checking every field.
- `write`: `org_to_dict` and `write_json_atomically`.
"""

from __future__ import annotations

from reconciler.sandbox.data.org import OrgData
from reconciler.sandbox.data.read import load_data, org_from_dict
from reconciler.sandbox.data.times import TimeSpec, iso_from_ms, now_ms, parse_time
from reconciler.sandbox.data.write import org_to_dict, write_json_atomically

__all__ = [
    "OrgData",
    "TimeSpec",
    "iso_from_ms",
    "load_data",
    "now_ms",
    "org_from_dict",
    "org_to_dict",
    "parse_time",
    "write_json_atomically",
]
