//! Events: every change worth telling a merchant, and their webhooks.

use super::Mode;
use super::charge::Charge;
use super::link::Link;
use super::list::Micros;
use super::refund::Refund;

/// What happened. Adding a kind of event is one variant and one line in
/// `as_str`; the store writes it in the transaction of the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKey {
    LinkCreate,
    ChargeCreate,
    ChargeComplete,
    RefundCreate,
}

impl EventKey {
    pub const ALL: [EventKey; 4] = [
        EventKey::LinkCreate,
        EventKey::ChargeCreate,
        EventKey::ChargeComplete,
        EventKey::RefundCreate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKey::LinkCreate => "link.create",
            EventKey::ChargeCreate => "charge.create",
            EventKey::ChargeComplete => "charge.complete",
            EventKey::RefundCreate => "refund.create",
        }
    }

    /// The kind of object the event's data is: `link` for `link.create`.
    pub fn object(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or_default()
    }

    pub fn parse(raw: &str) -> Option<EventKey> {
        EventKey::ALL.into_iter().find(|key| key.as_str() == raw)
    }
}

/// The object an event tells of, as it was when the event happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventData {
    Link(Link),
    Charge(Box<Charge>),
    Refund(Box<Refund>),
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub account_id: String,
    pub mode: Mode,
    pub key: EventKey,
    pub data: EventData,
    pub created_at: Micros,
}

/// One attempt to deliver an event to a webhook URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: String,
    pub event_id: String,
    pub uri: String,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Why the attempt failed, in a few words; `None` on a 2xx.
    pub error: Option<String>,
    pub created_at: Micros,
    /// How long the attempt took, from sending to the end of reading the
    /// answer (or to the failure); `None` if nothing was sent. Shown on the
    /// dashboard only, never in the API's object.
    pub duration_micros: Option<Micros>,
    /// The start of the receiver's answer: at most `ANSWER_KEPT_BYTES`,
    /// cut at a character boundary, invalid UTF-8 replaced; `None` if it
    /// did not answer. Shown on the dashboard only.
    pub response_body: Option<String>,
}

/// How much of a receiver's answer a delivery keeps: 2 KiB.
pub const ANSWER_KEPT_BYTES: usize = 2048;

/// The start of a receiver's answer as a delivery keeps it: at most
/// `ANSWER_KEPT_BYTES` bytes of UTF-8, never a character cut in two,
/// invalid sequences replaced.
pub fn kept_answer(read: &[u8]) -> String {
    let mut end = read.len().min(ANSWER_KEPT_BYTES);
    if end < read.len() {
        // Cut where a character starts: at most three continuation bytes
        // back (further back, the bytes are not UTF-8 anyway).
        end = (end.saturating_sub(3)..=end)
            .rev()
            .find(|&i| read[i] & 0xC0 != 0x80)
            .unwrap_or(end);
    }
    let mut kept = String::from_utf8_lossy(&read[..end]).into_owned();
    // Replacement characters are longer than the bytes they replace.
    if kept.len() > ANSWER_KEPT_BYTES {
        let mut cut = ANSWER_KEPT_BYTES;
        while !kept.is_char_boundary(cut) {
            cut -= 1;
        }
        kept.truncate(cut);
    }
    kept
}

/// A fresh webhook secret: 32 random bytes, base64-encoded.
pub fn new_webhook_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A webhook URI as given: an absolute `http` or `https` URL with a host.
pub fn parse_webhook_uri(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    // A URL parser drops control characters at the ends and encodes them
    // inside: a URI typed with one is refused, not quietly changed.
    if raw.chars().any(char::is_control) {
        return Err("webhook_uri must not contain control characters".to_owned());
    }
    let url =
        url::Url::parse(raw).map_err(|e| format!("webhook_uri {raw:?} is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "webhook_uri must be an http or https URL, not {:?}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("webhook_uri {raw:?} has no host"));
    }
    Ok(url.to_string())
}

/// The delay before attempt `attempt + 1`, after `attempt` attempts failed:
/// `base · 2^(attempt-1)`, with `jitter` in `[0, 1)` spreading it by ±25 %
/// so that receivers coming back are not hit by every retry at once.
pub fn retry_delay(base_micros: i64, attempt: u32, jitter: f64) -> Micros {
    let doublings = attempt.saturating_sub(1).min(40);
    let delay = base_micros.saturating_mul(1i64 << doublings.min(62));
    let spread = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
    (delay as f64 * spread) as Micros
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_uris() {
        assert_eq!(
            parse_webhook_uri(" https://shop.example/hooks?x=1 ").unwrap(),
            "https://shop.example/hooks?x=1"
        );
        assert!(parse_webhook_uri("http://127.0.0.1:9000").is_ok());
        for bad in [
            "ftp://x/y",
            "shop.example/hooks",
            "javascript:alert(1)",
            "http://",
            "",
            "https://shop.example/\0",
            "https://shop.example/\u{7}hooks",
        ] {
            assert!(parse_webhook_uri(bad).is_err(), "{bad}");
        }
        let secret = new_webhook_secret();
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&secret)
            .unwrap();
        assert_eq!(bytes.len(), 32);
        assert_ne!(secret, new_webhook_secret());
    }

    #[test]
    fn answers_are_kept_to_2_kib_at_a_character_boundary() {
        assert_eq!(kept_answer(b"ok"), "ok");
        assert_eq!(kept_answer(b""), "");
        let long = "a".repeat(5000);
        assert_eq!(kept_answer(long.as_bytes()).len(), ANSWER_KEPT_BYTES);
        // A three-byte character straddling the limit is left out whole.
        let straddling = format!("{}€tail", "a".repeat(ANSWER_KEPT_BYTES - 1));
        let kept = kept_answer(straddling.as_bytes());
        assert_eq!(kept, "a".repeat(ANSWER_KEPT_BYTES - 1));
        // Thai text, three bytes a character, is cut between characters.
        let thai = "ก".repeat(1000);
        let kept = kept_answer(thai.as_bytes());
        assert!(kept.len() <= ANSWER_KEPT_BYTES && kept.len() > ANSWER_KEPT_BYTES - 3);
        assert!(kept.chars().all(|c| c == 'ก'));
        // Invalid bytes are replaced, and the result still fits.
        let kept = kept_answer(&[0xff; 3000]);
        assert!(kept.len() <= ANSWER_KEPT_BYTES);
        assert!(kept.chars().all(|c| c == char::REPLACEMENT_CHARACTER));
    }

    #[test]
    fn keys_round_trip() {
        for key in EventKey::ALL {
            assert_eq!(EventKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(EventKey::parse("charge.capture"), None);
    }

    #[test]
    fn retries_back_off_exponentially_for_about_three_days() {
        let base = 30 * 1_000_000;
        assert_eq!(retry_delay(base, 1, 0.5), base);
        assert_eq!(retry_delay(base, 2, 0.5), 2 * base);
        assert_eq!(retry_delay(base, 4, 0.5), 8 * base);
        assert_eq!(retry_delay(base, 1, 0.0), base * 3 / 4);
        assert!(retry_delay(base, 1, 0.999) < base * 5 / 4);
        // The default schedule: 14 attempts, 13 waits, about three days.
        let total: i64 = (1..14).map(|n| retry_delay(base, n, 0.5)).sum();
        let days = total as f64 / 86_400e6;
        assert!((2.5..3.5).contains(&days), "{days}");
        assert!(retry_delay(base, 200, 1.0) > 0, "no overflow");
    }
}
