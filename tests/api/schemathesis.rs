//! schemathesis, pinned from PyPI, fuzzes the OpenAPI document paylink
//! serves against paylink itself, with every check on: server errors,
//! response schemas, status codes, content types and headers. The document
//! must also be exactly what `tools/openapi.py` writes.
//!
//! `tests/schemathesis/hooks.py` drops only generated requests that break a
//! rule JSON Schema cannot state (a `from` later than its `to`), and the
//! answers the contract itself calls for that a generic check reads as
//! failures (a deleted link stays retrievable; a refund over what is left
//! is 400 `failed_refund`): see that file.

use crate::clients::{run, venv};
use crate::helpers::{TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Examples per operation: enough to find what the checks find, few enough
/// that the runs take about a minute.
const MAX_EXAMPLES: &str = "40";

/// The virtual environment's schemathesis, installed as pinned.
fn schemathesis() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        venv(
            "schemathesis",
            &Path::new(ROOT).join("tests/schemathesis/requirements.txt"),
            "the pinned schemathesis",
        )
        .join("schemathesis")
    })
}

/// One schemathesis run against the served document with `key`, over the
/// operations whose path matches `paths`.
async fn fuzz(app: &TestApp, key: &str, paths: &str, what: &str) {
    let mut command = Command::new(schemathesis());
    for proxy in ["http_proxy", "https_proxy", "all_proxy"] {
        command
            .env_remove(proxy)
            .env_remove(proxy.to_ascii_uppercase());
    }
    let reports = tempfile::tempdir().expect("temp dir");
    let basic = base64_basic(key);
    command
        .current_dir(reports.path())
        .env("PYTHONPATH", Path::new(ROOT).join("tests/schemathesis"))
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("NO_COLOR", "1")
        .arg("run")
        .arg(app.url("/openapi.json"))
        .args(["--checks", "all", "--max-examples", MAX_EXAMPLES])
        .args(["--seed", "20261121", "--workers", "1"])
        .args(["--request-timeout", "30"])
        .arg("--header")
        .arg(format!("Authorization: Basic {basic}"))
        .args(["--include-path-regex", paths]);
    let outcome = tokio::task::spawn_blocking(move || run(command, Duration::from_secs(900)))
        .await
        .expect("schemathesis runner");
    assert!(
        outcome.success,
        "schemathesis found failures {what}: {}\n{}",
        outcome.summary, outcome.output
    );
    println!("{}", outcome.output);
}

fn base64_basic(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
}

/// Links, charges of each outcome, a refund and a deleted link, so that
/// the operations on them have something to find.
async fn seed(app: &TestApp) {
    let link = app.thb_link(true).await;
    let paid = app.pay_ok(&link, "4242424242424242").await;
    app.pay_ok(&link, "4242424242424242").await;
    let declined = app.token("4111111111140011").await;
    assert_eq!(app.pay(&link, &declined).await.status(), 303);
    let pending = app.token("4000000000003220").await;
    assert_eq!(app.pay(&link, &pending).await.status(), 303);
    send(
        app.request(Method::POST, &format!("/charges/{paid}/refunds"), app.sk())
            .json(&json!({"amount": 1000})),
    )
    .await
    .assert_ok();
    let gone = app.thb_link(false).await;
    let id = gone["id"].as_str().unwrap();
    send(app.request(Method::DELETE, &format!("/links/{id}"), app.sk()))
        .await
        .assert_ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure_in_the_served_api() {
    let app = TestApp::spawn_with(|c| {
        // Generated webhook URIs name hosts that do not exist.
        c.webhooks.webhook_timeout = Duration::from_millis(500);
    })
    .await;
    seed(&app).await;
    // Everything the secret test key reaches, paylink's own routes too,
    // but the reset, which deletes what the others use: it runs last.
    fuzz(
        &app,
        app.sk(),
        "^/(links|charges|refunds|events|search|account|capability|healthz|openapi\\.json|metrics)",
        "with the secret test key",
    )
    .await;
    // Tokens take the public key, and the capability either key.
    fuzz(
        &app,
        app.pk(),
        "^/(tokens|capability)",
        "with the public test key",
    )
    .await;
    // A live key is refused the reset: 403.
    let live = app.keys.secret_key_live.clone();
    fuzz(&app, &live, "^/_paylink/", "with the secret live key").await;
    fuzz(&app, app.sk(), "^/_paylink/", "on the reset").await;
}

#[test]
fn the_document_is_what_its_generator_writes() {
    let mut command = Command::new("python3");
    command.arg(Path::new(ROOT).join("tools/openapi.py"));
    let outcome = run(command, Duration::from_secs(60));
    assert!(
        outcome.success,
        "tools/openapi.py failed: {}\n{}",
        outcome.summary, outcome.output
    );
    let written = outcome
        .output
        .strip_prefix("--- stdout\n")
        .and_then(|out| out.split("--- stderr\n").next())
        .expect("the generator's output");
    let written: Value = serde_json::from_str(written).expect("the generator writes JSON");
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("src/api/openapi.json")).unwrap(),
    )
    .unwrap();
    assert!(
        written == file,
        "src/api/openapi.json differs from what tools/openapi.py writes: \
         run `python3 tools/openapi.py > src/api/openapi.json`"
    );
}
