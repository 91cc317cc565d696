//! Card validation for tokenization, and the test-mode decision of what a
//! charge on a given card does.
//!
//! A validated [`Card`] keeps only what may be stored and shown back to the
//! client: the brand, the last four digits, the BIN, a salted fingerprint and
//! whether a security code was checked. The full number and the security
//! code never leave [`validate`].

use std::fmt;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// A card network, as recognised from the number's leading digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Brand {
    /// Visa.
    Visa,
    /// Mastercard.
    MasterCard,
    /// JCB.
    Jcb,
    /// American Express.
    AmericanExpress,
    /// Diners Club.
    DinersClub,
    /// Discover.
    Discover,
    /// UnionPay.
    UnionPay,
}

impl Brand {
    /// Every brand paylink's card checks know.
    pub const ALL: [Brand; 7] = [
        Brand::Visa,
        Brand::MasterCard,
        Brand::Jcb,
        Brand::AmericanExpress,
        Brand::DinersClub,
        Brand::Discover,
        Brand::UnionPay,
    ];

    /// The brand name as the payment API spells it, e.g. `"MasterCard"`.
    pub fn name(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::MasterCard => "MasterCard",
            Brand::Jcb => "JCB",
            Brand::AmericanExpress => "American Express",
            Brand::DinersClub => "Diners Club",
            Brand::Discover => "Discover",
            Brand::UnionPay => "UnionPay",
        }
    }

    /// Length of the security code this brand prints on its cards.
    pub fn security_code_len(self) -> usize {
        match self {
            Brand::AmericanExpress => 4,
            _ => 3,
        }
    }

    /// Recognises the brand from a string of ASCII digits.
    ///
    /// Ranges are disjoint, so the order only matters for readability; it
    /// still lists Discover before UnionPay so that any future overlap in the
    /// `6` ranges resolves to Discover. The 622126-622925 co-branded range is
    /// reported as UnionPay.
    fn detect(digits: &str) -> Option<Brand> {
        let prefix = |len: usize| -> Option<u32> { digits.get(..len)?.parse().ok() };
        let in_range =
            |len: usize, lo: u32, hi: u32| prefix(len).is_some_and(|p| (lo..=hi).contains(&p));

        if in_range(1, 4, 4) {
            Some(Brand::Visa)
        } else if in_range(2, 51, 55) || in_range(4, 2221, 2720) {
            Some(Brand::MasterCard)
        } else if in_range(2, 34, 34) || in_range(2, 37, 37) {
            Some(Brand::AmericanExpress)
        } else if in_range(4, 3528, 3589) {
            Some(Brand::Jcb)
        } else if in_range(3, 300, 305) || in_range(2, 36, 36) || in_range(2, 38, 39) {
            Some(Brand::DinersClub)
        } else if in_range(4, 6011, 6011) || in_range(3, 644, 649) || in_range(2, 65, 65) {
            Some(Brand::Discover)
        } else if in_range(2, 62, 62) {
            Some(Brand::UnionPay)
        } else {
            None
        }
    }
}

/// Raw card input, as strings straight from the request (not trimmed).
///
/// `Debug` is implemented by hand so that logging a request can never leak
/// the card number or security code.
#[derive(Clone, Copy)]
pub struct CardInput<'a> {
    /// Cardholder name.
    pub name: &'a str,
    /// Card number; spaces and dashes are allowed and ignored.
    pub number: &'a str,
    /// Expiration month, 1 to 12.
    pub expiration_month: i64,
    /// Expiration year, either two digits (`29`) or four (`2029`).
    pub expiration_year: i64,
    /// Security code (CVV/CVC/CID); `None` when none was given. A card
    /// without one is valid and shown with `security_code_check: false`, as
    /// the Token API allows; a given code must be right for the brand. Each
    /// caller decides what counts as given: the Token API reads a blank code
    /// as none ([`given_security_code`]), the payment page requires one.
    pub security_code: Option<&'a str>,
}

/// The security code as the Token API reads it: an absent, empty or
/// whitespace-only code is none, so the card is tokenized unchecked; any
/// other text is a code to check, exactly as sent.
pub fn given_security_code(raw: Option<&str>) -> Option<&str> {
    raw.filter(|code| !code.trim().is_empty())
}

impl fmt::Debug for CardInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardInput")
            .field("name", &self.name)
            .field("number", &"[redacted]")
            .field("expiration_month", &self.expiration_month)
            .field("expiration_year", &self.expiration_year)
            .field("security_code", &self.security_code.map(|_| "[redacted]"))
            .finish()
    }
}

/// A validated card: never holds the full number nor the security code,
/// only whether one was given and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Network recognised from the number.
    pub brand: Brand,
    /// Last four digits of the number.
    pub last_digits: String,
    /// Cardholder name, trimmed.
    pub name: String,
    /// Expiration month, 1 to 12.
    pub expiration_month: u8,
    /// Four-digit expiration year.
    pub expiration_year: u16,
    /// Salted hash identifying the number, stable for one salt.
    pub fingerprint: String,
    /// First six digits of the number.
    pub bin: String,
    /// What a test-mode charge on this card does.
    pub outcome: Outcome,
    /// Whether a security code was given, and so checked.
    pub security_code_check: bool,
}

/// What the test-mode processor does with a charge on this card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The charge succeeds.
    Success,
    /// The charge fails with the given reason.
    Decline(FailureCode),
    /// The charge waits for the payer to pass 3-D Secure at the test bank.
    Authenticate,
}

/// Why a charge failed, using the payment API's failure codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCode {
    /// Not enough funds or over the credit limit.
    InsufficientFund,
    /// The card was reported stolen or lost.
    StolenOrLostCard,
    /// A processing error occurred.
    FailedProcessing,
    /// The issuer rejected the payment.
    PaymentRejected,
    /// The fraud check flagged the payment.
    FailedFraudCheck,
    /// The account number is invalid.
    InvalidAccountNumber,
}

impl FailureCode {
    /// Every failure code, in declaration order.
    pub const ALL: [FailureCode; 6] = [
        FailureCode::InsufficientFund,
        FailureCode::StolenOrLostCard,
        FailureCode::FailedProcessing,
        FailureCode::PaymentRejected,
        FailureCode::FailedFraudCheck,
        FailureCode::InvalidAccountNumber,
    ];

    /// The machine-readable code, e.g. `"insufficient_fund"`.
    pub fn code(self) -> &'static str {
        match self {
            FailureCode::InsufficientFund => "insufficient_fund",
            FailureCode::StolenOrLostCard => "stolen_or_lost_card",
            FailureCode::FailedProcessing => "failed_processing",
            FailureCode::PaymentRejected => "payment_rejected",
            FailureCode::FailedFraudCheck => "failed_fraud_check",
            FailureCode::InvalidAccountNumber => "invalid_account_number",
        }
    }

    /// The inverse of [`FailureCode::code`]; exact match only.
    pub fn parse(s: &str) -> Option<FailureCode> {
        Self::ALL.into_iter().find(|f| f.code() == s)
    }

    /// The human-readable failure message returned alongside the code.
    pub fn message(self) -> &'static str {
        match self {
            FailureCode::InsufficientFund => {
                "insufficient funds in the account or the card has reached the credit limit"
            }
            FailureCode::StolenOrLostCard => "card was stolen or lost",
            FailureCode::FailedProcessing => "the payment failed to be processed",
            FailureCode::PaymentRejected => "the payment was rejected by the issuer",
            FailureCode::FailedFraudCheck => "the transaction was flagged as fraudulent",
            FailureCode::InvalidAccountNumber => "the account number is invalid",
        }
    }
}

/// The first problem found with a card, checked in the order number, name,
/// expiration, security code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Wrong length, non-digits, failed checksum or unknown brand.
    #[error("number is invalid")]
    InvalidNumber,
    /// The name is empty or only whitespace.
    #[error("name is required")]
    NameRequired,
    /// The name is longer than 255 characters.
    #[error("name is too long")]
    NameTooLong,
    /// The month is outside 1 to 12.
    #[error("expiration month is not between 1 and 12")]
    InvalidExpirationMonth,
    /// The year is neither two nor four digits, or too far in the future.
    #[error("expiration year is invalid")]
    InvalidExpirationYear,
    /// The card expired before the current month.
    #[error("expiration date cannot be in the past")]
    Expired,
    /// Wrong length for the brand, or not all digits.
    #[error("security code is invalid")]
    InvalidSecurityCode,
}

/// Longest accepted cardholder name, in characters.
const NAME_MAX_CHARS: usize = 255;

/// How far ahead an expiration year may be; issuers do not print cards
/// valid for longer, so anything beyond is almost certainly a typo.
pub const MAX_YEARS_AHEAD: i64 = 20;

/// Hex characters of the SHA-256 digest kept as the fingerprint: 128 bits
/// is ample to tell cards apart while keeping the value short.
const FINGERPRINT_HEX_LEN: usize = 32;

/// Numbers that make a test-mode charge fail, and how.
const TEST_DECLINES: [(&str, FailureCode); 6] = [
    ("4111111111140011", FailureCode::InsufficientFund),
    ("4111111111130012", FailureCode::StolenOrLostCard),
    ("4111111111120013", FailureCode::FailedProcessing),
    ("4111111111110014", FailureCode::PaymentRejected),
    ("4111111111190016", FailureCode::FailedFraudCheck),
    ("4111111111180017", FailureCode::InvalidAccountNumber),
];

/// Validates raw card input and reduces it to a storable [`Card`].
///
/// `today` is the current `(year, month)` in UTC, passed in so the expiry
/// check is testable. `fingerprint_salt` is a per-account secret mixed into
/// the fingerprint, so fingerprints cannot be correlated across accounts.
pub fn validate(
    input: &CardInput,
    today: (i32, u8),
    fingerprint_salt: &str,
) -> Result<Card, CardError> {
    let (digits, brand) = check_number(input.number)?;
    let name = check_name(input.name)?;
    let (expiration_month, expiration_year) =
        check_expiration(input.expiration_month, input.expiration_year, today)?;
    if let Some(code) = input.security_code {
        check_security_code(code, brand)?;
    }

    // `check_number` guarantees at least 12 ASCII digits, so these slices
    // are in bounds and on character boundaries.
    let last_digits = digits[digits.len() - 4..].to_owned();
    let bin = digits[..6].to_owned();

    Ok(Card {
        brand,
        last_digits,
        name: name.to_owned(),
        expiration_month,
        expiration_year,
        fingerprint: fingerprint(fingerprint_salt, &digits),
        bin,
        outcome: outcome_for(&digits),
        security_code_check: input.security_code.is_some(),
    })
}

/// Every problem with a card, one per field at most, in form order (name,
/// number, expiration, security code): a form shows them all at once, where
/// [`validate`] stops at the first. Empty exactly when `validate` succeeds.
pub fn problems(input: &CardInput, today: (i32, u8)) -> Vec<CardError> {
    let brand = check_number(input.number).map(|(_, brand)| brand);
    let security_code = match (input.security_code, brand) {
        (None, _) => Ok(()),
        (Some(code), Ok(brand)) => check_security_code(code, brand),
        // Without a brand the length is unknown: 3 or 4 digits may be right.
        (Some(code), Err(_)) => check_security_code(code, Brand::Visa)
            .or_else(|_| check_security_code(code, Brand::AmericanExpress)),
    };
    [
        check_name(input.name).map(|_| ()),
        brand.map(|_| ()),
        check_expiration(input.expiration_month, input.expiration_year, today).map(|_| ()),
        security_code,
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect()
}

/// Returns the digits-only number and its brand.
fn check_number(raw: &str) -> Result<(String, Brand), CardError> {
    // People paste numbers grouped the way they are embossed.
    let digits: String = raw.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::InvalidNumber);
    }
    if !luhn_valid(&digits) {
        return Err(CardError::InvalidNumber);
    }
    let brand = Brand::detect(&digits).ok_or(CardError::InvalidNumber)?;
    Ok((digits, brand))
}

/// Luhn (mod 10) checksum over a string already known to be ASCII digits.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

fn check_name(raw: &str) -> Result<&str, CardError> {
    let name = raw.trim();
    if name.is_empty() {
        Err(CardError::NameRequired)
    } else if name.chars().count() > NAME_MAX_CHARS {
        Err(CardError::NameTooLong)
    } else {
        Ok(name)
    }
}

/// Returns `(month, four-digit year)`.
fn check_expiration(month: i64, year: i64, today: (i32, u8)) -> Result<(u8, u16), CardError> {
    let month = u8::try_from(month)
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or(CardError::InvalidExpirationMonth)?;

    // Cards print two-digit years, and clients often send them unexpanded.
    let full_year = match year {
        0..=99 => 2000 + year,
        1000..=9999 => year,
        _ => return Err(CardError::InvalidExpirationYear),
    };
    let (today_year, today_month) = (i64::from(today.0), today.1);
    if full_year > today_year + MAX_YEARS_AHEAD {
        return Err(CardError::InvalidExpirationYear);
    }
    // A card is valid through the last day of its expiration month.
    if (full_year, month) < (today_year, today_month) {
        return Err(CardError::Expired);
    }
    let full_year = u16::try_from(full_year).map_err(|_| CardError::InvalidExpirationYear)?;
    Ok((month, full_year))
}

fn check_security_code(code: &str, brand: Brand) -> Result<(), CardError> {
    if code.len() == brand.security_code_len() && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CardError::InvalidSecurityCode)
    }
}

/// First 32 hex characters of SHA-256 over `salt:digits`.
fn fingerprint(salt: &str, digits: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(b":");
    hasher.update(digits.as_bytes());
    let digest = hasher.finalize();

    let mut out = String::with_capacity(FINGERPRINT_HEX_LEN);
    for byte in digest.iter().take(FINGERPRINT_HEX_LEN / 2) {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Numbers whose test-mode charges need 3-D Secure (Visa, Mastercard).
pub const TEST_3DS: [&str; 2] = ["4000000000003220", "5200000000003225"];

fn outcome_for(digits: &str) -> Outcome {
    if TEST_3DS.contains(&digits) {
        return Outcome::Authenticate;
    }
    TEST_DECLINES
        .iter()
        .find(|(number, _)| *number == digits)
        .map_or(Outcome::Success, |(_, code)| Outcome::Decline(*code))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (i32, u8) = (2025, 6);
    const SALT: &str = "acct-salt";

    fn input(number: &str) -> CardInput<'_> {
        CardInput {
            name: "Test Cardholder",
            number,
            expiration_month: 12,
            expiration_year: 2030,
            security_code: Some("123"),
        }
    }

    fn amex_input(number: &str) -> CardInput<'_> {
        CardInput {
            security_code: Some("1234"),
            ..input(number)
        }
    }

    fn brand_of(number: &str) -> Result<Brand, CardError> {
        let card_input = if number.starts_with("34") || number.starts_with("37") {
            amex_input(number)
        } else {
            input(number)
        };
        validate(&card_input, TODAY, SALT).map(|c| c.brand)
    }

    #[test]
    fn problems_lists_every_field_and_agrees_with_validate() {
        let good = input("4242424242424242");
        assert_eq!(problems(&good, TODAY), vec![]);
        assert!(validate(&good, TODAY, SALT).is_ok());
        let bad = CardInput {
            name: " ",
            number: "4242424242424241",
            expiration_month: 13,
            expiration_year: 2030,
            security_code: Some("12"),
        };
        assert_eq!(
            problems(&bad, TODAY),
            vec![
                CardError::NameRequired,
                CardError::InvalidNumber,
                CardError::InvalidExpirationMonth,
                CardError::InvalidSecurityCode,
            ]
        );
        let expired = CardInput {
            expiration_month: 5,
            expiration_year: 2025,
            ..input("4242424242424242")
        };
        assert_eq!(problems(&expired, TODAY), vec![CardError::Expired]);
        // An Amex code is four digits; with an unknown brand either length passes.
        let amex_short = input("378282246310005");
        assert_eq!(
            problems(&amex_short, TODAY),
            vec![CardError::InvalidSecurityCode]
        );
        let unknown = CardInput {
            security_code: Some("1234"),
            ..input("1234")
        };
        assert_eq!(problems(&unknown, TODAY), vec![CardError::InvalidNumber]);
    }

    #[test]
    fn luhn_good_and_bad() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("378282246310005"));
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("4242424242424241"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid("79927398710"));
        assert_eq!(
            validate(&input("4242424242424241"), TODAY, SALT),
            Err(CardError::InvalidNumber)
        );
    }

    #[test]
    fn every_brand() {
        assert_eq!(brand_of("4242424242424242"), Ok(Brand::Visa));
        assert_eq!(brand_of("5555555555554444"), Ok(Brand::MasterCard));
        assert_eq!(brand_of("5100000000000008"), Ok(Brand::MasterCard));
        assert_eq!(brand_of("5500000000000004"), Ok(Brand::MasterCard));
        assert_eq!(brand_of("2221000000000009"), Ok(Brand::MasterCard));
        assert_eq!(brand_of("2720000000000005"), Ok(Brand::MasterCard));
        assert_eq!(brand_of("378282246310005"), Ok(Brand::AmericanExpress));
        assert_eq!(brand_of("340000000000009"), Ok(Brand::AmericanExpress));
        assert_eq!(brand_of("370000000000002"), Ok(Brand::AmericanExpress));
        assert_eq!(brand_of("3530111333300000"), Ok(Brand::Jcb));
        assert_eq!(brand_of("3528000000000007"), Ok(Brand::Jcb));
        assert_eq!(brand_of("3589000000000003"), Ok(Brand::Jcb));
        assert_eq!(brand_of("30000000000004"), Ok(Brand::DinersClub));
        assert_eq!(brand_of("30500000000003"), Ok(Brand::DinersClub));
        assert_eq!(brand_of("36000000000008"), Ok(Brand::DinersClub));
        assert_eq!(brand_of("38000000000006"), Ok(Brand::DinersClub));
        assert_eq!(brand_of("39000000000005"), Ok(Brand::DinersClub));
        assert_eq!(brand_of("6011111111111117"), Ok(Brand::Discover));
        assert_eq!(brand_of("6440000000000005"), Ok(Brand::Discover));
        assert_eq!(brand_of("6490000000000004"), Ok(Brand::Discover));
        assert_eq!(brand_of("6500000000000002"), Ok(Brand::Discover));
        assert_eq!(brand_of("6200000000000005"), Ok(Brand::UnionPay));
        // The co-branded range resolves to UnionPay.
        assert_eq!(brand_of("6221260000000000"), Ok(Brand::UnionPay));
        assert_eq!(brand_of("6229250000000003"), Ok(Brand::UnionPay));
    }

    #[test]
    fn unknown_prefixes_are_invalid_numbers() {
        for number in [
            "2220000000000000", // just below the 2-series MasterCard range
            "2721000000000004", // just above it
            "5000000000000009",
            "5600000000000003",
            "3527000000000008", // just below JCB
            "3590000000000000", // just above JCB
            "3060000000000001", // just above Diners 300-305
            "3300000000000001",
            "6430000000000007", // just below Discover 644
            "1000000000000008",
            "7000000000000005",
            "9000000000000001",
        ] {
            assert_eq!(
                validate(&input(number), TODAY, SALT),
                Err(CardError::InvalidNumber),
                "{number}"
            );
        }
    }

    #[test]
    fn brand_names() {
        assert_eq!(Brand::Visa.name(), "Visa");
        assert_eq!(Brand::MasterCard.name(), "MasterCard");
        assert_eq!(Brand::Jcb.name(), "JCB");
        assert_eq!(Brand::AmericanExpress.name(), "American Express");
        assert_eq!(Brand::DinersClub.name(), "Diners Club");
        assert_eq!(Brand::Discover.name(), "Discover");
        assert_eq!(Brand::UnionPay.name(), "UnionPay");
    }

    #[test]
    fn number_length_limits() {
        assert_eq!(brand_of("400000000002"), Ok(Brand::Visa));
        assert_eq!(brand_of("4000000000000000006"), Ok(Brand::Visa));
        assert_eq!(brand_of("40000000006"), Err(CardError::InvalidNumber));
        assert_eq!(
            brand_of("40000000000000000002"),
            Err(CardError::InvalidNumber)
        );
        assert_eq!(brand_of(""), Err(CardError::InvalidNumber));
    }

    #[test]
    fn number_rejects_non_digits() {
        assert_eq!(brand_of("4242x24242424242"), Err(CardError::InvalidNumber));
        assert_eq!(
            brand_of("4242.4242.4242.4242"),
            Err(CardError::InvalidNumber)
        );
        assert_eq!(
            brand_of("4242\t4242\t4242\t4242"),
            Err(CardError::InvalidNumber)
        );
        // Non-ASCII digits must not sneak past the ASCII check.
        assert_eq!(
            brand_of("４２４２４２４２４２４２４２４２"),
            Err(CardError::InvalidNumber)
        );
        assert_eq!(brand_of("+4242424242424242"), Err(CardError::InvalidNumber));
    }

    #[test]
    fn spaces_and_dashes_are_stripped() {
        let card = validate(&input(" 4242 4242-4242--4242 "), TODAY, SALT).unwrap();
        assert_eq!(card.brand, Brand::Visa);
        assert_eq!(card.last_digits, "4242");
        assert_eq!(card.bin, "424242");
        let plain = validate(&input("4242424242424242"), TODAY, SALT).unwrap();
        assert_eq!(card.fingerprint, plain.fingerprint);
        assert_eq!(card, plain);
    }

    #[test]
    fn every_test_card_outcome() {
        let cases = [
            (
                "4111111111140011",
                Outcome::Decline(FailureCode::InsufficientFund),
            ),
            (
                "4111111111130012",
                Outcome::Decline(FailureCode::StolenOrLostCard),
            ),
            (
                "4111111111120013",
                Outcome::Decline(FailureCode::FailedProcessing),
            ),
            (
                "4111111111110014",
                Outcome::Decline(FailureCode::PaymentRejected),
            ),
            (
                "4111111111190016",
                Outcome::Decline(FailureCode::FailedFraudCheck),
            ),
            (
                "4111111111180017",
                Outcome::Decline(FailureCode::InvalidAccountNumber),
            ),
            ("4242424242424242", Outcome::Success),
            ("4111111111111111", Outcome::Success),
            ("5555555555554444", Outcome::Success),
            ("3530111333300000", Outcome::Success),
        ];
        for (number, expected) in cases {
            let card = validate(&input(number), TODAY, SALT).unwrap();
            assert_eq!(card.outcome, expected, "{number}");
        }
        let amex = validate(&amex_input("378282246310005"), TODAY, SALT).unwrap();
        assert_eq!(amex.outcome, Outcome::Success);
        // Formatting does not hide a decline card.
        let spaced = validate(&input("4111 1111 1114 0011"), TODAY, SALT).unwrap();
        assert_eq!(
            spaced.outcome,
            Outcome::Decline(FailureCode::InsufficientFund)
        );
    }

    #[test]
    fn validated_card_fields() {
        let card = validate(
            &CardInput {
                name: "  Test Cardholder  ",
                number: "4242424242424242",
                expiration_month: 3,
                expiration_year: 2027,
                security_code: Some("987"),
            },
            TODAY,
            SALT,
        )
        .unwrap();
        assert_eq!(
            card,
            Card {
                brand: Brand::Visa,
                last_digits: "4242".to_owned(),
                name: "Test Cardholder".to_owned(),
                expiration_month: 3,
                expiration_year: 2027,
                fingerprint: fingerprint(SALT, "4242424242424242"),
                bin: "424242".to_owned(),
                outcome: Outcome::Success,
                security_code_check: true,
            }
        );
        let amex = validate(&amex_input("378282246310005"), TODAY, SALT).unwrap();
        assert_eq!(amex.last_digits, "0005");
        assert_eq!(amex.bin, "378282");
    }

    #[test]
    fn card_debug_hides_number_and_code() {
        let shown = format!("{:?}", input("4242424242424242"));
        assert!(!shown.contains("4242424242424242"), "{shown}");
        assert!(!shown.contains("123"), "{shown}");
        let card = validate(&input("4242424242424242"), TODAY, SALT).unwrap();
        let shown = format!("{card:?}");
        assert!(!shown.contains("4242424242424242"), "{shown}");
    }

    #[test]
    fn fingerprint_stability() {
        let a = validate(&input("4242424242424242"), TODAY, SALT).unwrap();
        let b = validate(&input("4242-4242-4242-4242"), TODAY, SALT).unwrap();
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_eq!(a.fingerprint.len(), 32);
        assert!(
            a.fingerprint
                .bytes()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        );

        let other_salt = validate(&input("4242424242424242"), TODAY, "other").unwrap();
        assert_ne!(a.fingerprint, other_salt.fingerprint);
        let other_card = validate(&input("4111111111111111"), TODAY, SALT).unwrap();
        assert_ne!(a.fingerprint, other_card.fingerprint);
    }

    #[test]
    fn fingerprint_known_value() {
        // sha256("s:4242424242424242"), computed independently; pins the
        // salt/separator layout so stored fingerprints stay comparable.
        assert_eq!(
            fingerprint("s", "4242424242424242"),
            "6acd12f7dade2155bc254e784ff923c8"
        );
    }

    #[test]
    fn expiry_edges() {
        let at = |month: i64, year: i64| {
            validate(
                &CardInput {
                    expiration_month: month,
                    expiration_year: year,
                    ..input("4242424242424242")
                },
                TODAY,
                SALT,
            )
            .map(|c| (c.expiration_month, c.expiration_year))
        };
        // This month is still valid; last month is not.
        assert_eq!(at(6, 2025), Ok((6, 2025)));
        assert_eq!(at(5, 2025), Err(CardError::Expired));
        assert_eq!(at(12, 2024), Err(CardError::Expired));
        assert_eq!(at(1, 2026), Ok((1, 2026)));
        assert_eq!(at(1, 1999), Err(CardError::Expired));
        // Two-digit years are in the 2000s.
        assert_eq!(at(6, 25), Ok((6, 2025)));
        assert_eq!(at(5, 25), Err(CardError::Expired));
        assert_eq!(at(12, 30), Ok((12, 2030)));
        assert_eq!(at(12, 0), Err(CardError::Expired));
        // Up to twenty years ahead.
        assert_eq!(at(12, 2045), Ok((12, 2045)));
        assert_eq!(at(1, 2046), Err(CardError::InvalidExpirationYear));
        assert_eq!(at(1, 45), Ok((1, 2045)));
        assert_eq!(at(1, 46), Err(CardError::InvalidExpirationYear));
        // Neither two nor four digits.
        assert_eq!(at(1, 100), Err(CardError::InvalidExpirationYear));
        assert_eq!(at(1, 999), Err(CardError::InvalidExpirationYear));
        assert_eq!(at(1, 10000), Err(CardError::InvalidExpirationYear));
        assert_eq!(at(1, -1), Err(CardError::InvalidExpirationYear));
        assert_eq!(at(1, i64::MAX), Err(CardError::InvalidExpirationYear));
        assert_eq!(at(1, i64::MIN), Err(CardError::InvalidExpirationYear));
        // Month range, checked before the year.
        assert_eq!(at(1, 2030), Ok((1, 2030)));
        assert_eq!(at(12, 2030), Ok((12, 2030)));
        assert_eq!(at(0, 2030), Err(CardError::InvalidExpirationMonth));
        assert_eq!(at(13, 2030), Err(CardError::InvalidExpirationMonth));
        assert_eq!(at(-1, 2030), Err(CardError::InvalidExpirationMonth));
        assert_eq!(at(256 + 6, 2030), Err(CardError::InvalidExpirationMonth));
        assert_eq!(at(0, 1999), Err(CardError::InvalidExpirationMonth));
    }

    #[test]
    fn expiry_at_year_boundary() {
        let december = validate(
            &CardInput {
                expiration_month: 12,
                expiration_year: 2025,
                ..input("4242424242424242")
            },
            (2026, 1),
            SALT,
        );
        assert_eq!(december, Err(CardError::Expired));
        let january = validate(
            &CardInput {
                expiration_month: 1,
                expiration_year: 2026,
                ..input("4242424242424242")
            },
            (2026, 1),
            SALT,
        );
        assert_eq!(january.map(|c| c.expiration_year), Ok(2026));
    }

    #[test]
    fn security_code_lengths() {
        let with_code = |number: &'static str, code: &'static str| {
            validate(
                &CardInput {
                    security_code: Some(code),
                    ..input(number)
                },
                TODAY,
                SALT,
            )
            .map(|c| c.brand)
        };
        assert_eq!(with_code("4242424242424242", "123"), Ok(Brand::Visa));
        assert_eq!(with_code("4242424242424242", "000"), Ok(Brand::Visa));
        assert_eq!(
            with_code("4242424242424242", "12"),
            Err(CardError::InvalidSecurityCode)
        );
        assert_eq!(
            with_code("4242424242424242", "1234"),
            Err(CardError::InvalidSecurityCode)
        );
        // A given code that is empty is wrong (the payment page's case);
        // the Token API gives none instead, see `a_card_without_a_security_code`.
        assert_eq!(
            with_code("4242424242424242", ""),
            Err(CardError::InvalidSecurityCode)
        );
        assert_eq!(
            with_code("4242424242424242", "12a"),
            Err(CardError::InvalidSecurityCode)
        );
        assert_eq!(
            with_code("4242424242424242", " 123"),
            Err(CardError::InvalidSecurityCode)
        );
        assert_eq!(
            with_code("4242424242424242", "１２３"),
            Err(CardError::InvalidSecurityCode)
        );
        assert_eq!(with_code("5555555555554444", "123"), Ok(Brand::MasterCard));
        assert_eq!(
            with_code("3530111333300000", "1234"),
            Err(CardError::InvalidSecurityCode)
        );
        assert_eq!(
            with_code("378282246310005", "1234"),
            Ok(Brand::AmericanExpress)
        );
        assert_eq!(
            with_code("378282246310005", "123"),
            Err(CardError::InvalidSecurityCode)
        );
        assert_eq!(
            with_code("378282246310005", "12345"),
            Err(CardError::InvalidSecurityCode)
        );
    }

    #[test]
    fn a_card_without_a_security_code() {
        // The Token API's reading: absent, empty and blank are none; any
        // other text is a code to check, untrimmed.
        assert_eq!(given_security_code(None), None);
        assert_eq!(given_security_code(Some("")), None);
        assert_eq!(given_security_code(Some(" \t\u{3000}")), None);
        assert_eq!(given_security_code(Some("123")), Some("123"));
        assert_eq!(given_security_code(Some(" 123")), Some(" 123"));
        assert_eq!(given_security_code(Some("12")), Some("12"));

        let with_code = |number: &'static str, raw: Option<&'static str>| {
            let card = CardInput {
                security_code: given_security_code(raw),
                ..input(number)
            };
            let validated = validate(&card, TODAY, SALT);
            // The form's list of problems agrees with `validate`.
            assert_eq!(
                problems(&card, TODAY).first().copied(),
                validated.as_ref().err().copied(),
                "{number} {raw:?}"
            );
            validated.map(|c| c.security_code_check)
        };
        for number in ["4242424242424242", "378282246310005"] {
            assert_eq!(with_code(number, None), Ok(false), "{number}");
            assert_eq!(with_code(number, Some("")), Ok(false), "{number}");
            assert_eq!(with_code(number, Some("  ")), Ok(false), "{number}");
        }
        assert_eq!(with_code("4242424242424242", Some("123")), Ok(true));
        assert_eq!(with_code("378282246310005", Some("1234")), Ok(true));
        // A code given but wrong is still refused.
        for (number, code) in [
            ("4242424242424242", "12"),
            ("4242424242424242", "1234"),
            ("4242424242424242", " 123"),
            ("4242424242424242", "abc"),
            ("378282246310005", "123"),
        ] {
            assert_eq!(
                with_code(number, Some(code)),
                Err(CardError::InvalidSecurityCode),
                "{number} {code:?}"
            );
        }
        // Without a code the card is otherwise the same card.
        let checked = validate(&input("4242424242424242"), TODAY, SALT).unwrap();
        let unchecked = validate(
            &CardInput {
                security_code: None,
                ..input("4242424242424242")
            },
            TODAY,
            SALT,
        )
        .unwrap();
        assert_eq!(
            unchecked,
            Card {
                security_code_check: false,
                ..checked
            }
        );
        // With a problem elsewhere, a missing code adds none.
        let expired = CardInput {
            expiration_month: 5,
            expiration_year: 2025,
            security_code: None,
            ..input("4242424242424242")
        };
        assert_eq!(problems(&expired, TODAY), vec![CardError::Expired]);
    }

    #[test]
    fn name_rules() {
        let with_name = |name: &'static str| {
            validate(
                &CardInput {
                    name,
                    ..input("4242424242424242")
                },
                TODAY,
                SALT,
            )
            .map(|c| c.name)
        };
        assert_eq!(with_name("A"), Ok("A".to_owned()));
        assert_eq!(with_name(""), Err(CardError::NameRequired));
        assert_eq!(with_name("   \t "), Err(CardError::NameRequired));

        let longest = "ก".repeat(255);
        let too_long = "ก".repeat(256);
        let name_of = |name: &str| {
            validate(
                &CardInput {
                    name,
                    ..input("4242424242424242")
                },
                TODAY,
                SALT,
            )
            .map(|c| c.name)
        };
        // The limit counts characters, not bytes.
        assert_eq!(name_of(&longest), Ok(longest.clone()));
        assert_eq!(name_of(&too_long), Err(CardError::NameTooLong));
        assert_eq!(name_of(&format!("  {longest}  ")), Ok(longest.clone()));
    }

    #[test]
    fn first_error_wins() {
        let everything_wrong = CardInput {
            name: "",
            number: "1234",
            expiration_month: 13,
            expiration_year: 1,
            security_code: Some("x"),
        };
        assert_eq!(
            validate(&everything_wrong, TODAY, SALT),
            Err(CardError::InvalidNumber)
        );
        let from_name = CardInput {
            number: "4242424242424242",
            ..everything_wrong
        };
        assert_eq!(
            validate(&from_name, TODAY, SALT),
            Err(CardError::NameRequired)
        );
        let from_expiry = CardInput {
            name: "Test Cardholder",
            ..from_name
        };
        assert_eq!(
            validate(&from_expiry, TODAY, SALT),
            Err(CardError::InvalidExpirationMonth)
        );
        let from_code = CardInput {
            expiration_month: 6,
            expiration_year: 2026,
            ..from_expiry
        };
        assert_eq!(
            validate(&from_code, TODAY, SALT),
            Err(CardError::InvalidSecurityCode)
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(CardError::InvalidNumber.to_string(), "number is invalid");
        assert_eq!(CardError::NameRequired.to_string(), "name is required");
        assert_eq!(CardError::NameTooLong.to_string(), "name is too long");
        assert_eq!(
            CardError::InvalidExpirationMonth.to_string(),
            "expiration month is not between 1 and 12"
        );
        assert_eq!(
            CardError::InvalidExpirationYear.to_string(),
            "expiration year is invalid"
        );
        assert_eq!(
            CardError::Expired.to_string(),
            "expiration date cannot be in the past"
        );
        assert_eq!(
            CardError::InvalidSecurityCode.to_string(),
            "security code is invalid"
        );
    }

    #[test]
    fn failure_codes() {
        let expected = [
            (
                FailureCode::InsufficientFund,
                "insufficient_fund",
                "insufficient funds in the account or the card has reached the credit limit",
            ),
            (
                FailureCode::StolenOrLostCard,
                "stolen_or_lost_card",
                "card was stolen or lost",
            ),
            (
                FailureCode::FailedProcessing,
                "failed_processing",
                "the payment failed to be processed",
            ),
            (
                FailureCode::PaymentRejected,
                "payment_rejected",
                "the payment was rejected by the issuer",
            ),
            (
                FailureCode::FailedFraudCheck,
                "failed_fraud_check",
                "the transaction was flagged as fraudulent",
            ),
            (
                FailureCode::InvalidAccountNumber,
                "invalid_account_number",
                "the account number is invalid",
            ),
        ];
        for (failure, code, message) in expected {
            assert_eq!(failure.code(), code);
            assert_eq!(failure.message(), message);
            assert_eq!(FailureCode::parse(code), Some(failure));
        }
        assert_eq!(FailureCode::parse(""), None);
        assert_eq!(FailureCode::parse("Insufficient_Fund"), None);
        assert_eq!(FailureCode::parse("unknown"), None);
    }
}
