"""Writes src/api/openapi.json, the OpenAPI 3.1 document paylink serves at
/openapi.json: `python3 tools/openapi.py > src/api/openapi.json`. Edit this
script, not the JSON; a test holds the JSON equal to this script's output
and the document's routes equal to the router's.

The card expiry bounds depend on the month: the document carries a marker,
`x-paylink-card-expiry`, that the server replaces when it serves it."""
import json, copy

WS = r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TIME = {"type": "string", "format": "date-time", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        "description": "ISO 8601 in UTC, second precision, e.g. `2026-11-21T09:46:00Z`."}
NTIME = dict(TIME, type=["string", "null"])
CUR = ["THB", "JPY", "SGD", "MYR", "USD", "EUR", "GBP", "AUD", "CAD", "CHF", "CNY", "DKK", "HKD", "IDR"]
VERSIONS = {"2019_05_29": "2019-05-29", "2015_11_17": "2015-11-17"}
FAILURES = ["insufficient_fund", "stolen_or_lost_card", "failed_processing", "payment_rejected", "failed_fraud_check", "invalid_account_number"]

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def idpat(prefix): return {"type": "string", "pattern": f"^{prefix}(_test)?_[0-9a-z]{{19}}$"}
def const(v): return {"const": v}
def nul(t): return {"type": [t, "null"]}
def obj(props, required=None, desc=None, extra=None):
    o = {"type": "object", "properties": props, "required": required if required is not None else list(props), "additionalProperties": False}
    if desc: o["description"] = desc
    if extra: o.update(extra)
    return o

schemas = {}

def currency(v):
    codes = CUR if v == "2019_05_29" else [c.lower() for c in CUR]
    return {"type": "string", "enum": codes, "description": "Uppercase in 2019-05-29, lowercase in 2015-11-17."}

def stamp(props, v):
    if v == "2019_05_29": props["created_at"] = TIME
    else: props["created"] = TIME
    return props

SHAPE = {"2019_05_29": "2019-05-29 shape (the default): `created_at`.",
         "2015_11_17": "2015-11-17 shape (also answered for 2014-07-27 and 2017-11-02): `created` instead of `created_at`, lowercase currency codes."}

# Error
schemas["Error"] = obj({
    "object": const("error"),
    "location": {"type": "string", "pattern": r"^https://www\.omise\.co/api-errors#[a-z-]+$",
                 "description": "`https://www.omise.co/api-errors#` and the code with `-` for `_`."},
    "code": {"type": "string", "enum": ["authentication_failure", "invalid_link_id", "not_found", "invalid_date_format", "bad_request",
                                         "invalid_link", "invalid_card", "used_token", "used_link", "failed_refund", "forbidden",
                                         "method_not_allowed", "request_entity_too_large", "request_timeout", "service_unavailable", "internal_error"]},
    "message": {"type": "string"},
}, desc="Every error, from every route, is this object.")

for v in VERSIONS:
    # Card
    schemas[f"Card_{v}"] = obj(stamp({
        "object": const("card"), "id": idpat("card"), "livemode": {"type": "boolean"},
        "location": nul("string"), "deleted": {"type": "boolean"},
        "street1": nul("string"), "street2": nul("string"), "city": nul("string"), "state": nul("string"),
        "phone_number": nul("string"), "postal_code": nul("string"),
        "country": {"type": "string"}, "financing": {"type": "string"}, "bank": nul("string"),
        "brand": {"type": "string", "enum": ["Visa", "MasterCard", "JCB", "American Express", "Diners Club", "Discover", "UnionPay"]},
        "fingerprint": {"type": "string"}, "first_digits": nul("string"),
        "last_digits": {"type": "string", "pattern": "^[0-9]{4}$"}, "name": {"type": "string"},
        "expiration_month": {"type": "integer", "minimum": 1, "maximum": 12},
        "expiration_year": {"type": "integer"}, "security_code_check": {"type": "boolean", "description": "Whether the card was tokenized with a security code, which was checked."},
        "tokenization_method": nul("string"),
    }, v), desc="A card as shown on a token and a charge; never the full number or the security code. " + SHAPE[v])
    schemas[f"Token_{v}"] = obj(stamp({
        "object": const("token"), "id": idpat("tokn"), "livemode": {"type": "boolean"},
        "location": {"type": "string", "pattern": r"^/tokens/tokn(_test)?_[0-9a-z]+$"},
        "used": {"type": "boolean"}, "charge_status": {"type": "string"},
        "card": ref(f"Card_{v}"),
    }, v), desc=SHAPE[v])
    schemas[f"Refund_{v}"] = obj(stamp({
        "object": const("refund"), "id": idpat("rfnd"), "livemode": {"type": "boolean"},
        "location": {"type": "string", "pattern": r"^/charges/chrg(_test)?_[0-9a-z]+/refunds/rfnd(_test)?_[0-9a-z]+$"},
        "amount": {"type": "integer", "minimum": 1}, "currency": currency(v), "charge": idpat("chrg"),
        "transaction": nul("string"), "voided": {"type": "boolean"},
        "status": {"type": "string", "enum": ["closed"]},
        "metadata": {"type": "object", "description": "The merchant's metadata as given."},
        "funding_amount": {"type": "integer"}, "funding_currency": {"type": "string", "enum": CUR},
    }, v), desc=SHAPE[v])
    charge = {
        "object": const("charge"), "id": idpat("chrg"), "livemode": {"type": "boolean"},
        "location": {"type": "string", "pattern": r"^/charges/chrg(_test)?_[0-9a-z]+$"},
        "amount": {"type": "integer"}, "acquirer_reference_number": nul("string"), "authorization_type": nul("string"),
        "authorized_amount": {"type": "integer"}, "branch": nul("object"), "captured_amount": {"type": "integer"},
        "currency": currency(v), "description": {"type": "string", "description": "The link's title, a blank line, then its description."},
        "device": nul("object"), "metadata": {"type": "object"},
        "status": {"type": "string", "enum": ["successful", "failed", "pending", "expired"]},
        "paid": {"type": "boolean"}, "paid_at": NTIME, "authorized": {"type": "boolean"},
        "capturable": {"type": "boolean"}, "capture": {"type": "boolean"},
        "net": {"type": "integer"}, "fee": {"type": "integer"}, "fee_vat": {"type": "integer"},
        "interest": {"type": "integer"}, "interest_vat": {"type": "integer"},
    }
    if v == "2019_05_29": charge["refunded_amount"] = {"type": "integer", "minimum": 0}
    else: charge["refunded"] = {"type": "integer", "minimum": 0, "description": "The refunded amount (2015-11-17 name)."}
    charge.update({
        "funding_amount": {"type": "integer"}, "funding_currency": {"type": "string", "enum": CUR},
        "transaction_fees": obj({"fee_flat": {"type": "string"}, "fee_rate": {"type": "string"}, "vat_rate": {"type": "string"}}),
        "refunds": ref(f"RefundList_{v}"), "link": idpat("link"), "card": ref(f"Card_{v}"),
        "customer": nul("string"), "source": nul("object"), "schedule": nul("string"), "dispute": nul("object"),
        "transaction": nul("string"), "terminal": nul("string"),
        "platform_fee": obj({"fixed": nul("integer"), "amount": nul("integer"), "percentage": nul("number")}),
        "failure_code": {"type": ["string", "null"], "enum": FAILURES + [None]},
        "failure_message": nul("string"), "merchant_advice": nul("string"), "merchant_advice_code": nul("string"),
        "ip": nul("string"), "return_uri": nul("string"), "authorize_uri": nul("string"),
        "reversed": {"type": "boolean"}, "reversible": {"type": "boolean"}, "refundable": {"type": "boolean"},
        "partially_refundable": {"type": "boolean"}, "voided": {"type": "boolean"}, "disputable": {"type": "boolean"},
        "expired": {"type": "boolean"}, "expires_at": TIME, "expired_at": NTIME, "reversed_at": NTIME,
        "zero_interest_installments": {"type": "boolean"}, "installment_terms": nul("integer"),
        "missing_3ds_fields": {"type": "array", "items": {"type": "string"}},
    })
    schemas[f"Charge_{v}"] = obj(stamp(charge, v), desc="The charge object with every field of the real one. " + SHAPE[v])
    link = {
        "object": const("link"), "id": idpat("link"), "livemode": {"type": "boolean"},
        "location": {"type": "string", "pattern": r"^/links/link(_test)?_[0-9a-z]+$"},
        "amount": {"type": "integer", "description": "In the currency's smallest unit."},
        "currency": currency(v), "used": {"type": "boolean"}, "multiple": {"type": "boolean"},
        "title": {"type": "string"}, "description": {"type": "string"},
        "charges": ref(f"ChargeList_{v}"),
        "payment_uri": {"type": "string", "format": "uri", "pattern": "/pay/[0-9A-Z]{19}$"},
        "deleted": {"type": "boolean"},
    }
    if v == "2019_05_29":
        link["deleted_at"] = NTIME
        link["used_at"] = NTIME
    schemas[f"Link_{v}"] = obj(stamp(link, v), desc="The link object, embedding its first page of charges. " +
                               (SHAPE[v] if v == "2019_05_29" else SHAPE[v] + " No `used_at`, no `deleted_at`."))
    schemas[f"WebhookDelivery_{v}"] = obj(stamp({
        "object": const("webhook_delivery"), "id": idpat("whdl"), "uri": {"type": "string"},
        "status": {"type": ["integer", "null"], "description": "The receiver's HTTP status, null when none came."},
        "error": {"type": ["string", "null"]},
        "key": {"type": "string", "enum": ["link.create", "charge.create", "charge.complete", "refund.create"]},
    }, v), desc=SHAPE[v])
    variants = []
    for keys, data in ((["link.create"], "Link"), (["charge.create", "charge.complete"], "Charge"), (["refund.create"], "Refund")):
        e = {"object": const("event"), "id": idpat("evnt"), "livemode": {"type": "boolean"},
             "location": {"type": "string", "pattern": r"^/events/evnt(_test)?_[0-9a-z]+$"},
             "key": {"type": "string", "enum": keys}}
        stamp(e, v)
        e["data"] = dict(ref(data), description="The object as it was when the event happened, in the account's API version (either shape), not the request's.")
        e["webhook_deliveries"] = {"type": "array", "items": ref(f"WebhookDelivery_{v}")}
        variants.append(obj(e))
    schemas[f"Event_{v}"] = {"description": SHAPE[v] + " `data` is a link for `link.create`, a charge for `charge.*`, a refund for `refund.create`.",
                             "oneOf": variants}
    schemas[f"Account_{v}"] = obj(stamp({
        "object": const("account"), "id": {"type": "string", "pattern": "^acct_[0-9a-z]{19}$"},
        "livemode": {"type": "boolean"}, "location": const("/account"), "country": {"type": "string"},
        "currency": currency(v), "email": nul("string"),
        "display_name": {"type": "string", "description": "The name payers see on the payment page (paylink's own field)."},
        "api_version": {"type": "string", "enum": ["2019-05-29", "2015-11-17"]},
        "webhook_uri": nul("string"),
        "supported_currencies": {"type": "array", "items": currency(v)},
    }, v), desc="The account as the key's mode sees it. " + SHAPE[v])
    for T in ("Link", "Charge", "Refund", "Event"):
        schemas[f"{T}List_{v}"] = obj({
            "object": const("list"), "data": {"type": "array", "items": ref(f"{T}_{v}")},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100}, "offset": {"type": "integer", "minimum": 0},
            "total": {"type": "integer", "minimum": 0},
            "order": {"type": "string", "enum": ["chronological", "reverse_chronological"]},
            "location": {"type": "string"}, "from": TIME, "to": TIME,
        }, desc=f"A page of {T.lower()}s. `total` counts the records in the `from`..`to` window. " + SHAPE[v])
    for T, scope in (("Link", "link"), ("Charge", "charge")):
        p = {"object": const("search")}
        if v == "2019_05_29": p["export"] = {"type": "null"}
        p["data"] = {"type": "array", "items": ref(f"{T}_{v}")}
        p["page"] = {"type": "integer", "minimum": 1}
        if v == "2019_05_29": p["per_page"] = {"type": "integer", "minimum": 1, "maximum": 100}
        p["total"] = {"type": "integer", "minimum": 0}
        p["total_pages"] = {"type": "integer", "minimum": 0}
        p["filters"] = {"type": "object", "additionalProperties": {"type": "string"}, "description": "The filters given, values echoed as strings."}
        if v == "2019_05_29": p["location"] = const("/search")
        p["order"] = {"type": "string", "enum": ["chronological", "reverse_chronological"]}
        p["query"] = nul("string")
        p["scope"] = const(scope)
        if v == "2019_05_29": p["aggregate_level"] = {"type": "null"}
        schemas[f"Search{T}s_{v}"] = obj(p, desc=f"Search results of scope `{scope}`. " +
            ("2019-05-29 shape." if v == "2019_05_29" else "2015-11-17 shape: no `export`, `per_page`, `location` or `aggregate_level`."))

def either(name, desc):
    schemas[name] = {"description": desc, "anyOf": [ref(f"{name}_{v}") for v in VERSIONS]}
for T in ("Card", "Token", "Refund", "Charge", "Link", "WebhookDelivery", "Event", "Account",
          "LinkList", "ChargeList", "RefundList", "EventList"):
    either(T, f"The {T} in the shape the request's `Omise-Version` picks (2019-05-29 by default).")
schemas["Search"] = {"description": "Search results in the request's shape; `data` holds links or charges per `scope`.",
                     "anyOf": [ref(f"Search{T}s_{v}") for v in VERSIONS for T in ("Link", "Charge")]}
schemas["Capability"] = obj({
    "object": const("capability"), "location": const("/capability"), "country": {"type": "string"},
    "banks": {"type": "array", "maxItems": 0},
    "limits": obj({"charge_amount": obj({"min": {"type": "integer"}, "max": {"type": "integer"}})}),
    "payment_methods": {"type": "array", "items": obj({
        "object": const("payment_method"), "name": {"type": "string"},
        "currencies": {"type": "array", "items": {"type": "string", "enum": CUR}},
        "card_brands": {"type": "array", "items": {"type": "string"}},
        "installment_terms": {"type": ["array", "null"]}, "banks": {"type": "array"}})},
    "tokenization_methods": {"type": "array"}, "zero_interest_installments": {"type": "boolean"},
}, desc="What the account can take. The same in both API versions.")
schemas["Health"] = obj({"status": const("ok")})
schemas["Reset"] = obj({
    "object": const("reset"), "livemode": const(False),
    "deleted": obj({k: {"type": "integer", "minimum": 0} for k in ("links", "charges", "tokens", "events", "refunds")}),
}, desc="What `POST /_paylink/reset` deleted (paylink's own, not Omise's).")

# ---------- request bodies ----------
def trimmed_text(maxlen, nul_ok):
    n = "" if nul_ok else r"\u0000"
    return {"type": "string",
            "pattern": f"^[{WS}]*[^{WS}{n}](?:[^{n or WS}]{{0,{maxlen-2}}}[^{WS}{n}])?[{WS}]*$" if not nul_ok else
                       f"^[{WS}]*[^{WS}](?:[\\s\\S]{{0,{maxlen-2}}}[^{WS}])?[{WS}]*$"}
title = trimmed_text(255, False)
title["description"] = "1..=255 characters once surrounding whitespace is trimmed; no NUL."
ci = lambda s: "".join(f"[{c.upper()}{c.lower()}]" for c in s)
def cur_pat(codes): return f"^[{WS}]*(?:{'|'.join(ci(c) for c in codes)})[{WS}]*$"
BOUNDS = [(["THB"], 2000, 15000000), (["JPY"], 100, 6000000), (["SGD"], 100, 2000000),
          (["MYR", "USD", "EUR", "GBP", "AUD", "CAD", "CHF", "CNY", "DKK", "HKD"], 100, 10000000), (["IDR"], 1000000, 100000000000)]
BOOL = {"anyOf": [{"type": "boolean"}, {"type": "null"}, {"type": "integer", "enum": [0, 1]},
                  {"type": "string", "pattern": f"^(?:{ci('true')}|{ci('false')}|1|0)?$"}],
        "description": "`true`/`false` (any case), `1`/`0`, a JSON boolean; null or empty means not given."}
schemas["LinkCreate"] = {
    "type": "object", "required": ["amount", "currency", "title", "description"],
    "properties": {
        "amount": {"type": "integer", "description": "In the currency's smallest unit, within the currency's bounds (see `anyOf`); a decimal string is accepted too."},
        "currency": {"type": "string", "pattern": cur_pat(CUR), "description": "ISO 4217, any letter case."},
        "title": {"anyOf": [title, {"type": ["number", "boolean"]}], "description": "1..=255 characters once surrounding whitespace is trimmed; no NUL. A JSON number or boolean is taken as its JSON text."},
        "description": {"anyOf": [{"type": "string", "maxLength": 1000, "pattern": r"^[^\u0000]*$"}, {"type": ["number", "boolean"]}], "description": "May be empty; at most 1000 characters; no NUL. A JSON number or boolean is taken as its JSON text."},
        "multiple": BOOL,
    },
    "anyOf": [{"properties": {"currency": {"pattern": cur_pat(c)}, "amount": {"minimum": lo, "maximum": hi}}}
              for c, lo, hi in BOUNDS],
    "description": "Amount bounds per currency: THB 2000..=15000000; JPY 100..=6000000; SGD 100..=2000000; MYR, USD, EUR, GBP, AUD, CAD, CHF, CNY, DKK, HKD 100..=10000000; IDR 1000000..=100000000000. Unknown parameters are ignored.",
}
# tokens
NUMS3 = ["4242424242424242", "4111111111111111", "5555555555554444", "3530111333300000",
         "4111111111140011", "4111111111130012", "4111111111120013", "4111111111110014", "4111111111190016", "4111111111180017",
         "4000000000003220", "5200000000003225"]
NUMS4 = ["378282246310005", "371449635398431"]
def card_schema(prefix=""):
    k = lambda n: f"{prefix}[{n}]" if prefix else n
    text = {"type": ["string", "number", "boolean", "null"]}
    props = {
        k("name"): {"anyOf": [trimmed_text(255, False), {"type": ["number", "boolean"]}], "description": "The cardholder's name: 1..=255 characters once trimmed, no NUL. A JSON number or boolean is taken as its JSON text."},
        k("number"): {"type": "string", "description": "A card number that passes the Luhn check and has a known brand (spaces and dashes allowed). Listed: the test cards; `4111111111140011`, `…130012`, `…120013`, `…110014`, `…190016`, `…180017` make test charges fail, `4000000000003220` and `5200000000003225` need 3-D Secure."},
        k("expiration_month"): {"type": "integer", "minimum": 1, "maximum": 12},
        k("expiration_year"): {"type": "integer", "description": "Four digits, or two (20xx); not in the past, at most 20 years ahead."},
        k("security_code"): {"description": "Optional, as on Omise. Absent, empty, blank or null: none, and the card shows `security_code_check: false`. Given: 3 digits, 4 for American Express, or `invalid_card`; the card shows `security_code_check: true`."},
        k("city"): {"anyOf": [{"type": "string", "pattern": r"^[^\u0000]*$"}, {"type": ["number", "boolean", "null"]}], "description": "Optional, no NUL; dropped when longer than 255 characters."},
        k("postal_code"): {"anyOf": [{"type": "string", "pattern": r"^[^\u0000]*$"}, {"type": ["number", "boolean", "null"]}], "description": "Optional, no NUL; dropped when longer than 255 characters."},
    }
    none = [{"type": "string", "pattern": f"^[{WS}]*$"}, {"type": "null"}]
    brands = [
        {"properties": {k("number"): {"enum": NUMS3}, k("security_code"): {"anyOf": [{"type": "string", "pattern": "^[0-9]{3}$"}, {"type": "integer", "minimum": 100, "maximum": 999}, *none]}}},
        {"properties": {k("number"): {"enum": NUMS4}, k("security_code"): {"anyOf": [{"type": "string", "pattern": "^[0-9]{4}$"}, {"type": "integer", "minimum": 1000, "maximum": 9999}, *none]}}},
    ]
    # Not expired, at most 20 years ahead: filled in by the server for the
    # month it serves the document in.
    expiry = {"x-paylink-card-expiry": prefix}
    return {"type": "object", "required": [k(n) for n in ("name", "number", "expiration_month", "expiration_year")],
            "properties": props, "allOf": [{"oneOf": brands}, expiry]}
schemas["CardInput"] = dict(card_schema(), description="The card to tokenize. The expiry bounds are those of the month the document is served in.")
schemas["TokenCreate"] = {"type": "object", "required": ["card"], "properties": {"card": ref("CardInput")}}
schemas["TokenCreateForm"] = dict(card_schema("card"), description="The form encoding of `TokenCreate`: bracketed keys `card[number]`, … as ruby and php send them.")
schemas["RefundCreate"] = {"type": "object", "required": ["amount"], "properties": {
    "amount": {"type": "integer", "minimum": 1, "maximum": 1000000000000000, "description": "In the smallest unit; at most what is left to refund on the charge."},
    "metadata": {"type": ["object", "null"], "description": "Optional; kept on the refund. In a form body: `metadata[key]=value`."}}}
schemas["RefundCreateForm"] = {"type": "object", "required": ["amount"], "properties": {
    "amount": schemas["RefundCreate"]["properties"]["amount"]},
    "description": "Form encoding of `RefundCreate`; metadata as bracketed keys `metadata[key]=value`."}
HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,20}[A-Za-z0-9])?\.){0,3}[A-Za-z](?:[A-Za-z0-9-]{0,20}[A-Za-z0-9])?"
schemas["AccountUpdate"] = {"type": ["object", "null"], "properties": {
    "webhook_uri": {"type": ["string", "null"],
                    "pattern": f"^[{WS}]*(?:(?:{ci('http')}|{ci('https')})://{HOST}(?::[1-9][0-9]{{0,3}})?(?:[/?#][^\\u0000-\\u001f\\u007f-\\u009f]*)?[{WS}]*)?$",
                    "description": "An http or https URL events are POSTed to, with no control character; empty (or blank) turns delivery off."},
    "api_version": {"type": ["string", "null"], "pattern": f"^(?:[{WS}]*(?:2019-05-29|2015-11-17)[{WS}]*)?$",
                    "description": "`2019-05-29` or `2015-11-17`: the shape of this mode's event data."},
    "display_name": {"anyOf": [trimmed_text(100, False), {"type": ["number", "boolean", "null"]}], "description": "The name payers see (paylink's own): 1..=100 characters once trimmed, no NUL. A JSON number or boolean is taken as its JSON text."},
}, "description": "Every field is optional; unknown parameters are ignored; a JSON `null` body changes nothing."}

def no_null(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k == "type" and isinstance(v, list):
                v = [t for t in v if t != "null"]
                v = v[0] if len(v) == 1 else v
            if k == "anyOf" and isinstance(v, list):
                v = [no_null(i) for i in v if i != {"type": "null"}]
            elif k != "type":
                v = no_null(v)
            out[k] = v
        return out
    if isinstance(x, list): return [no_null(i) for i in x]
    return x
schemas["LinkCreateForm"] = no_null(schemas["LinkCreate"])
schemas["LinkCreateForm"]["description"] = "The form encoding of `LinkCreate` (ruby, php): every value is text; `multiple` as `true`/`false`/`1`/`0`. " + schemas["LinkCreate"]["description"]
schemas["AccountUpdateForm"] = no_null(schemas["AccountUpdate"])
schemas["AccountUpdateForm"]["type"] = "object"
schemas["AccountUpdateForm"]["description"] = "The form encoding of `AccountUpdate`."
schemas["TokenCreateForm"] = no_null(schemas["TokenCreateForm"])

# ---------- parameters ----------
EMPTY = {"type": "string", "maxLength": 0}
I64 = 9223372036854775807
params = {
    "OmiseVersion": {"name": "Omise-Version", "in": "header", "required": False,
        "description": "The response shape: `2019-05-29` (the default) or `2015-11-17`; `2014-07-27` and `2017-11-02` are answered as `2015-11-17`. Any other value: 400 `bad_request`.",
        "schema": {"type": "string", "enum": ["2019-05-29", "2015-11-17", "2014-07-27", "2017-11-02", ""], "description": "An empty value means not given (2019-05-29)."}},
    "Limit": {"name": "limit", "in": "query", "description": "1..=100; empty means not given.", "schema": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 100}, EMPTY], "default": 20}},
    "Offset": {"name": "offset", "in": "query", "description": "Records to skip; past the end gives an empty `data`; empty means not given.", "schema": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": I64}, EMPTY], "default": 0}},
    "Order": {"name": "order", "in": "query", "description": "Empty means not given.", "schema": {"type": "string", "enum": ["chronological", "reverse_chronological", ""], "default": "chronological"}},
    "From": {"name": "from", "in": "query", "description": "Start of the window (inclusive), ISO 8601; a date alone is midnight UTC. Default `1970-01-01T00:00:00Z`. Not later than `to` (400 `bad_request`); not a date: 400 `invalid_date_format`.",
             "schema": {"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}, {"maxLength": 0}]}},
    "To": {"name": "to", "in": "query", "description": "End of the window (inclusive), ISO 8601. Default: the request's time.",
           "schema": {"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}, {"maxLength": 0}]}},
}
for n, kind in (("LinkId", "link"), ("ChargeId", "chrg"), ("EventId", "evnt"), ("TokenId", "tokn"), ("RefundId", "rfnd")):
    params[n] = {"name": "refund_id" if n == "RefundId" else "id", "in": "path", "required": True,
                 "schema": {"type": "string"},
                 "description": f"A `{kind}_test_…` or `{kind}_…` id. " +
                 ("One that does not match `link(_test)?_[0-9a-z]+` is 404 `invalid_link_id`; a well-formed one this key cannot see is 404 `not_found`." if kind == "link"
                  else "Anything this key cannot see, malformed or not, is 404 `not_found`.")}
LIST = [{"$ref": f"#/components/parameters/{p}"} for p in ("Limit", "Offset", "Order", "From", "To")]
OV = {"$ref": "#/components/parameters/OmiseVersion"}

# ---------- responses ----------
JSON = "application/json"
def err(desc, codes):
    return {"description": desc, "content": {JSON: {"schema": {"allOf": [ref("Error"), {"properties": {"code": {"enum": codes}}}]}}}}
responses = {
    "Unauthorized": err("`authentication_failure`: no Authorization header, not Basic, bad base64, an unknown key, or the wrong kind of key for the route.", ["authentication_failure"]),
    "NotFound": err("`not_found`: the id is not one this key can see (missing, another account's, the other mode's).", ["not_found"]),
    "LinkNotFound": err("`invalid_link_id` for an id not shaped like a link id; `not_found` for a well-formed id this key cannot see.", ["invalid_link_id", "not_found"]),
    "BadRequest": err("`bad_request`: a malformed parameter or body (the message names it), or an unsupported `Omise-Version`.", ["bad_request"]),
    "ListBadRequest": err("`bad_request`: `limit` not in 1..=100, `offset` negative or not an integer, `order` unknown, `from` later than `to`, a body that does not parse, an unsupported `Omise-Version`; `invalid_date_format`: `from` or `to` not ISO 8601.", ["bad_request", "invalid_date_format"]),
    "TooLarge": err("`request_entity_too_large`: the body is over the server's limit (64 KiB by default).", ["request_entity_too_large"]),
    "Timeout": err("`request_timeout`: the request (its body included) took longer than the server's request timeout.", ["request_timeout"]),
    "Internal": err("`internal_error`: never a stack trace; the message carries a request id the server log has too.", ["internal_error"]),
    "Unavailable": err("`service_unavailable`: the database cannot be reached.", ["service_unavailable"]),
}
def ok(schema, desc="OK"):
    return {"description": desc, "content": {JSON: {"schema": ref(schema)}}}
def R(name): return {"$ref": f"#/components/responses/{name}"}

SECRET = "Takes a **secret key** (`skey_test_…` or `skey_…`) as the Basic user name, password empty."
def op(opid, summary, desc, tags, ok_schema, *, notfound=None, bad=None, body=None, reads_body=False, params_=(), key=SECRET, security=True, body_required=True):
    o = {"operationId": opid, "summary": summary, "description": key + ("\n\n" + desc if desc else ""), "tags": tags}
    ps = list(params_)
    ps.append(OV)
    o["parameters"] = ps
    if body:
        json_schema, form_schema = body
        o["requestBody"] = {"required": body_required, "content": {JSON: {"schema": ref(json_schema)},
                            "application/x-www-form-urlencoded": {"schema": ref(form_schema)}}}
    rs = {"200": ok(ok_schema)}
    if bad: rs["400"] = bad
    rs["401"] = R("Unauthorized")
    if notfound: rs["404"] = R(notfound)
    rs["408"] = R("Timeout")
    if reads_body: rs["413"] = R("TooLarge")
    rs["500"] = R("Internal")
    rs["503"] = R("Unavailable")
    o["responses"] = rs
    if security: o["security"] = [{"basicAuth": []}]
    return o

LIST_BAD = R("ListBadRequest")
paths = {}
paths["/links"] = {
    "post": op("createLink", "Create a link", "", ["links"], "Link",
               bad=err("`invalid_link`: a missing or invalid `amount`, `currency`, `title`, `description` or `multiple` (the message names it; `currency is not supported` for an unknown currency); `bad_request`: a body that does not parse, an unsupported `Omise-Version`.", ["invalid_link", "bad_request"]),
               body=("LinkCreate", "LinkCreateForm"), reads_body=True),
    "get": op("listLinks", "List links", "The account's links of this mode, not deleted, each with its first page of charges.", ["links"], "LinkList",
              bad=LIST_BAD, params_=LIST, reads_body=True),
}
LP = [{"$ref": "#/components/parameters/LinkId"}]
CP = [{"$ref": "#/components/parameters/ChargeId"}]
paths["/links/{id}"] = {
    "get": op("retrieveLink", "Retrieve a link", "A deleted link is still retrievable, with `deleted: true`.", ["links"], "Link", notfound="LinkNotFound", bad=R("BadRequest"), params_=LP),
    "delete": op("deleteLink", "Delete a link", "Answers the link with `deleted: true` and `deleted_at` set; deleting again answers the same object.", ["links"], "Link", notfound="LinkNotFound", bad=R("BadRequest"), params_=LP),
}
paths["/links/{id}/charges"] = {"get": op("listLinkCharges", "List a link's charges", "", ["links", "charges"], "ChargeList", notfound="LinkNotFound", bad=LIST_BAD, params_=LP + LIST, reads_body=True)}
paths["/charges"] = {"get": op("listCharges", "List charges", "The account's charges of this mode.", ["charges"], "ChargeList", bad=LIST_BAD, params_=LIST, reads_body=True)}
paths["/charges/{id}"] = {"get": op("retrieveCharge", "Retrieve a charge", "", ["charges"], "Charge", notfound="NotFound", bad=R("BadRequest"), params_=CP)}
paths["/charges/{id}/events"] = {"get": op("listChargeEvents", "List a charge's events", "", ["charges", "events"], "EventList", notfound="NotFound", bad=LIST_BAD, params_=CP + LIST, reads_body=True)}
for what, failed in (("paid", False), ("failed", True)):
    paths[f"/charges/{{id}}/mark_as_{what}"] = {"post": op(
        f"markChargeAs{what.capitalize()}", f"Mark a pending charge as {what} (test mode)",
        "Test mode only: with a live key the charge is not found (404). Completes a pending 3-D Secure charge as the test bank would" +
        (", `failed` with `failure_code: failed_processing`." if failed else ", `successful`.") + " Takes no parameters.",
        ["charges"], "Charge", notfound="NotFound",
        bad=err("`bad_request`: the charge is not pending; an unsupported `Omise-Version`.", ["bad_request"]), params_=CP)}
paths["/charges/{id}/refunds"] = {
    "post": op("createRefund", "Refund a charge", "Only a successful charge is refundable; the refunds of a charge never add up to more than its amount.",
               ["refunds"], "Refund", notfound="NotFound",
               bad=err("`bad_request`: `amount` missing, not a positive integer or too large, `metadata` not an object, a body that does not parse, an unsupported `Omise-Version`; `failed_refund`: the charge is not successful, or the amount exceeds what is left to refund.", ["bad_request", "failed_refund"]),
               body=("RefundCreate", "RefundCreateForm"), reads_body=True, params_=CP),
    "get": op("listChargeRefunds", "List a charge's refunds", "", ["refunds"], "RefundList", notfound="NotFound", bad=LIST_BAD, params_=CP + LIST, reads_body=True),
}
paths["/charges/{id}/refunds/{refund_id}"] = {"get": op("retrieveRefund", "Retrieve a refund", "", ["refunds"], "Refund", notfound="NotFound", bad=R("BadRequest"), params_=CP + [{"$ref": "#/components/parameters/RefundId"}])}
paths["/refunds"] = {"get": op("listRefunds", "List refunds", "The account's refunds of this mode.", ["refunds"], "RefundList", bad=LIST_BAD, params_=LIST, reads_body=True)}
paths["/events"] = {"get": op("listEvents", "List events", "", ["events"], "EventList", bad=LIST_BAD, params_=LIST, reads_body=True)}
paths["/events/{id}"] = {"get": op("retrieveEvent", "Retrieve an event", "", ["events"], "Event", notfound="NotFound", bad=R("BadRequest"), params_=[{"$ref": "#/components/parameters/EventId"}])}
WSP = f"[{WS}]*"
N = r"[0-9]{1,15}(?:\.[0-9]{1,6})?"
search_params = [
    {"name": "scope", "in": "query", "required": True, "schema": {"type": "string", "enum": ["link", "charge"]},
     "description": "What to search. Omise's other scopes (`customer`, `refund`, …) are 400 `bad_request` naming them."},
    {"name": "query", "in": "query", "schema": {"type": "string", "pattern": r"^[^\u0000]*$"},
     "description": "Case-insensitive substring of links' id, title, description; of charges' id, link, description, card name and last digits, failure code. No NUL (400 `bad_request`)."},
    {"name": "filters", "in": "query", "style": "deepObject", "explode": True,
     "description": "`filters[name]=value`. Both scopes: `amount` (main unit, `a`, `a..b`, `a..`, `..b`), `created` (dates or date-times, or ranges of them), `currency`. Links also: `multiple`, `used`, `used_at`. Charges also: `authorized`, `captured`, `captured_at`, `card_last_digits`, `failure_code`, `link`, `paid`, `refunded`, `refund_amount`, `status`, and Omise's `disputed`, `reversed`, `voided`, `customer_present`, `source_of_fund`, `capture`. A filter unknown to the scope is 400 `bad_request` naming it. Booleans: `true/false/yes/no/on/off/1/0`.",
     "schema": {"type": "object", "additionalProperties": False, "properties": {
         "amount": {"type": "string", "pattern": f"^{WSP}(?:{N}|[0-9]{{1,15}}\\.|{N}\\.\\.|\\.\\.{N}|{N}\\.\\.{N})?{WSP}$",
                    "description": "In the main unit, up to 6 decimals: `a`, `a..b` (a <= b), `a..`, `..b`."},
         "currency": {"type": "string", "pattern": f"^{WSP}(?:[A-Za-z]{{3}})?{WSP}$"},
     }}},
    {"$ref": "#/components/parameters/Order"},
    {"name": "page", "in": "query", "description": "Empty means not given.", "schema": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": I64}, EMPTY], "default": 1}},
    {"name": "per_page", "in": "query", "description": "1..=100; empty means not given.", "schema": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 100}, EMPTY], "default": 30}},
]
paths["/search"] = {"get": op("search", "Search links or charges", "Results are the objects `GET /links/{id}` and `GET /charges/{id}` return, in the request's shape.",
                              ["search"], "Search", bad=err("`bad_request`: a missing or unsupported `scope`, an unknown or malformed filter, `page` < 1, `per_page` not in 1..=100, an unknown `order`, an unsupported `Omise-Version`.", ["bad_request"]),
                              params_=search_params, reads_body=True)}
PUBLIC = "Takes a **public key** (`pkey_test_…` or `pkey_…`); a secret key is 401. Sent with CORS headers so that a browser page can call it."
paths["/tokens"] = {"post": op("createToken", "Create a card token", "Validates the number (Luhn, known brand), the expiry (not in the past) and the security code when one is given. A card without one (absent, empty or blank) is tokenized unchecked: `security_code_check: false`.",
                               ["tokens"], "Token", key=PUBLIC,
                               bad=err("`invalid_card`: the message names the problem (`number is invalid`, `name is required`, `expiration date cannot be in the past`, `security code is invalid`, …); `bad_request`: a body that does not parse, an unsupported `Omise-Version`.", ["invalid_card", "bad_request"]),
                               body=("TokenCreate", "TokenCreateForm"), reads_body=True)}
paths["/tokens/{id}"] = {"get": op("retrieveToken", "Retrieve a token", "", ["tokens"], "Token", notfound="NotFound", bad=R("BadRequest"),
                                   params_=[{"$ref": "#/components/parameters/TokenId"}],
                                   key="Takes **either key** of the account, public or secret.")}
paths["/account"] = {
    "get": op("retrieveAccount", "Retrieve the account", "The account as the key's mode sees it.", ["account"], "Account", bad=R("BadRequest")),
    "patch": op("updateAccount", "Update the account", "Sets this mode's `webhook_uri` and `api_version`, and the account's `display_name` (paylink's own).", ["account"], "Account",
                bad=err("`bad_request`: a `webhook_uri` that is not an http(s) URL, an unsupported `api_version`, a blank or too long `display_name`, a body that does not parse, an unsupported `Omise-Version`.", ["bad_request"]),
                body=("AccountUpdate", "AccountUpdateForm"), reads_body=True, body_required=False),
}
paths["/capability"] = {"get": op("retrieveCapability", "Retrieve the capability", "The same in both API versions.", ["account"], "Capability",
                                  bad=R("BadRequest"), key="Takes **either key** of the account, public or secret.")}

# paylink's own
OWN = " This route is paylink's own, not Omise's."
paths["/healthz"] = {"get": {"operationId": "healthz", "tags": ["paylink"], "summary": "Health check",
    "description": "No authentication. 200 while the database answers." + OWN, "security": [],
    "responses": {"200": ok("Health"), "500": R("Internal"), "503": R("Unavailable")}}}
paths["/openapi.json"] = {"get": {"operationId": "openapi", "tags": ["paylink"], "summary": "This document",
    "description": "No authentication. The OpenAPI document of the API." + OWN, "security": [],
    "responses": {"200": {"description": "The OpenAPI 3.1 document.", "content": {JSON: {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}}}}}}
paths["/metrics"] = {"get": {"operationId": "metrics", "tags": ["paylink"], "summary": "Prometheus metrics",
    "description": "No authentication. Prometheus text exposition format." + OWN, "security": [],
    "responses": {"200": {"description": "Metrics.", "content": {"text/plain; version=0.0.4; charset=utf-8": {"schema": {"type": "string"}}}}}}}
paths["/_paylink/reset"] = {"post": {"operationId": "reset", "tags": ["paylink"], "summary": "Delete the test-mode data of the key's account",
    "description": "Takes the account's **secret test key** only. Deletes the account's test-mode links, charges, tokens, events and refunds; the account and its keys stay. Everything under `/_paylink/` is paylink's own, not Omise's.",
    "security": [{"basicAuth": []}],
    "responses": {"200": ok("Reset"),
                  "401": R("Unauthorized"),
                  "403": err("`forbidden`: a live secret key; this route is for test mode only.", ["forbidden"]),
                  "408": R("Timeout"), "500": R("Internal"), "503": R("Unavailable")}}}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "paylink", "version": "2019-05-29",
             "description": "paylink speaks the Omise Payment Links API (version 2019-05-29, and the older 2015-11-17 shape on request).\n\n"
                            "Authentication is HTTP Basic: the key is the user name, the password is empty (any password is ignored). "
                            "Each operation says which key it takes.\n\n"
                            "Responses are JSON (`application/json; charset=utf-8`), HTTP 200 on success, POST and DELETE included. "
                            "Every error is an error object. A method a path does not have is 405 `method_not_allowed` with an `Allow` header; an unknown route is 404 `not_found`.\n\n"
                            "Parameters arrive in the query string, in an `application/x-www-form-urlencoded` body (nested keys in brackets: `card[number]`) or in an `application/json` body, also on GET and DELETE; "
                            "JSON `null` and an empty string mean \"not given\". Collection paths accept a trailing slash (`/links/`).\n\n"
                            "Routes tagged `paylink` (and everything under `/_paylink/`) are paylink's own, not Omise's."},
    "tags": [{"name": n} for n in ("links", "charges", "refunds", "events", "search", "tokens", "account")] +
            [{"name": "paylink", "description": "paylink's own routes, not Omise's."}],
    "paths": paths,
    "components": {"schemas": schemas, "parameters": params, "responses": responses,
                   "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic",
                                                     "description": "The key is the user name, the password is empty."}}},
}
print(json.dumps(doc, indent=2, ensure_ascii=False))
