//! Marks the tests that need a service this machine lacks (PostgreSQL,
//! Chromium) as ignored, with the reason, so that `cargo test` lists them
//! as ignored and counts them in its summary instead of passing them in
//! silence (each says why: `ignored, needs PostgreSQL: …`). Under CI
//! nothing is ignored: a missing service fails the run.

use std::path::Path;

/// `CI` set to anything but empty, `0`, `false` or `no`; the test suite's
/// `helpers::in_ci` applies the same rule.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no"
        )
    })
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(paylink_no_postgres)");
    println!("cargo::rustc-check-cfg=cfg(paylink_no_browser)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=PAYLINK_TEST_POSTGRES_URL");
    // Installing Chromium changes the directory.
    println!("cargo::rerun-if-changed=/usr/bin");
    if in_ci() {
        return;
    }
    if !std::env::var("PAYLINK_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=paylink_no_postgres");
    }
    let missing: Vec<&str> = ["/usr/bin/chromium", "/usr/bin/chromedriver"]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if !missing.is_empty() {
        println!("cargo::rustc-cfg=paylink_no_browser");
    }
}
