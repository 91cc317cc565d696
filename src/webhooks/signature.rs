//! The signature on each delivery: lowercase hex HMAC-SHA256 of
//! `"<unix seconds>.<raw body>"`, keyed with the base64-decoded secret.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The `Omise-Signature` value: one signature per secret, comma-separated
/// (two during the day after a secret is rolled).
pub fn sign(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|secret| {
            let key = base64::engine::general_purpose::STANDARD
                .decode(secret)
                .ok()?;
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            let digest = mac.finalize().into_bytes();
            Some(
                digest
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>(),
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = base64::engine::general_purpose::STANDARD.encode(b"Jefe");
        let hex = sign(&[&key], 0, b"");
        assert_eq!(hex.len(), 64);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let rfc: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            rfc,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // The signed text is "<timestamp>.<body>".
        let signed = sign(&[&key], 1_700_000_000, b"{}");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.{}");
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(signed, expected);
        let two = sign(&[&key, &key], 1, b"x");
        assert_eq!(two.split(',').count(), 2);
    }
}
