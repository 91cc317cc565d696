//! The one-time form token that makes paying from the page idempotent.
//!
//! Every rendered card form carries a fresh random token, and the token
//! *names* the charge its submission makes: the charge id is derived from
//! the link id and the token. A second submission of the same form (a
//! double click, a reload of the POST, a back-and-resubmit) derives the same
//! id, finds that charge already made and is sent to its outcome; two
//! submissions racing each other cannot both insert it, because the charge
//! id is the charges table's primary key. So one form makes at most one
//! charge, across server processes sharing the database, with no state kept
//! beyond the charge itself.

use crate::domain::Mode;
use crate::domain::link::Link;
use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// 26 characters of 36 is about 134 random bits: unguessable, so nobody
/// but the payer holding the form can learn the charge id it names.
const TOKEN_LEN: usize = 26;
/// The random part of an id, as every other id has it.
const ID_SUFFIX_LEN: usize = 19;

/// A well-formed form token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormToken(String);

impl FormToken {
    /// A fresh token for a newly rendered form.
    pub fn generate() -> FormToken {
        let mut rng = rand::rng();
        FormToken(
            (0..TOKEN_LEN)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect(),
        )
    }

    /// A token sent back by a form; `None` unless it has the generated shape.
    pub fn parse(raw: &str) -> Option<FormToken> {
        let valid = raw.len() == TOKEN_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
        valid.then(|| FormToken(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the one charge this form may make on `link`.
    pub fn charge_id(&self, link: &Link) -> String {
        let digest = Sha256::new()
            .chain_update(b"paylink form charge\0")
            .chain_update(link.id.as_bytes())
            .chain_update(b"\0")
            .chain_update(self.0.as_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        let mut n = u128::from_be_bytes(bytes);
        let mut suffix = String::with_capacity(ID_SUFFIX_LEN);
        for _ in 0..ID_SUFFIX_LEN {
            suffix.push(ALPHABET[(n % 36) as usize] as char);
            n /= 36;
        }
        match link.mode {
            Mode::Test => format!("chrg_test_{suffix}"),
            Mode::Live => format!("chrg_{suffix}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id::{Kind, ObjectId};
    use crate::domain::money::Currency;

    fn link(id: &str, mode: Mode) -> Link {
        Link {
            id: id.into(),
            account_id: "acct_x".into(),
            mode,
            amount: 100_000,
            currency: Currency::Thb,
            title: "t".into(),
            description: String::new(),
            multiple: false,
            used_at: None,
            deleted_at: None,
            created_at: 0,
            pending_charge_id: None,
        }
    }

    #[test]
    fn tokens_are_fresh_and_round_trip() {
        let a = FormToken::generate();
        let b = FormToken::generate();
        assert_ne!(a, b);
        assert_eq!(FormToken::parse(a.as_str()), Some(a));
        assert_eq!(FormToken::parse(""), None);
        assert_eq!(FormToken::parse("short"), None);
        assert_eq!(FormToken::parse(&"A".repeat(TOKEN_LEN)), None);
        assert_eq!(FormToken::parse(&"a".repeat(TOKEN_LEN + 1)), None);
    }

    #[test]
    fn a_token_names_one_charge_per_link() {
        let token = FormToken::generate();
        let test = link("link_test_5xuy4w91xqz7d1w9u0t", Mode::Test);
        let other = link("link_test_6344k6rzgco9ul41cap", Mode::Test);
        let id = token.charge_id(&test);
        assert_eq!(id, token.charge_id(&test), "the same form, the same charge");
        assert_ne!(id, token.charge_id(&other));
        assert_ne!(id, FormToken::generate().charge_id(&test));
        let parsed = ObjectId::parse(Kind::Charge, &id).unwrap();
        assert_eq!(parsed.mode(), Mode::Test);
        assert_eq!(parsed.suffix().len(), ID_SUFFIX_LEN);
        let live = token.charge_id(&link("link_5xuy4w91xqz7d1w9u0t", Mode::Live));
        assert_eq!(
            ObjectId::parse(Kind::Charge, &live).unwrap().mode(),
            Mode::Live
        );
    }
}
