"""schemathesis hooks for paylink: drop generated cases that break a rule
JSON Schema cannot state (it spans two values), so that the checks judge
only what the OpenAPI document can promise."""
from datetime import date, datetime, timezone
import re
import schemathesis

NOW = datetime.now(timezone.utc)

def _when(raw):
    if raw is None or raw == "":
        return None
    raw = str(raw).strip()
    try:
        t = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            t = datetime.combine(date.fromisoformat(raw), datetime.min.time())
        except ValueError:
            return "bad"
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    try:
        return t.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return "bad"

def _amount_range_reversed(value):
    parts = str(value).strip().split("..", 1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return False
    try:
        return float(parts[0].strip().rstrip(".")) > float(parts[1].strip().rstrip("."))
    except ValueError:
        return False

@schemathesis.hook
def filter_query(ctx, query):
    """`from` must not be later than `to` (default: now); a filter range `a..b` must have a <= b."""
    if not query:
        return True
    start, end = _when(query.get("from")), _when(query.get("to"))
    if "bad" not in (start, end):
        start = start or datetime(1970, 1, 1, tzinfo=timezone.utc)
        end = end or NOW
        if start > end:
            return False
    filters = query.get("filters")
    if isinstance(filters, dict) and _amount_range_reversed(filters.get("amount", "")):
        return False
    return True


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    """Keep every failure except those the contract itself calls for:
    - a deleted link stays retrievable (`deleted: true`) and its charges
      stay listable (SPEC section 5), which `use_after_free` reports;
    - a refund over what is left, and marking a charge that is no longer
      pending, are 400 by the contract (sections 12), not 409, so
      `positive_data_acceptance` reports them once the charge's state moved."""
    if getattr(failure, "code", None) == "ST301" and str(getattr(failure, "free", "")).startswith("DELETE /links/"):
        return False
    if getattr(failure, "code", None) == "ST202" and response is not None and response.status_code == 400:
        try:
            body = response.json()
        except Exception:
            return True
        if body.get("code") == "failed_refund":
            return False
        if body.get("code") == "bad_request" and "not pending" in body.get("message", ""):
            return False
    return True
