//! `paylink pay`: a test link paid from the command line, on the server's
//! database while the server runs, read back over the API.

use crate::helpers::{TestApp, db_tests, send};
use reqwest::Method;
use serde_json::Value;
use std::process::Command;

db_tests!(
    pays_a_link_named_by_id_or_payment_uri_as_the_page_does,
    the_test_cards_decide_the_outcome,
    a_link_that_takes_no_payment_is_refused_with_a_reason,
);

/// `paylink pay ARGS…` on the app's database: success, stdout, stderr.
fn pay(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_paylink"))
        .env_remove("PAYLINK_DATABASE_URL")
        .env_remove("PAYLINK_PUBLIC_URL")
        .arg("pay")
        .args(args)
        .args(["--database", &app.database_url])
        .output()
        .expect("paylink runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The charge `paylink pay` printed, checked against the API's answer.
async fn printed_charge(app: &TestApp, stdout: &str) -> Value {
    let mut printed: Value = serde_json::from_str(stdout).expect("the charge as JSON");
    let id = printed["id"].as_str().expect("a charge id").to_owned();
    let mut served = send(app.request(Method::GET, &format!("/charges/{id}"), app.sk()))
        .await
        .assert_ok()
        .clone();
    // The refunds list ends at each answer's own time.
    for charge in [&mut printed, &mut served] {
        charge["refunds"]["to"] = Value::Null;
    }
    assert_eq!(printed, served, "the printed charge is the API's");
    printed
}

async fn pays_a_link_named_by_id_or_payment_uri_as_the_page_does() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let id = link["id"].as_str().unwrap();
    let (ok, stdout, stderr) = pay(&app, &[id, "--public-url", &app.base]);
    assert!(ok, "{stderr}");
    let charge = printed_charge(&app, &stdout).await;
    assert_eq!(charge["status"], "successful");
    assert_eq!(charge["link"], link["id"]);
    assert_eq!(charge["amount"], 100000);
    assert_eq!(charge["card"]["name"], "Test Payer");
    assert_eq!(charge["card"]["last_digits"], "4242");
    assert!(stderr.contains("is successful"), "{stderr}");

    // By payment_uri: the server's address comes from it.
    let uri = link["payment_uri"].as_str().unwrap();
    let (ok, stdout, stderr) = pay(&app, &[uri, "--name", "Somchai Jaidee"]);
    assert!(ok, "{stderr}");
    let charge = printed_charge(&app, &stdout).await;
    assert_eq!(charge["card"]["name"], "Somchai Jaidee");

    // Both payments are the link's, as the server reads it at once.
    let charges = app.get(&format!("/links/{id}/charges")).await;
    assert_eq!(charges.assert_ok()["total"], 2);
    // The older shape on request.
    let (ok, stdout, _) = pay(&app, &[id, "--legacy"]);
    assert!(ok);
    let legacy: Value = serde_json::from_str(&stdout).unwrap();
    assert!(legacy.get("created").is_some() && legacy.get("created_at").is_none());
}

async fn the_test_cards_decide_the_outcome() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let id = link["id"].as_str().unwrap();

    let (ok, stdout, stderr) = pay(&app, &[id, "--card", "4111111111140011"]);
    assert!(ok, "a failed charge is still a charge: {stderr}");
    let charge = printed_charge(&app, &stdout).await;
    assert_eq!(charge["status"], "failed");
    assert_eq!(charge["failure_code"], "insufficient_fund");
    assert!(stderr.contains("insufficient_fund"), "{stderr}");

    let (ok, stdout, stderr) = pay(
        &app,
        &[id, "--card", "4000000000003220", "--public-url", &app.base],
    );
    assert!(ok, "{stderr}");
    let charge = printed_charge(&app, &stdout).await;
    assert_eq!(charge["status"], "pending");
    let authorize = charge["authorize_uri"].as_str().unwrap();
    assert!(authorize.starts_with(&app.base), "{authorize}");
    assert!(stderr.contains(authorize), "{stderr}");
    // The printed address is the test bank's.
    let bank = app.client.get(authorize).send().await.unwrap();
    assert_eq!(bank.status(), 200);

    // American Express prints four digits, and gets them by default.
    let (ok, stdout, stderr) = pay(&app, &[id, "--card", "378282246310005"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        printed_charge(&app, &stdout).await["card"]["brand"],
        "American Express"
    );

    // A card the page would refuse is refused, field by field, and no
    // charge is made.
    let (ok, stdout, stderr) = pay(
        &app,
        &[id, "--card", "4242424242424241", "--expiry", "01/2001"],
    );
    assert!(!ok && stdout.is_empty());
    assert!(
        stderr.contains("number is invalid") && stderr.contains("in the past"),
        "{stderr}"
    );
    let charges = app.get(&format!("/links/{id}/charges")).await;
    assert_eq!(charges.assert_ok()["total"], 3);
}

async fn a_link_that_takes_no_payment_is_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let once = app.thb_link(false).await;
    let id = once["id"].as_str().unwrap();
    let (ok, _, stderr) = pay(&app, &[id]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = pay(&app, &[id]);
    assert!(!ok && stdout.is_empty());
    assert!(stderr.contains("paid already"), "{stderr}");

    let gone = app.thb_link(true).await;
    let gone_id = gone["id"].as_str().unwrap();
    send(app.request(Method::DELETE, &format!("/links/{gone_id}"), app.sk()))
        .await
        .assert_ok();
    let (ok, _, stderr) = pay(&app, &[gone_id]);
    assert!(!ok && stderr.contains("deleted"), "{stderr}");

    let live = app
        .create_link_with(
            &app.keys.secret_key_live,
            serde_json::json!({"amount": 100000, "currency": "THB", "title": "t", "description": "d"}),
        )
        .await;
    let (ok, _, stderr) = pay(&app, &[live["id"].as_str().unwrap()]);
    assert!(!ok && stderr.contains("test links only"), "{stderr}");

    let (ok, _, stderr) = pay(&app, &["link_test_nothere000000000"]);
    assert!(!ok && stderr.contains("no link"), "{stderr}");
    let (ok, _, stderr) = pay(&app, &["chrg_test_x"]);
    assert!(!ok && stderr.contains("neither a link id"), "{stderr}");
}
