//! A seeded fuzz of every route, on each database: the API's whole route
//! table (read from the router itself, so that a new route is fuzzed the
//! day it is added), the payment pages, the test bank, the assets and
//! paths no route takes, with right and wrong methods, ids of every kind,
//! mode and account and malformed ones, every kind of key, and bodies in
//! every encoding the clients use and many they do not.
//!
//! Every answer must be below 500, and in kind: an API error is an Omise
//! error object, an API success a JSON object that names its `object`, a
//! page an HTML page (its wrong methods answer as the API's do), a
//! redirect a redirect; every answer says `nosniff`, and a connection the
//! server drops without an answer is a failure too. Failures are
//! collected, each with the request that made it and a line to replay the
//! run, and reported together.
//!
//! `PAYLINK_FUZZ_SEED` (decimal or `0x…`) and `PAYLINK_FUZZ_REQUESTS`
//! override the seed and the number of requests; the defaults are fixed,
//! so that CI draws the same requests every run.

use crate::helpers::{Reply, TestApp, card_fields, db_tests, send};
use base64::Engine;
use paylink::accounts::{AccountKeys, create_account};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const DEFAULT_SEED: u64 = 20_261_204;
const DEFAULT_REQUESTS: usize = 1_500;

/// Ids kept per owner and kind; the oldest give way to the newest.
const POOL_CAP: usize = 48;

/// The kinds of id the server hands out, by prefix.
const KINDS: [&str; 7] = ["link", "chrg", "rfnd", "tokn", "evnt", "card", "acct"];

/// xorshift64, seeded through splitmix64 so that nearby seeds diverge at
/// once: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `pick` for items that are copied, such as `&str`.
    fn one<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn env_number(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    let raw = raw.trim();
    let parsed = match raw.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => raw.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={raw:?} is not a number")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    /// The account under test, either mode.
    Own,
    /// Another account on the same server.
    Other,
}

/// What the fuzz has learnt of the server: ids by owner and kind, payment
/// codes, asset names and the form tokens pages handed out.
#[derive(Default)]
struct Pools {
    ids: BTreeMap<(Owner, &'static str), Vec<String>>,
    codes: Vec<String>,
    assets: Vec<String>,
    form_tokens: Vec<String>,
}

fn keep(list: &mut Vec<String>, item: String) {
    if list.contains(&item) {
        return;
    }
    if list.len() >= POOL_CAP {
        list.remove(0);
    }
    list.push(item);
}

/// The kind of a well-formed id: `<kind>(_test)?_[0-9a-z]{19}`.
fn id_kind(word: &str) -> Option<&'static str> {
    let kind = KINDS.iter().find(|k| word.starts_with(*k))?;
    let rest = &word[kind.len()..];
    let suffix = rest
        .strip_prefix("_test_")
        .or_else(|| rest.strip_prefix('_'))?;
    let valid = suffix.len() == 19
        && suffix
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    valid.then_some(*kind)
}

/// The runs of characters after each `marker` in `text` that `take` accepts.
fn after<'t>(text: &'t str, marker: &str, take: fn(char) -> bool) -> Vec<&'t str> {
    text.match_indices(marker)
        .map(|(at, _)| {
            let rest = &text[at + marker.len()..];
            let end = rest.find(|c| !take(c)).unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|found| !found.is_empty())
        .collect()
}

impl Pools {
    /// Keeps every id, payment code, asset and form token `text` names.
    fn harvest(&mut self, owner: Owner, text: &str) {
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if let Some(kind) = id_kind(word) {
                keep(self.ids.entry((owner, kind)).or_default(), word.to_owned());
            }
        }
        for code in after(text, "/pay/", |c| c.is_ascii_alphanumeric()) {
            if code.len() == 19 {
                keep(&mut self.codes, code.to_owned());
            }
        }
        for file in after(text, "/assets/", |c| c.is_ascii_alphanumeric() || c == '.') {
            keep(&mut self.assets, file.to_owned());
        }
        for token in after(text, "name=\"form_token\" value=\"", |c| c != '"') {
            keep(&mut self.form_tokens, token.to_owned());
        }
    }

    fn some(&self, rng: &mut Rng, owner: Owner, kind: &str) -> Option<String> {
        let key = *self.ids.keys().find(|(o, k)| *o == owner && *k == kind)?;
        let list = &self.ids[&key];
        (!list.is_empty()).then(|| rng.pick(list).clone())
    }

    /// An id of `kind`, of any owner when the account has none.
    fn id(&self, rng: &mut Rng, kind: &str) -> String {
        self.some(rng, Owner::Own, kind)
            .or_else(|| self.some(rng, Owner::Other, kind))
            .unwrap_or_else(|| format!("{kind}_test_5xuy4w91xqz7d1w9u0t"))
    }
}

// ---------------------------------------------------------------------
// Values: JSON written by hand, so that numbers JSON parsers refuse to
// hold (1e400, 2^64) can be sent as they are.

#[derive(Debug, Clone)]
enum V {
    /// A string.
    S(String),
    /// A JSON token written as it is: a number, `true`, `null`.
    Raw(&'static str),
    A(Vec<V>),
    O(Vec<(String, V)>),
}

impl V {
    fn s(text: &str) -> V {
        V::S(text.to_owned())
    }

    fn json(&self, out: &mut String) {
        match self {
            V::S(s) => out.push_str(&serde_json::to_string(s).unwrap()),
            V::Raw(raw) => out.push_str(raw),
            V::A(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.json(out);
                }
                out.push(']');
            }
            V::O(pairs) => {
                out.push('{');
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(key).unwrap());
                    out.push(':');
                    value.json(out);
                }
                out.push('}');
            }
        }
    }

    /// The pairs of a form that stand for this value under `name`.
    fn form(&self, name: &str, out: &mut Vec<(String, String)>) {
        match self {
            V::S(s) => out.push((name.to_owned(), s.clone())),
            V::Raw(raw) => out.push((name.to_owned(), (*raw).to_owned())),
            V::A(items) => {
                for item in items {
                    item.form(&format!("{name}[]"), out);
                }
            }
            V::O(pairs) => {
                for (key, value) in pairs {
                    value.form(&format!("{name}[{key}]"), out);
                }
            }
        }
    }
}

const TEXTS: &[&str] = &[
    "Order-384",
    "New Product",
    "",
    " ",
    "ร้านกาแฟ",
    "コーヒー豆",
    "🧾 receipt",
    "e\u{301}",
    "\u{202e}txet",
    "\u{feff}bom",
    "a\u{0}b",
    "tab\there",
    "line\r\nbreak",
    "\u{1b}[31mred",
    "\u{7f}",
    "'; DROP TABLE links; --",
    "%_\\",
    "<script>alert(1)</script>",
    "{{title}}",
    "null",
    "true",
    "0",
];

const UNICODE: &[&str] = &[
    "ลิงก์",
    "リンク",
    "🔗",
    "\u{202e}",
    "e\u{301}",
    "\u{fffd}",
    "\u{ffff}",
    "\u{10ffff}",
    "Ｌｉｎｋ",
    "İ",
];

const CONTROLS: &[&str] = &["\t", "\r\n", "\u{1b}", "\u{7f}", "\u{1}", "\u{0}", "\u{85}"];

const PERCENT_JUNK: &[&str] = &[
    "%FF",
    "%ff%fe",
    "%",
    "%2",
    "%zz",
    "%2F",
    "%2f..%2f",
    "%2e%2e",
    "%25",
    "%C0%AF",
    "%E0%A4%A",
    "%ED%A0%80",
    "%F4%90%80%80",
    "%00%00",
    "%0a",
    "%20",
    "+",
    "%2B",
    "%3F",
    "%23",
    "%5B%5D",
];

const SQLISH: &[&str] = &[
    "' OR '1'='1",
    "link_test_%",
    "link_test___________________",
    "\\",
    "\"",
    "--",
    "1;SELECT 1",
    "$1",
    "?",
];

const HUGE: &[&str] = &[
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "0.1",
    "-0.0",
    "1E+2",
    "2e-400",
    "100000.5",
    "-1",
    "0",
];

/// A value that is wrong for nearly any parameter.
fn junk_value(rng: &mut Rng, depth: usize) -> V {
    match rng.below(if depth > 2 { 7 } else { 9 }) {
        0 => V::s(rng.one(TEXTS)),
        1 => V::s(&rng.pick(UNICODE).repeat(1 + rng.below(4))),
        2 => V::S(format!("a{}b", rng.pick(CONTROLS))),
        3 => V::Raw(rng.one(HUGE)),
        4 => V::Raw(rng.one(&["null", "true", "false"])),
        5 => V::S("x".repeat(*rng.pick(&[100, 256, 1_000, 5_000]))),
        6 => V::s(""),
        7 => V::A(
            (0..rng.below(4))
                .map(|_| junk_value(rng, depth + 1))
                .collect(),
        ),
        _ => V::O(
            (0..rng.below(4))
                .map(|i| (format!("k{i}"), junk_value(rng, depth + 1)))
                .collect(),
        ),
    }
}

/// One of `choices`, the first (a valid value) half the time, so that
/// requests that pass every check are common enough to go deep.
fn choose<'a>(rng: &mut Rng, choices: &[&'a str]) -> &'a str {
    if rng.chance(50) {
        choices[0]
    } else {
        rng.one(choices)
    }
}

fn raw_or_text(rng: &mut Rng, raw: &[&'static str]) -> V {
    let pick = choose(rng, raw);
    if rng.chance(30) {
        V::s(pick)
    } else {
        V::Raw(pick)
    }
}

fn text_of(rng: &mut Rng, texts: &[&str]) -> V {
    V::s(choose(rng, texts))
}

/// A value of the parameter's own kind, mostly valid.
fn plausible(rng: &mut Rng, pools: &Pools, name: &str) -> V {
    let leaf = name
        .rsplit_once('[')
        .map_or(name, |(_, leaf)| leaf.trim_end_matches(']'));
    let in_filters = name.starts_with("filters[");
    match (in_filters, leaf) {
        (false, "amount") => raw_or_text(
            rng,
            &[
                "100000",
                "2000",
                "1000",
                "20",
                "1",
                "0",
                "-1",
                "100001",
                "5000000000",
                "1.5",
                "2000.0",
                "1e3",
            ],
        ),
        (_, "currency") => text_of(
            rng,
            &[
                "THB",
                "thb",
                "JPY",
                "jpy",
                "USD",
                "SGD",
                "EUR",
                "XXX",
                "TH",
                "ＴＨＢ",
            ],
        ),
        (_, "multiple" | "used" | "paid" | "refunded" | "captured" | "disputed") => {
            raw_or_text(rng, &["true", "false", "1", "0"])
        }
        (_, "limit" | "per_page") => raw_or_text(
            rng,
            &["20", "0", "1", "2", "100", "101", "-1", "9999999999"],
        ),
        (_, "offset" | "page") => raw_or_text(rng, &["0", "1", "2", "5", "-1", "100000"]),
        (_, "order") => text_of(
            rng,
            &["chronological", "reverse_chronological", "random", ""],
        ),
        (false, "from" | "to") | (true, "created" | "used_at" | "captured_at") => text_of(
            rng,
            &[
                "2026-01-01T00:00:00Z",
                "2026-01-01",
                "1970-01-01T00:00:00Z",
                "9999-12-31T23:59:59Z",
                "2026-13-45T99:00:00Z",
                "2026-01-01T00:00:00+07:00",
                "-271821-04-20T00:00:00Z",
                "2026-01-01..2027-01-01",
                "..2026-06-01",
                "2026..",
                "yesterday",
                "0",
            ],
        ),
        (false, "scope") => text_of(rng, &["link", "charge", "refund", ""]),
        (true, "amount" | "refund_amount") => text_of(
            rng,
            &[
                "1000",
                "100..2000",
                "..5",
                "5..",
                "a..b",
                "-1",
                "1e400",
                "0.01..0.02",
            ],
        ),
        (true, "status") => text_of(
            rng,
            &[
                "successful",
                "failed",
                "pending",
                "expired",
                "reversed",
                "bogus",
            ],
        ),
        (true, "card_last_digits") => text_of(rng, &["4242", "0011", "424", "abcd"]),
        (true, "link") => V::S(pools.id(rng, "link")),
        (true, "source_of_fund") => text_of(rng, &["card", "bank", ""]),
        (_, "number") => text_of(
            rng,
            &[
                "4242424242424242",
                "4242424242424242",
                "4111111111140011",
                "4000000000003220",
                "5555555555554444",
                "378282246310005",
                "4242424242424241",
                "4242 4242 4242 4242",
                "1234",
                "",
            ],
        ),
        (_, "expiration_month") => raw_or_text(rng, &["12", "1", "13", "0", "-1", "1.0"]),
        (_, "expiration_year") => {
            raw_or_text(rng, &["2040", "2031", "2001", "99999", "40", "-2040"])
        }
        (_, "security_code") => text_of(rng, &["123", "1234", "12", "abc", ""]),
        (_, "webhook_uri") => text_of(
            rng,
            &[
                "https://127.0.0.1:9/hooks",
                "http://127.0.0.1:9/",
                "http://[::1]:9/x?y=1",
                "",
                " ",
                "ftp://127.0.0.1/",
                "not a url",
                "http://",
                "https://127.0.0.1:9/a\u{0}b",
                "javascript:alert(1)",
            ],
        ),
        (_, "api_version") => text_of(
            rng,
            &["2019-05-29", "2015-11-17", "2017-11-02", "2020-01-01", ""],
        ),
        (_, "token") => match rng.below(4) {
            0 => V::S(pools.id(rng, "chrg")),
            1 => junk_value(rng, 0),
            _ => V::S(pools.id(rng, "tokn")),
        },
        (_, "form_token") => {
            if !pools.form_tokens.is_empty() && rng.chance(60) {
                V::S(rng.pick(&pools.form_tokens).clone())
            } else {
                text_of(rng, &["", "x", "AAAA.BBBB", "eyJhbGciOiJub25lIn0."])
            }
        }
        (_, "action") => text_of(rng, &["authenticate", "fail", "AUTHENTICATE", "maybe"]),
        (_, "lang") => text_of(rng, &["en", "th", "ja", "xx", "TH", ""]),
        (_, "charge") => V::S(pools.id(rng, "chrg")),
        (false, "card") => V::O(
            card_fields(rng.one(&["4242424242424242", "4111111111140011", "4000000000003220"]))
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => V::S(s.clone()),
                        // Whole numbers of the card's date.
                        other if other.as_i64() == Some(12) => V::Raw("12"),
                        _ => V::Raw("2040"),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        (false, "metadata" | "filters") => V::O(vec![(
            (*rng.pick(&["order", "amount", "note", "status"])).to_owned(),
            text_of(rng, TEXTS),
        )]),
        _ => text_of(rng, TEXTS),
    }
}

/// Every parameter name the server reads, and some it does not.
const NAMES: &[&str] = &[
    "amount",
    "currency",
    "title",
    "description",
    "multiple",
    "limit",
    "offset",
    "order",
    "from",
    "to",
    "query",
    "scope",
    "page",
    "per_page",
    "filters",
    "filters[amount]",
    "filters[created]",
    "filters[currency]",
    "filters[used]",
    "filters[multiple]",
    "filters[used_at]",
    "filters[status]",
    "filters[paid]",
    "filters[refunded]",
    "filters[refund_amount]",
    "filters[captured_at]",
    "filters[card_last_digits]",
    "filters[failure_code]",
    "filters[link]",
    "filters[source_of_fund]",
    "filters[disputed]",
    "filters[bogus]",
    "card",
    "card[name]",
    "card[number]",
    "card[expiration_month]",
    "card[expiration_year]",
    "card[security_code]",
    "card[city]",
    "card[postal_code]",
    "metadata",
    "metadata[order]",
    "metadata[note]",
    "webhook_uri",
    "display_name",
    "api_version",
    "token",
    "form_token",
    "action",
    "name",
    "number",
    "expiration_month",
    "expiration_year",
    "security_code",
    "lang",
    "charge",
    "id",
    "object",
    "livemode",
];

const LIST_PARAMS: &[&str] = &["limit", "offset", "order", "from", "to"];

/// The parameters a route reads.
fn route_params(method: &Method, template: &str) -> &'static [&'static str] {
    match (method.as_str(), template.trim_end_matches('/')) {
        ("POST", "/links") => &["amount", "currency", "title", "description", "multiple"],
        ("POST", "/tokens") => &[
            "card[name]",
            "card[number]",
            "card[expiration_month]",
            "card[expiration_year]",
            "card[security_code]",
            "card[city]",
            "card[postal_code]",
        ],
        ("POST", "/charges/{id}/refunds") => &["amount", "metadata[order]"],
        ("PATCH", "/account") => &["webhook_uri", "api_version", "display_name"],
        ("GET", "/search") => &[
            "scope",
            "query",
            "order",
            "page",
            "per_page",
            "filters[amount]",
            "filters[status]",
            "filters[used]",
        ],
        ("POST", "/pay/{code}") => &[
            "name",
            "number",
            "expiration_month",
            "expiration_year",
            "security_code",
            "form_token",
        ],
        ("POST", "/authorize/{charge}") => &["action"],
        ("GET", "/pay/{code}/complete") => &["charge", "lang"],
        ("GET", "/pay/{code}" | "/authorize/{charge}") => &["lang"],
        (
            "GET",
            "/links"
            | "/charges"
            | "/refunds"
            | "/events"
            | "/links/{id}/charges"
            | "/charges/{id}/refunds"
            | "/charges/{id}/events",
        ) => LIST_PARAMS,
        _ => &[],
    }
}

/// Parameters for a route: mostly its own, with plausible values, some
/// junk among them, and names from elsewhere.
fn params(rng: &mut Rng, pools: &Pools, own: &[&str]) -> Vec<(String, V)> {
    let mut out = vec![];
    if !own.is_empty() && rng.chance(70) {
        for name in own {
            if rng.chance(85) {
                let value = if rng.chance(12) {
                    junk_value(rng, 0)
                } else {
                    plausible(rng, pools, name)
                };
                out.push(((*name).to_owned(), value));
            }
        }
        // The payment page takes a card token instead of the card.
        if own.contains(&"form_token") && rng.chance(30) {
            out.retain(|(name, _)| name == "form_token");
            out.push(("token".to_owned(), plausible(rng, pools, "token")));
        }
    }
    for _ in 0..rng.below(if out.is_empty() { 5 } else { 3 }) {
        let name = *rng.pick(NAMES);
        let value = if rng.chance(40) {
            junk_value(rng, 0)
        } else {
            plausible(rng, pools, name)
        };
        out.push((name.to_owned(), value));
    }
    out
}

/// Bracketed names (`card[number]`) as nested objects, for a JSON body.
fn nested(pairs: &[(String, V)]) -> Vec<(String, V)> {
    let mut out: Vec<(String, V)> = vec![];
    for (name, value) in pairs {
        let (head, leaf) = match name.split_once('[') {
            Some((head, rest)) if rest.ends_with(']') && !rest.contains('[') => {
                (head, Some(rest.trim_end_matches(']')))
            }
            _ => (name.as_str(), None),
        };
        let Some(leaf) = leaf else {
            out.push((name.clone(), value.clone()));
            continue;
        };
        match out.iter_mut().find(|(n, _)| n == head) {
            Some((_, V::O(inner))) => inner.push((leaf.to_owned(), value.clone())),
            _ => out.push((
                head.to_owned(),
                V::O(vec![(leaf.to_owned(), value.clone())]),
            )),
        }
    }
    out
}

fn form_text(pairs: &[(String, V)]) -> String {
    let mut flat = vec![];
    for (name, value) in pairs {
        value.form(name, &mut flat);
    }
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &flat {
        form.append_pair(k, v);
    }
    form.finish()
}

fn json_text(pairs: &[(String, V)]) -> String {
    let mut out = String::new();
    V::O(pairs.to_vec()).json(&mut out);
    out
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// A body and its content type, of one of many kinds.
fn body(rng: &mut Rng, pairs: &[(String, V)]) -> (Option<Vec<u8>>, Vec<u8>) {
    let ct = |t: &str| Some(t.as_bytes().to_vec());
    let json = |rng: &mut Rng| {
        if rng.chance(80) {
            json_text(&nested(pairs))
        } else {
            json_text(pairs)
        }
    };
    match rng.below(100) {
        // None at all, as most GETs.
        0..=24 => (None, vec![]),
        25..=44 => (ct(FORM), form_text(pairs).into_bytes()),
        45..=49 => (None, form_text(pairs).into_bytes()),
        50..=64 => (ct(JSON), json(rng).into_bytes()),
        65..=68 => (None, json(rng).into_bytes()),
        69..=70 => (
            ct(rng.one(&[
                "application/json; charset=utf-8",
                "APPLICATION/JSON",
                "application/json-patch+json",
                "application/x-www-form-urlencoded; charset=utf-8",
            ])),
            json(rng).into_bytes(),
        ),
        71..=76 => {
            // Malformed JSON: cut short, a trailing comma, stray text.
            let text = json(rng);
            let broken = match rng.below(5) {
                0 => text[..boundary(&text, rng.below(text.len().max(1)))].to_owned(),
                1 => format!("{},}}", text.trim_end_matches('}')),
                2 => format!("{text}{text}"),
                3 => (*rng.pick(&[
                    "{",
                    "}",
                    "{\"a\":",
                    "nul",
                    "{'a':1}",
                    "{\"a\":01}",
                    "\"",
                    "{\"a\":NaN}",
                ]))
                .to_owned(),
                _ => format!("\u{feff}{text}"),
            };
            (
                if rng.chance(70) { ct(JSON) } else { None },
                broken.into_bytes(),
            )
        }
        77..=80 => {
            // Nested brackets, as JSON or as a form's keys.
            let depth = *rng.pick(&[10, 64, 200, 1_000, 5_000]);
            match rng.below(3) {
                0 => (
                    ct(JSON),
                    format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes(),
                ),
                1 => (
                    ct(JSON),
                    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)).into_bytes(),
                ),
                _ => (
                    ct(FORM),
                    format!("card{}=1", "[a]".repeat(depth.min(400))).into_bytes(),
                ),
            }
        }
        81..=84 => {
            // A JSON body that is not an object.
            let top = *rng.pick(&[
                "[]",
                "[1,2,3]",
                "[{\"amount\":1}]",
                "1e400",
                "123",
                "-1",
                "\"text\"",
                "null",
                "true",
                "0.5",
                "{}",
                "  ",
            ]);
            (
                if rng.chance(70) { ct(JSON) } else { None },
                top.as_bytes().to_vec(),
            )
        }
        85..=88 => {
            // A content type no route takes.
            let ct = *rng.pick(&[
                "text/plain",
                "text/xml",
                "multipart/form-data; boundary=x",
                "application/octet-stream",
                "application/xml",
                "*/*",
                "",
                "\u{1}",
                "application/x-www-form-urlencoded\u{7f}",
            ]);
            (Some(ct.as_bytes().to_vec()), form_text(pairs).into_bytes())
        }
        89..=91 => {
            // Bytes that are not UTF-8, in a form and in JSON.
            let mut bytes = form_text(pairs).into_bytes();
            bytes.extend_from_slice(b"&title=\xff\xfe&x=\xc0\xaf");
            if rng.chance(50) {
                (ct(FORM), bytes)
            } else {
                (ct(JSON), b"{\"title\":\"\xff\xfe\"}".to_vec())
            }
        }
        92..=94 => (
            Some(rng.pick(&[FORM, JSON]).as_bytes().to_vec()),
            rng.pick(&["", " ", "\n", "&", "=", "&&=&=", "%", "%zz=%zz", "a=%00"])
                .as_bytes()
                .to_vec(),
        ),
        95..=96 => {
            // Over the body limit (64 KiB).
            let size = *rng.pick(&[64 * 1024 - 8, 64 * 1024 + 1, 100_000]);
            (ct(FORM), format!("title={}", "x".repeat(size)).into_bytes())
        }
        _ => {
            // Many parameters, and one name many times.
            let name = *rng.pick(NAMES);
            let count = *rng.pick(&[100, 1_000, 5_000]);
            let text = (0..count)
                .map(|i| format!("{name}={i}"))
                .collect::<Vec<_>>()
                .join("&");
            (ct(FORM), text.into_bytes())
        }
    }
}

// ---------------------------------------------------------------------
// Paths.

/// The payment pages, the test bank and the assets, as `src/pages` routes
/// them.
fn page_routes() -> Vec<(Method, &'static str)> {
    vec![
        (Method::GET, "/pay/{code}"),
        (Method::POST, "/pay/{code}"),
        (Method::GET, "/pay/{code}/complete"),
        (Method::GET, "/authorize/{charge}"),
        (Method::POST, "/authorize/{charge}"),
        (Method::GET, "/assets/{file}"),
    ]
}

/// Paths no route takes, or takes only as something else.
const UNKNOWN: &[&str] = &[
    "/",
    "/nothing/here",
    "/links/x/y/z",
    "/pay",
    "/pay/",
    "/pay//complete",
    "/assets",
    "/assets/",
    "/authorize",
    "//links",
    "/LINKS",
    "/links.json",
    "/_paylink",
    "/_paylink/reset/now",
    "/tokens/x/y",
    "/charges/x/refunds/y/z",
    "/%00",
    "/favicon.ico",
    "/.env",
    "/openapi.yaml",
    "/metrics/",
    "/healthz/",
    "/links/%2e%2e/charges",
    "/links/..%2f..%2fetc%2fpasswd",
];

/// The char boundary at or before `at`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// A malformed path segment, written as it goes into the URL.
fn junk_segment(rng: &mut Rng, pools: &Pools, kind: &str) -> String {
    let real = pools.id(rng, kind);
    let at = |rng: &mut Rng, s: &str| boundary(s, rng.below(s.len() + 1));
    match rng.below(17) {
        0 => {
            let cut = at(rng, &real);
            real[..cut].to_owned()
        }
        1 => format!("{real}{}", rng.pick(&["x", "0", "_", "-", ".", "~"])),
        2 => {
            let i = at(rng, &real);
            format!("{}%00{}", &real[..i], &real[i..])
        }
        3 => (*rng.pick(&["%00", "%00%00", "%00link_test_x"])).to_owned(),
        4 => (*rng.pick(PERCENT_JUNK)).to_owned(),
        5 => {
            let n = *rng.pick(&[256, 1_024, 4_096, 8_000]);
            if rng.chance(50) {
                "a".repeat(n)
            } else {
                format!("{real}{}", "0".repeat(n))
            }
        }
        6 => {
            let u = *rng.pick(UNICODE);
            if rng.chance(50) {
                encode(u)
            } else {
                format!("{real}{u}")
            }
        }
        7 => {
            let i = at(rng, &real);
            format!("{}{}{}", &real[..i], encode(rng.one(CONTROLS)), &real[i..])
        }
        8 => encode(rng.one(SQLISH)),
        9 => (*rng.pick(&["0", "-1", "1.5", "99999999999999999999", "1e400"])).to_owned(),
        10 => (*rng.pick(&[
            format!("{kind}_test_"),
            format!("{kind}_"),
            kind.to_owned(),
            format!("{kind}_TEST_abc"),
        ]))
        .clone(),
        11 => {
            // Bytes of every value, percent-encoded: often not UTF-8.
            (0..1 + rng.below(24))
                .map(|_| format!("%{:02X}", rng.below(256)))
                .collect()
        }
        12 => {
            // Printable ASCII as it is: the URL parser makes of `?`, `#`
            // and `/` what it does.
            (0..1 + rng.below(12))
                .map(|_| char::from(b' ' + rng.below(95) as u8))
                .collect()
        }
        13 => real.to_ascii_uppercase(),
        14 => real.replacen("_test_", "_", 1),
        15 => real
            .replacen('_', "_test_", 1)
            .replacen("_test_test_", "_test_", 1),
        _ => {
            // Another kind's prefix on this suffix.
            let other = rng.pick(&KINDS);
            let suffix = real.rsplit('_').next().unwrap_or_default();
            format!("{other}_test_{suffix}")
        }
    }
}

/// A path id for a segment of `kind`: real ones of each owner, mode and
/// kind, and junk.
fn segment(rng: &mut Rng, pools: &Pools, kind: &str) -> String {
    match kind {
        "code" => match rng.below(100) {
            0..=54 if !pools.codes.is_empty() => rng.pick(&pools.codes).clone(),
            55..=62 if !pools.codes.is_empty() => rng.pick(&pools.codes).to_ascii_lowercase(),
            63..=67 => pools.id(rng, "link"),
            _ => junk_segment(rng, pools, "link")
                .trim_start_matches("link_test_")
                .to_owned(),
        },
        "file" => match rng.below(100) {
            0..=49 if !pools.assets.is_empty() => rng.pick(&pools.assets).clone(),
            50..=69 => (*rng.pick(&[
                "pay.css",
                "pay.js",
                "pay.00000000.css",
                "..%2f..%2fCargo.toml",
                "%2e%2e",
                "pay.css%00.js",
            ]))
            .to_owned(),
            _ => junk_segment(rng, pools, "link"),
        },
        _ => match rng.below(100) {
            0..=44 => pools.id(rng, kind),
            45..=54 => pools
                .some(rng, Owner::Other, kind)
                .unwrap_or_else(|| pools.id(rng, kind)),
            55..=64 => {
                let other = *rng.pick(&KINDS);
                pools.id(rng, other)
            }
            _ => junk_segment(rng, pools, kind),
        },
    }
}

/// The kind of id a template's placeholder takes, by the segment before it.
fn placeholder_kind(before: &str, name: &str) -> &'static str {
    match (before, name) {
        (_, "refund_id") => "rfnd",
        (_, "code") => "code",
        (_, "file") => "file",
        (_, "charge") | ("charges", _) => "chrg",
        ("links", _) => "link",
        ("tokens", _) => "tokn",
        ("events", _) => "evnt",
        _ => "link",
    }
}

fn fill(rng: &mut Rng, pools: &Pools, template: &str) -> String {
    let mut path = String::new();
    let mut before = "";
    for (i, part) in template.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => path.push_str(&segment(rng, pools, placeholder_kind(before, name))),
            None => path.push_str(part),
        }
        before = part;
    }
    path
}

fn query(rng: &mut Rng, pools: &Pools, own: &[&str]) -> String {
    if rng.chance(25) {
        return (*rng.pick(&[
            "%zz",
            "%FF=1",
            "a=%FF",
            "a[a][a][a][a][a][a]=1",
            "&&=&",
            "lang=th",
            "lang=ja",
            "lang=xx",
            "=x",
            "%00=%00",
            "limit=1&limit=2",
            "filters=&filters[used]=true",
            "card[number]=4242424242424242",
        ]))
        .to_owned();
    }
    form_text(&params(rng, pools, own))
}

// ---------------------------------------------------------------------
// Keys and headers.

/// The keys of the account under test and of another account.
struct Keys {
    own: AccountKeys,
    other: AccountKeys,
}

fn basic(key: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
    format!("Basic {encoded}")
}

/// An `Authorization` header (or none), who it is, and a label for reports.
fn authorization(rng: &mut Rng, keys: &Keys) -> (Owner, String, Option<HeaderValue>) {
    let header = |text: String| HeaderValue::from_str(&text).ok();
    let own = &keys.own;
    let (owner, label, value) = match rng.below(100) {
        0..=29 => (
            Owner::Own,
            "secret test key",
            header(basic(&own.secret_key_test)),
        ),
        30..=39 => (
            Owner::Own,
            "secret live key",
            header(basic(&own.secret_key_live)),
        ),
        40..=51 => (
            Owner::Own,
            "public test key",
            header(basic(&own.public_key_test)),
        ),
        52..=56 => (
            Owner::Own,
            "public live key",
            header(basic(&own.public_key_live)),
        ),
        57..=64 => (
            Owner::Other,
            "other account's secret test key",
            header(basic(&keys.other.secret_key_test)),
        ),
        65..=67 => (
            Owner::Other,
            "other account's public test key",
            header(basic(&keys.other.public_key_test)),
        ),
        68..=79 => (Owner::Own, "no key", None),
        _ => {
            let garbage = match rng.below(12) {
                0 => header(basic("skey_test_00000000000000000000")),
                1 => header(basic(&format!("skey_{}", "x".repeat(70)))),
                2 => header(basic("")),
                3 => header(basic(&own.secret_key_test.to_ascii_uppercase())),
                4 => header("Basic !!!not-base64".into()),
                5 => header(format!("Bearer {}", own.secret_key_test)),
                6 => header("Basic ".into()),
                7 => HeaderValue::from_bytes(b"Basic \xff\xfe").ok(),
                8 => header(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!(":{}", own.secret_key_test))
                )),
                9 => header(basic(&format!("{}\u{0}", own.secret_key_test))),
                10 => header(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(b"\xff\xfe:")
                )),
                _ => header(format!(
                    "basic   {}  ",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{}:x", own.secret_key_test))
                )),
            };
            (Owner::Own, "garbage", garbage)
        }
    };
    (owner, label.to_owned(), value)
}

fn omise_version(rng: &mut Rng) -> Option<HeaderValue> {
    if !rng.chance(25) {
        return None;
    }
    let raw: &[u8] = rng.one(&[
        b"2019-05-29".as_slice(),
        b"2015-11-17",
        b"2014-07-27",
        b"2017-11-02",
        b"",
        b" 2019-05-29 ",
        b"2020-01-01",
        b"latest",
        b"\xff\xfe",
    ]);
    HeaderValue::from_bytes(raw).ok()
}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FUZZ",
];

// ---------------------------------------------------------------------
// One request and its answer.

struct Sent {
    method: Method,
    /// The path and query as the template was filled, before the URL
    /// parser normalized it.
    written: String,
    key: String,
    owner: Owner,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

fn shown(bytes: &[u8], at_most: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text.chars().take(at_most).collect();
    if text.chars().count() > at_most {
        let _ = write!(shown, "… ({} bytes)", bytes.len());
    }
    format!("{shown:?}")
}

/// What kind of route a path as sent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// HTML for payers: the payment page, its outcome, the test bank.
    Page,
    /// Everything else, the assets and unknown paths included, which
    /// answer errors as the API does.
    Api,
}

fn family(path: &str) -> Family {
    let segments: Vec<&str> = path.split('/').collect();
    match segments[..] {
        ["", "pay", code] | ["", "authorize", code] if !code.is_empty() => Family::Page,
        // The outcome's route takes an empty code too: it names no link.
        ["", "pay", _, "complete"] => Family::Page,
        _ => Family::Api,
    }
}

/// Whether an answer is an Omise error object.
fn omise_error(answer: &Answer, head: bool, problems: &mut Vec<String>) {
    if answer.header("content-type") != "application/json; charset=utf-8" {
        problems.push(format!(
            "an error is not JSON: content-type {:?}",
            answer.header("content-type")
        ));
        return;
    }
    if head {
        return;
    }
    let body: serde_json::Value = match serde_json::from_slice(&answer.body) {
        Ok(body) => body,
        Err(e) => {
            problems.push(format!("an error's body is not JSON: {e}"));
            return;
        }
    };
    if body["object"] != "error" {
        problems.push("an error's object is not \"error\"".into());
    }
    match body["code"].as_str() {
        Some(code) if !code.is_empty() => {
            let location = format!("https://www.omise.co/api-errors#{}", code.replace('_', "-"));
            if body["location"] != location.as_str() {
                problems.push(format!("an error's location is not {location}"));
            }
        }
        _ => problems.push("an error has no code".into()),
    }
    if body["message"].as_str().is_none_or(str::is_empty) {
        problems.push("an error has no message".into());
    }
}

/// Everything wrong with an answer.
fn check(sent: &Sent, path: &str, answer: &Answer) -> Vec<String> {
    let mut problems = vec![];
    let status = answer.status;
    let head = sent.method == Method::HEAD;
    if status >= 500 {
        problems.push(format!("status {status}"));
    }
    if answer.header("x-content-type-options") != "nosniff" {
        problems.push("no x-content-type-options: nosniff".into());
    }
    let content_type = answer.header("content-type");
    match family(path) {
        Family::Page if status == 405 => omise_error(answer, head, &mut problems),
        Family::Page if (300..400).contains(&status) => {
            if status != 303 || answer.header("location").is_empty() {
                problems.push("a page's redirect is not a 303 with a location".into());
            }
        }
        Family::Page => {
            if !content_type.starts_with("text/html") {
                problems.push(format!("a page is not HTML: content-type {content_type:?}"));
            } else if !head && answer.body.is_empty() {
                problems.push("a page is empty".into());
            }
        }
        Family::Api if !(200..300).contains(&status) => omise_error(answer, head, &mut problems),
        Family::Api => {
            let preflight = sent.method == Method::OPTIONS;
            let expected = if path.starts_with("/metrics") {
                "text/plain"
            } else if path.starts_with("/assets/") {
                "text/"
            } else {
                "application/json"
            };
            if preflight {
                // The CORS layer's answer to a preflight: headers only.
            } else if !content_type.starts_with(expected) {
                problems.push(format!(
                    "a success is not {expected}: content-type {content_type:?}"
                ));
            } else if expected == "application/json" && !head {
                match serde_json::from_slice::<serde_json::Value>(&answer.body) {
                    Ok(body) => {
                        let plain = ["/healthz", "/openapi.json"].contains(&path);
                        if !plain && !body["object"].is_string() {
                            problems.push("a success names no object".into());
                        }
                    }
                    Err(e) => problems.push(format!("a success is not JSON: {e}")),
                }
            }
        }
    }
    problems
}

fn report(
    seed: u64,
    n: usize,
    sent: &Sent,
    url: &str,
    answer: &Answer,
    problems: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "request #{n} of seed {seed}: {}", problems.join("; "));
    let _ = writeln!(out, "  {} {url}", sent.method);
    let _ = writeln!(out, "  written as {}", shown(sent.written.as_bytes(), 300));
    let _ = writeln!(out, "  key: {}", sent.key);
    for (name, value) in &sent.headers {
        let _ = writeln!(out, "  {name}: {}", shown(value.as_bytes(), 200));
    }
    let _ = writeln!(out, "  body: {}", shown(&sent.body, 300));
    let _ = writeln!(
        out,
        "  => {} {}: {}",
        answer.status,
        answer.header("content-type"),
        shown(&answer.body, 500)
    );
    out
}

// ---------------------------------------------------------------------
// The data the requests find.

async fn reply(request: reqwest::RequestBuilder, pools: &mut Pools, owner: Owner) -> Reply {
    let reply = send(request).await;
    pools.harvest(owner, &reply.text);
    if let Some(location) = reply.headers.get("location").and_then(|v| v.to_str().ok()) {
        pools.harvest(owner, location);
    }
    reply
}

/// In one mode of one account: links of both kinds and a deleted one, a
/// paid, a declined and a pending charge, a refund, an unused token, and
/// the events all of that made.
async fn seed_mode(app: &TestApp, sk: &str, pk: &str, owner: Owner, pools: &mut Pools) {
    let link = |multiple: bool| {
        json!({
            "amount": 100000, "currency": "THB", "title": "Order-384",
            "description": "New Product", "multiple": multiple,
        })
    };
    let mut links = vec![];
    for multiple in [true, false, false] {
        let created = reply(
            app.request(Method::POST, "/links", sk)
                .json(&link(multiple)),
            pools,
            owner,
        )
        .await;
        links.push(created.assert_ok().clone());
    }
    let gone = links[2]["id"].as_str().unwrap();
    reply(
        app.request(Method::DELETE, &format!("/links/{gone}"), sk),
        pools,
        owner,
    )
    .await
    .assert_ok();
    let mut charges = vec![];
    for number in ["4242424242424242", "4111111111140011", "4000000000003220"] {
        let token = reply(
            app.request(Method::POST, "/tokens", pk)
                .json(&json!({"card": card_fields(number)})),
            pools,
            owner,
        )
        .await;
        let token = token.assert_ok()["id"].as_str().unwrap().to_owned();
        let paid = reply(
            app.client
                .post(links[0]["payment_uri"].as_str().unwrap())
                .form(&[("token", token)]),
            pools,
            owner,
        )
        .await;
        assert_eq!(paid.status, 303, "{}", paid.text);
        let location = paid.headers["location"].to_str().unwrap();
        let charge = location.rsplit(['=', '/']).next().unwrap().to_owned();
        charges.push(charge);
    }
    reply(
        app.request(
            Method::POST,
            &format!("/charges/{}/refunds", charges[0]),
            sk,
        )
        .json(&json!({"amount": 1000, "metadata": {"order": "384"}})),
        pools,
        owner,
    )
    .await
    .assert_ok();
    reply(
        app.request(Method::POST, "/tokens", pk)
            .json(&json!({"card": card_fields("4242424242424242")})),
        pools,
        owner,
    )
    .await
    .assert_ok();
    reply(app.request(Method::GET, "/events", sk), pools, owner)
        .await
        .assert_ok();
    let page = reply(
        app.client.get(links[1]["payment_uri"].as_str().unwrap()),
        pools,
        owner,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text);
}

// ---------------------------------------------------------------------

/// One request: a route and a method, path ids, a key, headers, a query
/// and a body, all drawn from `rng`.
fn draw(
    rng: &mut Rng,
    pools: &Pools,
    keys: &Keys,
    api: &[(Method, &'static str)],
    pages: &[(Method, &'static str)],
) -> (Sent, &'static str) {
    let (method, template) = loop {
        let (method, template) = match rng.below(100) {
            0..=69 => rng.pick(api).clone(),
            70..=91 => rng.pick(pages).clone(),
            _ => (Method::GET, *rng.pick(UNKNOWN)),
        };
        // A reset empties the test mode the other requests use: rarely.
        if template.starts_with("/_paylink/") && rng.chance(75) {
            continue;
        }
        break (method, template);
    };
    let own_params = route_params(&method, template);
    let method = if rng.chance(75) {
        method
    } else {
        Method::from_bytes(rng.pick(METHODS).as_bytes()).unwrap()
    };
    let mut written = fill(rng, pools, template);
    let in_body = !matches!(method, Method::GET | Method::HEAD) || rng.chance(15);
    if !in_body || rng.chance(20) {
        let q = query(rng, pools, own_params);
        if !q.is_empty() {
            written.push('?');
            written.push_str(&q);
        }
    }
    let (owner, key, authorization) = authorization(rng, keys);
    let mut headers = vec![];
    if let Some(value) = authorization {
        headers.push((reqwest::header::AUTHORIZATION, value));
    }
    if let Some(value) = omise_version(rng) {
        headers.push((HeaderName::from_static("omise-version"), value));
    }
    if rng.chance(10) {
        let lang = *rng.pick(&[
            "th",
            "ja;q=0.9, en;q=0.8",
            "*",
            "xx",
            "th-TH,th;q=0.9",
            ";;;",
        ]);
        headers.push((
            reqwest::header::ACCEPT_LANGUAGE,
            HeaderValue::from_static(lang),
        ));
    }
    let mut body_bytes = vec![];
    if in_body {
        let pairs = params(rng, pools, own_params);
        let (content_type, bytes) = body(rng, &pairs);
        if let Some(ct) = content_type.and_then(|ct| HeaderValue::from_bytes(&ct).ok()) {
            headers.push((reqwest::header::CONTENT_TYPE, ct));
        }
        body_bytes = bytes;
    }
    let sent = Sent {
        method,
        written,
        key,
        owner,
        headers,
        body: body_bytes,
    };
    (sent, template)
}

async fn every_route_answers_in_kind() {
    let seed = env_number("PAYLINK_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let count = env_number("PAYLINK_FUZZ_REQUESTS").map_or(DEFAULT_REQUESTS, |n| n as usize);
    let app = TestApp::spawn_with(|c| {
        // Live links take payments, so that every page is reachable
        // without the documented 503 of a server that refuses them.
        c.live_payments = true;
        // Webhook URIs the fuzz sets point at closed ports.
        c.webhooks.webhook_timeout = Duration::from_millis(500);
        // Pending charges expire during the run.
        c.authorize_timeout = Duration::from_secs(4);
    })
    .await;
    let other = create_account(app.store.as_ref()).await.expect("account");
    let keys = Keys {
        own: app.keys.clone(),
        other,
    };
    let mut pools = Pools::default();
    let own = &keys.own;
    seed_mode(
        &app,
        &own.secret_key_test,
        &own.public_key_test,
        Owner::Own,
        &mut pools,
    )
    .await;
    seed_mode(
        &app,
        &own.secret_key_live,
        &own.public_key_live,
        Owner::Own,
        &mut pools,
    )
    .await;
    let other = &keys.other;
    seed_mode(
        &app,
        &other.secret_key_test,
        &other.public_key_test,
        Owner::Other,
        &mut pools,
    )
    .await;

    let api = paylink::api::api_routes().table().to_vec();
    let pages = page_routes();
    let mut rng = Rng::new(seed);
    let mut failures = vec![];
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut templates: BTreeMap<&str, usize> = BTreeMap::new();
    let started = Instant::now();
    for n in 0..count {
        let (sent, template) = draw(&mut rng, &pools, &keys, &api, &pages);
        *templates.entry(template).or_default() += 1;
        let mut request = app
            .client
            .request(sent.method.clone(), app.url(&sent.written))
            .timeout(Duration::from_secs(30))
            .body(sent.body.clone());
        for (name, value) in &sent.headers {
            request = request.header(name.clone(), value.clone());
        }
        let request = match request.build() {
            Ok(request) => request,
            Err(e) => panic!("request #{n} of seed {seed} cannot be built: {e}"),
        };
        let url = request.url().to_string();
        let path = request.url().path().to_owned();
        let answer = match app.client.execute(request).await {
            Ok(response) => Answer {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                body: response
                    .bytes()
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default(),
            },
            Err(e) => {
                failures.push(format!(
                    "request #{n} of seed {seed}: no answer ({e:?}): {} {url}, key {}, body {}",
                    sent.method,
                    sent.key,
                    shown(&sent.body, 300)
                ));
                continue;
            }
        };
        *statuses.entry(answer.status).or_default() += 1;
        let problems = check(&sent, &path, &answer);
        if !problems.is_empty() {
            failures.push(report(seed, n, &sent, &url, &answer, &problems));
        }
        if answer.status < 400 {
            pools.harvest(sent.owner, &String::from_utf8_lossy(&answer.body));
            pools.harvest(sent.owner, answer.header("location"));
        }
        // The test mode was emptied: make its data again.
        if template.starts_with("/_paylink/reset") && answer.status == 200 {
            seed_mode(
                &app,
                &own.secret_key_test,
                &own.public_key_test,
                Owner::Own,
                &mut pools,
            )
            .await;
        }
    }
    let elapsed = started.elapsed();
    println!(
        "fuzz: {count} requests on {:?} with seed {seed} in {elapsed:.1?}\n  statuses: {statuses:?}\n  routes: {templates:?}",
        app.db
    );
    // Nothing the fuzz did took the server down.
    app.get("/healthz").await.assert_ok();
    assert!(
        failures.is_empty(),
        "{} of {count} answers on {:?} are wrong (replay with PAYLINK_FUZZ_SEED={seed} \
         PAYLINK_FUZZ_REQUESTS={count}):\n\n{}",
        failures.len(),
        app.db,
        failures.join("\n")
    );
}

db_tests!(every_route_answers_in_kind);
