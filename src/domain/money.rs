//! Currencies, checked amounts and human-readable formatting.
//!
//! Every amount is an integer count of the currency's smallest unit (satang,
//! cents, yen, ...). Floats never appear here: they cannot represent most
//! decimal fractions exactly, and money must round-trip without drift.

use std::fmt;

/// A supported ISO 4217 currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    /// Thai baht.
    Thb,
    /// Japanese yen.
    Jpy,
    /// Singapore dollar.
    Sgd,
    /// Malaysian ringgit.
    Myr,
    /// United States dollar.
    Usd,
    /// Euro.
    Eur,
    /// Pound sterling.
    Gbp,
    /// Australian dollar.
    Aud,
    /// Canadian dollar.
    Cad,
    /// Swiss franc.
    Chf,
    /// Chinese yuan.
    Cny,
    /// Danish krone.
    Dkk,
    /// Hong Kong dollar.
    Hkd,
    /// Indonesian rupiah.
    Idr,
}

/// The error returned when a currency code is not one we support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    /// The code is unknown or not accepted by this server.
    #[error("currency is not supported")]
    Unsupported,
}

/// The error returned when an amount falls outside its currency's bounds.
///
/// The bound is expressed in the smallest unit, the same unit the client
/// sent, and then as people write it in the currency: `2000 (฿20.00)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The amount is below the currency's minimum.
    #[error("amount must be at least {min} ({}) in the smallest unit of {}",
        currency.format(*min, Locale::En), currency.code())]
    TooSmall {
        /// Smallest accepted amount, in minor units.
        min: i64,
        currency: Currency,
    },
    /// The amount is above the currency's maximum.
    #[error("amount must be at most {max} ({}) in the smallest unit of {}",
        currency.format(*max, Locale::En), currency.code())]
    TooLarge {
        /// Largest accepted amount, in minor units.
        max: i64,
        currency: Currency,
    },
}

/// The language in which an amount is shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// English.
    En,
    /// Thai.
    Th,
    /// Japanese.
    Ja,
}

/// An amount in minor units, already checked against its currency's bounds.
///
/// The field is private so that the only way to obtain one is
/// [`Currency::check_amount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(i64);

impl Amount {
    /// The amount in the currency's smallest unit.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl Currency {
    /// Every supported currency, in declaration order.
    pub const ALL: [Currency; 14] = [
        Currency::Thb,
        Currency::Jpy,
        Currency::Sgd,
        Currency::Myr,
        Currency::Usd,
        Currency::Eur,
        Currency::Gbp,
        Currency::Aud,
        Currency::Cad,
        Currency::Chf,
        Currency::Cny,
        Currency::Dkk,
        Currency::Hkd,
        Currency::Idr,
    ];

    /// Parses a three-letter code in any letter case ("thb", "THB", "Thb").
    ///
    /// Surrounding whitespace is rejected rather than trimmed, so that what is
    /// stored is exactly what was validated.
    pub fn parse(s: &str) -> Result<Currency, CurrencyError> {
        Self::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(s))
            .ok_or(CurrencyError::Unsupported)
    }

    /// The upper-case ISO 4217 code, e.g. `"THB"`.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Thb => "THB",
            Currency::Jpy => "JPY",
            Currency::Sgd => "SGD",
            Currency::Myr => "MYR",
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Aud => "AUD",
            Currency::Cad => "CAD",
            Currency::Chf => "CHF",
            Currency::Cny => "CNY",
            Currency::Dkk => "DKK",
            Currency::Hkd => "HKD",
            Currency::Idr => "IDR",
        }
    }

    /// The lower-case ISO 4217 code, e.g. `"thb"`, as the API returns it.
    pub fn code_lower(self) -> &'static str {
        match self {
            Currency::Thb => "thb",
            Currency::Jpy => "jpy",
            Currency::Sgd => "sgd",
            Currency::Myr => "myr",
            Currency::Usd => "usd",
            Currency::Eur => "eur",
            Currency::Gbp => "gbp",
            Currency::Aud => "aud",
            Currency::Cad => "cad",
            Currency::Chf => "chf",
            Currency::Cny => "cny",
            Currency::Dkk => "dkk",
            Currency::Hkd => "hkd",
            Currency::Idr => "idr",
        }
    }

    /// Number of minor-unit digits: 0 for JPY, 2 for every other currency.
    ///
    /// IDR has no coins below one rupiah in practice, but the payment API
    /// still counts it in hundredths, so it keeps two digits here.
    pub fn exponent(self) -> u32 {
        match self {
            Currency::Jpy => 0,
            _ => 2,
        }
    }

    /// Inclusive amount bounds `(min, max)` in the smallest unit.
    pub fn bounds(self) -> (i64, i64) {
        match self {
            Currency::Thb => (2_000, 15_000_000),
            Currency::Jpy => (100, 6_000_000),
            Currency::Sgd => (100, 2_000_000),
            Currency::Myr => (100, 10_000_000),
            Currency::Usd
            | Currency::Eur
            | Currency::Gbp
            | Currency::Aud
            | Currency::Cad
            | Currency::Chf
            | Currency::Cny
            | Currency::Dkk
            | Currency::Hkd => (100, 10_000_000),
            Currency::Idr => (1_000_000, 100_000_000_000),
        }
    }

    /// Checks an amount against [`Currency::bounds`], both ends inclusive.
    pub fn check_amount(self, amount: i64) -> Result<Amount, AmountError> {
        let (min, max) = self.bounds();
        if amount < min {
            Err(AmountError::TooSmall {
                min,
                currency: self,
            })
        } else if amount > max {
            Err(AmountError::TooLarge {
                max,
                currency: self,
            })
        } else {
            Ok(Amount(amount))
        }
    }

    /// An amount typed in the main unit as people write it (`1,000.50`,
    /// `฿1000`, `1 000`), in minor units: at most as many decimals as the
    /// currency has; the bounds are checked by [`Currency::check_amount`].
    pub fn parse_main_unit(self, typed: &str) -> Result<i64, String> {
        let cleaned: String = typed
            .trim()
            .trim_start_matches(self.symbol(Locale::En).trim())
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '_'))
            .collect();
        let (major, minor) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let exponent = self.exponent() as usize;
        if !digits(major) || !(minor.is_empty() || digits(minor)) {
            return Err(format!("{:?} is not an amount", typed.trim()));
        }
        if minor.len() > exponent {
            return Err(match exponent {
                0 => format!("{} has no decimals", self.code()),
                n => format!("{} has at most {n} decimals", self.code()),
            });
        }
        let scale = 10_i64.pow(self.exponent());
        let padded = format!("{minor:0<exponent$}");
        let minor: i64 = if padded.is_empty() {
            0
        } else {
            padded.parse().unwrap_or(0)
        };
        major
            .parse::<i64>()
            .ok()
            .and_then(|major| major.checked_mul(scale))
            .and_then(|major| major.checked_add(minor))
            .ok_or_else(|| format!("{:?} is too large", typed.trim()))
    }

    /// Formats an amount for people: symbol, grouped major units, then the
    /// minor digits, e.g. `฿1,000.00` or `¥1,000`.
    ///
    /// Every locale currently renders the same way (Thai readers also write
    /// `฿1,000.00`, Japanese readers `¥1,000`); the parameter exists so that
    /// localisation can be added without changing callers.
    ///
    /// Amounts are validated positive before they reach this point, but a
    /// negative one is still rendered (with a leading `-`) rather than
    /// panicking, since a formatting helper is no place to fail a request.
    pub fn format(self, amount: i64, locale: Locale) -> String {
        let symbol = self.symbol(locale);
        // `unsigned_abs` keeps i64::MIN representable, which `abs` would not.
        let magnitude = amount.unsigned_abs();
        let scale = 10_u64.pow(self.exponent());
        let major = magnitude / scale;
        let minor = magnitude % scale;

        let mut out = String::new();
        if amount < 0 {
            out.push('-');
        }
        out.push_str(symbol);
        out.push_str(&group_thousands(major));
        if self.exponent() > 0 {
            out.push('.');
            let width = self.exponent() as usize;
            out.push_str(&format!("{minor:0width$}"));
        }
        out
    }

    /// The prefix printed before the number, including any trailing space
    /// for currencies written as a code rather than a sign.
    fn symbol(self, locale: Locale) -> &'static str {
        // Every locale shares one table for now (see `format`); matching
        // exhaustively makes adding a locale a compile error here, so the
        // table gets revisited rather than silently reused.
        match locale {
            Locale::En | Locale::Th | Locale::Ja => {}
        }
        match self {
            Currency::Thb => "฿",
            Currency::Jpy => "¥",
            Currency::Sgd => "S$",
            Currency::Myr => "RM",
            Currency::Usd => "$",
            Currency::Eur => "€",
            Currency::Gbp => "£",
            Currency::Aud => "A$",
            Currency::Cad => "CA$",
            Currency::Chf => "CHF ",
            Currency::Cny => "CN¥",
            Currency::Dkk => "DKK ",
            Currency::Hkd => "HK$",
            Currency::Idr => "Rp",
        }
    }
}

impl fmt::Display for Currency {
    /// Displays the upper-case ISO 4217 code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The message for an amount that is not an integer (`12.50`): amounts
/// count the currency's smallest unit, shown on an example in `currency`,
/// or in THB when the currency is not known.
pub fn not_an_integer(name: &str, currency: Option<Currency>) -> String {
    const EXAMPLE: u64 = 1250;
    let shown = currency.unwrap_or(Currency::Thb);
    let scale = 10_u64.pow(shown.exponent());
    let width = shown.exponent() as usize;
    let major = match width {
        0 => format!("{EXAMPLE}"),
        _ => format!("{}.{:0width$}", EXAMPLE / scale, EXAMPLE % scale),
    };
    let code = shown.code();
    let example = match (currency, width) {
        (None, _) => format!("for example {EXAMPLE} for {major} {code}"),
        (Some(_), 0) => format!("{code} has no smaller unit: {EXAMPLE} for {major} {code}"),
        (Some(_), _) => format!("{EXAMPLE} for {major} {code}"),
    };
    format!("{name} must be an integer in the currency's smallest unit ({example})")
}

/// Renders `n` with a comma between each group of three digits.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_typed_in_the_main_unit() {
        assert_eq!(Currency::Thb.parse_main_unit("1,000.50"), Ok(100050));
        assert_eq!(Currency::Thb.parse_main_unit(" ฿1000 "), Ok(100000));
        assert_eq!(Currency::Thb.parse_main_unit("20.5"), Ok(2050));
        assert_eq!(Currency::Jpy.parse_main_unit("1,000"), Ok(1000));
        assert!(
            Currency::Jpy
                .parse_main_unit("10.5")
                .unwrap_err()
                .contains("no decimals")
        );
        assert!(
            Currency::Thb
                .parse_main_unit("1.234")
                .unwrap_err()
                .contains("2 decimals")
        );
        for bad in [
            "",
            "abc",
            "1.2.3",
            "-5",
            "1e3",
            ".5",
            "99999999999999999999",
        ] {
            assert!(Currency::Thb.parse_main_unit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fractional_amount_is_told_the_smallest_unit() {
        assert_eq!(
            not_an_integer("amount", Some(Currency::Thb)),
            "amount must be an integer in the currency's smallest unit (1250 for 12.50 THB)"
        );
        assert_eq!(
            not_an_integer("amount", Some(Currency::Usd)),
            "amount must be an integer in the currency's smallest unit (1250 for 12.50 USD)"
        );
        assert_eq!(
            not_an_integer("amount", Some(Currency::Jpy)),
            "amount must be an integer in the currency's smallest unit \
             (JPY has no smaller unit: 1250 for 1250 JPY)"
        );
        assert_eq!(
            not_an_integer("amount", None),
            "amount must be an integer in the currency's smallest unit \
             (for example 1250 for 12.50 THB)"
        );
    }

    #[test]
    fn parse_is_case_insensitive() {
        assert_eq!(Currency::parse("thb"), Ok(Currency::Thb));
        assert_eq!(Currency::parse("THB"), Ok(Currency::Thb));
        assert_eq!(Currency::parse("Thb"), Ok(Currency::Thb));
        assert_eq!(Currency::parse("tHb"), Ok(Currency::Thb));
        assert_eq!(Currency::parse("jpy"), Ok(Currency::Jpy));
        assert_eq!(Currency::parse("IDR"), Ok(Currency::Idr));
    }

    #[test]
    fn parse_round_trips_every_currency() {
        for c in Currency::ALL {
            assert_eq!(Currency::parse(c.code()), Ok(c));
            assert_eq!(Currency::parse(c.code_lower()), Ok(c));
            assert_eq!(c.code().to_ascii_lowercase(), c.code_lower());
        }
    }

    #[test]
    fn parse_rejects_unknown_and_padded_codes() {
        assert_eq!(Currency::parse("xyz"), Err(CurrencyError::Unsupported));
        assert_eq!(Currency::parse(""), Err(CurrencyError::Unsupported));
        assert_eq!(Currency::parse(" thb"), Err(CurrencyError::Unsupported));
        assert_eq!(Currency::parse("thb "), Err(CurrencyError::Unsupported));
        assert_eq!(Currency::parse("thbb"), Err(CurrencyError::Unsupported));
        assert_eq!(Currency::parse("th"), Err(CurrencyError::Unsupported));
        assert_eq!(
            CurrencyError::Unsupported.to_string(),
            "currency is not supported"
        );
    }

    #[test]
    fn codes_and_display() {
        assert_eq!(Currency::Thb.code(), "THB");
        assert_eq!(Currency::Thb.code_lower(), "thb");
        assert_eq!(Currency::Hkd.code(), "HKD");
        assert_eq!(Currency::Hkd.code_lower(), "hkd");
        assert_eq!(Currency::Usd.to_string(), "USD");
    }

    #[test]
    fn exponents() {
        assert_eq!(Currency::Jpy.exponent(), 0);
        assert_eq!(Currency::Idr.exponent(), 2);
        assert_eq!(Currency::Thb.exponent(), 2);
        assert_eq!(Currency::Usd.exponent(), 2);
    }

    #[test]
    fn bounds_table() {
        assert_eq!(Currency::Thb.bounds(), (2_000, 15_000_000));
        assert_eq!(Currency::Jpy.bounds(), (100, 6_000_000));
        assert_eq!(Currency::Sgd.bounds(), (100, 2_000_000));
        assert_eq!(Currency::Myr.bounds(), (100, 10_000_000));
        for c in [
            Currency::Usd,
            Currency::Eur,
            Currency::Gbp,
            Currency::Aud,
            Currency::Cad,
            Currency::Chf,
            Currency::Cny,
            Currency::Dkk,
            Currency::Hkd,
        ] {
            assert_eq!(c.bounds(), (100, 10_000_000), "{c}");
        }
        assert_eq!(Currency::Idr.bounds(), (1_000_000, 100_000_000_000));
    }

    /// Checks min-1, min, max and max+1 for one currency.
    fn assert_edges(c: Currency, min: i64, max: i64) {
        assert_eq!(
            c.check_amount(min - 1),
            Err(AmountError::TooSmall { min, currency: c }),
            "{c}"
        );
        assert_eq!(c.check_amount(min).map(Amount::get), Ok(min), "{c}");
        assert_eq!(c.check_amount(max).map(Amount::get), Ok(max), "{c}");
        assert_eq!(
            c.check_amount(max + 1),
            Err(AmountError::TooLarge { max, currency: c }),
            "{c}"
        );
    }

    #[test]
    fn amount_edges() {
        assert_edges(Currency::Thb, 2_000, 15_000_000);
        assert_edges(Currency::Jpy, 100, 6_000_000);
        assert_edges(Currency::Sgd, 100, 2_000_000);
        assert_edges(Currency::Myr, 100, 10_000_000);
        assert_edges(Currency::Usd, 100, 10_000_000);
        assert_edges(Currency::Chf, 100, 10_000_000);
        assert_edges(Currency::Idr, 1_000_000, 100_000_000_000);
    }

    #[test]
    fn amount_extremes_do_not_overflow() {
        assert_eq!(
            Currency::Thb.check_amount(i64::MIN),
            Err(AmountError::TooSmall {
                min: 2_000,
                currency: Currency::Thb
            })
        );
        assert_eq!(
            Currency::Thb.check_amount(i64::MAX),
            Err(AmountError::TooLarge {
                max: 15_000_000,
                currency: Currency::Thb
            })
        );
        assert_eq!(
            Currency::Usd.check_amount(0),
            Err(AmountError::TooSmall {
                min: 100,
                currency: Currency::Usd
            })
        );
        assert_eq!(
            Currency::Usd.check_amount(-500),
            Err(AmountError::TooSmall {
                min: 100,
                currency: Currency::Usd
            })
        );
    }

    #[test]
    fn amount_error_messages() {
        assert_eq!(
            Currency::Thb.check_amount(1_999).unwrap_err().to_string(),
            "amount must be at least 2000 (฿20.00) in the smallest unit of THB"
        );
        assert_eq!(
            Currency::Thb
                .check_amount(15_000_001)
                .unwrap_err()
                .to_string(),
            "amount must be at most 15000000 (฿150,000.00) in the smallest unit of THB"
        );
        assert_eq!(
            Currency::Jpy.check_amount(99).unwrap_err().to_string(),
            "amount must be at least 100 (¥100) in the smallest unit of JPY"
        );
    }

    #[test]
    fn format_examples_en() {
        let en = Locale::En;
        assert_eq!(Currency::Thb.format(100_000, en), "฿1,000.00");
        assert_eq!(Currency::Jpy.format(1_000, en), "¥1,000");
        assert_eq!(Currency::Sgd.format(2_000, en), "S$20.00");
        assert_eq!(Currency::Usd.format(123_456, en), "$1,234.56");
        assert_eq!(Currency::Eur.format(500, en), "€5.00");
        assert_eq!(Currency::Gbp.format(1_200, en), "£12.00");
        assert_eq!(Currency::Aud.format(1_200, en), "A$12.00");
        assert_eq!(Currency::Cad.format(1_200, en), "CA$12.00");
        assert_eq!(Currency::Chf.format(1_200, en), "CHF 12.00");
        assert_eq!(Currency::Cny.format(1_200, en), "CN¥12.00");
        assert_eq!(Currency::Dkk.format(1_200, en), "DKK 12.00");
        assert_eq!(Currency::Hkd.format(1_200, en), "HK$12.00");
        assert_eq!(Currency::Myr.format(1_200, en), "RM12.00");
        assert_eq!(Currency::Idr.format(1_000_000, en), "Rp10,000.00");
    }

    #[test]
    fn format_pads_minor_digits_and_groups() {
        let en = Locale::En;
        assert_eq!(Currency::Usd.format(0, en), "$0.00");
        assert_eq!(Currency::Usd.format(5, en), "$0.05");
        assert_eq!(Currency::Usd.format(50, en), "$0.50");
        assert_eq!(Currency::Usd.format(99_999, en), "$999.99");
        assert_eq!(Currency::Usd.format(100_000_000, en), "$1,000,000.00");
        assert_eq!(Currency::Jpy.format(999, en), "¥999");
        assert_eq!(Currency::Jpy.format(6_000_000, en), "¥6,000,000");
        assert_eq!(Currency::Thb.format(15_000_000, en), "฿150,000.00");
        assert_eq!(
            Currency::Idr.format(100_000_000_000, en),
            "Rp1,000,000,000.00"
        );
    }

    #[test]
    fn format_negative_and_extremes_do_not_panic() {
        let en = Locale::En;
        assert_eq!(Currency::Thb.format(-100_000, en), "-฿1,000.00");
        assert_eq!(Currency::Jpy.format(-1, en), "-¥1");
        assert_eq!(
            Currency::Usd.format(i64::MAX, en),
            "$92,233,720,368,547,758.07"
        );
        assert_eq!(
            Currency::Jpy.format(i64::MAX, en),
            "¥9,223,372,036,854,775,807"
        );
        assert_eq!(
            Currency::Usd.format(i64::MIN, en),
            "-$92,233,720,368,547,758.08"
        );
    }

    /// Documents that the locale does not yet change the output: Thai and
    /// Japanese readers use the same symbols and grouping as English here.
    /// When localisation is added, this test is the one to update.
    #[test]
    fn format_is_currently_locale_independent() {
        for c in Currency::ALL {
            for amount in [0, 5, 1_000, 123_456, 100_000_000] {
                let en = c.format(amount, Locale::En);
                assert_eq!(c.format(amount, Locale::Th), en, "{c} {amount}");
                assert_eq!(c.format(amount, Locale::Ja), en, "{c} {amount}");
            }
        }
        assert_eq!(Currency::Thb.format(100_000, Locale::Th), "฿1,000.00");
        assert_eq!(Currency::Jpy.format(1_000, Locale::Ja), "¥1,000");
        assert_eq!(Currency::Usd.format(123_456, Locale::Ja), "$1,234.56");
    }

    #[test]
    fn grouping_helper() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(12), "12");
        assert_eq!(group_thousands(123), "123");
        assert_eq!(group_thousands(1_234), "1,234");
        assert_eq!(group_thousands(123_456), "123,456");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(u64::MAX), "18,446,744,073,709,551,615");
    }
}
