//! Object ids and modes: `link_test_…`, `chrg_…`, keys.

use rand::Rng;
use std::fmt;

/// Length of the random part of every id and key.
pub const SUFFIX_LEN: usize = 19;
const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Test or live: every object and key belongs to exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    /// True for live mode, as stored and as `livemode` on the wire.
    pub fn is_live(self) -> bool {
        self == Mode::Live
    }

    pub fn from_live(live: bool) -> Mode {
        if live { Mode::Live } else { Mode::Test }
    }
}

/// The kinds of object that carry ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Link,
    Charge,
    Token,
    Card,
    Account,
    Request,
    Event,
    WebhookDelivery,
    Refund,
}

impl Kind {
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Link => "link",
            Kind::Charge => "chrg",
            Kind::Token => "tokn",
            Kind::Card => "card",
            Kind::Account => "acct",
            Kind::Request => "req",
            Kind::Event => "evnt",
            Kind::WebhookDelivery => "whdl",
            Kind::Refund => "rfnd",
        }
    }
}

/// Random `[0-9a-z]{19}`: about 98 bits from the OS-seeded thread RNG.
pub fn random_suffix() -> String {
    let mut rng = rand::rng();
    (0..SUFFIX_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A fresh id of `kind` in `mode`, e.g. `chrg_test_5xuy4w91xqz7d1w9u0t`.
pub fn new_id(kind: Kind, mode: Mode) -> String {
    match mode {
        Mode::Test => format!("{}_test_{}", kind.prefix(), random_suffix()),
        Mode::Live => format!("{}_{}", kind.prefix(), random_suffix()),
    }
}

/// An id without a mode (accounts, requests).
pub fn new_plain_id(kind: Kind) -> String {
    format!("{}_{}", kind.prefix(), random_suffix())
}

/// A well-formed object id: `<prefix>(_test)?_[0-9a-z]+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId {
    id: String,
    mode: Mode,
    suffix_at: usize,
}

impl ObjectId {
    /// Parses an id of `kind`; `None` when it does not match the pattern.
    pub fn parse(kind: Kind, raw: &str) -> Option<ObjectId> {
        let rest = raw.strip_prefix(kind.prefix())?;
        let (mode, suffix) = match rest.strip_prefix("_test_") {
            Some(suffix) => (Mode::Test, suffix),
            None => (Mode::Live, rest.strip_prefix('_')?),
        };
        let valid = !suffix.is_empty()
            && suffix
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
        valid.then(|| ObjectId {
            id: raw.to_owned(),
            mode,
            suffix_at: raw.len() - suffix.len(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The mode the id names: `link_test_…` is test.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The random part after the last separator.
    pub fn suffix(&self) -> &str {
        &self.id[self.suffix_at..]
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// The code in a link's `payment_uri`: the id's suffix in upper case.
pub fn payment_code(link_id: &str) -> String {
    let suffix = link_id.rsplit('_').next().unwrap_or(link_id);
    suffix.to_ascii_uppercase()
}

/// The two link ids a payment code can stand for, test first.
pub fn link_ids_for_code(code: &str) -> Option<[String; 2]> {
    let valid =
        !code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric());
    let lower = code.to_ascii_lowercase();
    valid.then(|| [format!("link_test_{lower}"), format!("link_{lower}")])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_have_the_documented_shape() {
        let id = new_id(Kind::Link, Mode::Test);
        assert!(id.starts_with("link_test_"));
        assert_eq!(id.len(), "link_test_".len() + SUFFIX_LEN);
        let live = new_id(Kind::Charge, Mode::Live);
        assert!(live.starts_with("chrg_") && !live.contains("_test_"));
        let parsed = ObjectId::parse(Kind::Charge, &live).expect("parses");
        assert_eq!(parsed.mode(), Mode::Live);
        assert_eq!(parsed.suffix().len(), SUFFIX_LEN);
    }

    #[test]
    fn ids_are_not_repeated() {
        let ids: std::collections::HashSet<_> =
            (0..1000).map(|_| new_id(Kind::Link, Mode::Test)).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn parse_follows_the_seed_pattern() {
        let ok = ObjectId::parse(Kind::Link, "link_test_5xuy4w91xqz7d1w9u0t").unwrap();
        assert_eq!(ok.mode(), Mode::Test);
        assert_eq!(ok.suffix(), "5xuy4w91xqz7d1w9u0t");
        assert_eq!(
            ObjectId::parse(Kind::Link, "link_abc").unwrap().mode(),
            Mode::Live
        );
        for bad in [
            "",
            "link",
            "link_",
            "link_test_",
            "link_TEST_abc",
            "link_test_ABC",
            "lnk_abc",
            "link_ab-c",
            "chrg_test_abc",
            "link__abc",
            "link_test_ab c",
        ] {
            assert!(ObjectId::parse(Kind::Link, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn payment_codes_round_trip() {
        assert_eq!(
            payment_code("link_test_6344k6rzgco9ul41cap"),
            "6344K6RZGCO9UL41CAP"
        );
        let [test, live] = link_ids_for_code("6344K6RZGCO9UL41CAP").unwrap();
        assert_eq!(test, "link_test_6344k6rzgco9ul41cap");
        assert_eq!(live, "link_6344k6rzgco9ul41cap");
        assert!(link_ids_for_code("abc/../x").is_none());
        assert!(link_ids_for_code("").is_none());
    }
}
