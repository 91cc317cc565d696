//! 3-D Secure in test mode: a pending charge, the test bank, completion by
//! the payer, by the API or by time, and a single-use link that takes one
//! payment in flight and one success ever.

use crate::helpers::{TestApp, db_tests, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;
use tokio::task::JoinSet;

const VISA_3DS: &str = "4000000000003220";
const MASTERCARD_3DS: &str = "5200000000003225";

/// Pays a link's page with a token; the redirect's target.
async fn pay_to(app: &TestApp, link: &Value, number: &str) -> (StatusCode, String) {
    let token = app.token(number).await;
    let response = app.pay(link, &token).await;
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location)
}

async fn page(app: &TestApp, path_or_url: &str) -> (StatusCode, String) {
    let url = if path_or_url.starts_with("http") {
        path_or_url.to_owned()
    } else {
        app.url(path_or_url)
    };
    let response = app.client.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Answers the test bank's page for a charge.
async fn bank_answers(app: &TestApp, charge: &str, action: &str) -> String {
    let response = app
        .client
        .post(app.url(&format!("/authorize/{charge}")))
        .form(&[("action", action)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn event_keys(events: &Value) -> Vec<String> {
    events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_payer_authenticates_at_the_test_bank() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let id = link["id"].as_str().unwrap();
    let (status, location) = pay_to(&app, &link, VISA_3DS).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let charge_id = location
        .strip_prefix("/authorize/")
        .expect(&location)
        .to_owned();

    let charge = app.get(&format!("/charges/{charge_id}")).await;
    let charge = charge.assert_ok().clone();
    assert_eq!(charge["status"], "pending");
    assert_eq!(charge["authorized"], false);
    assert_eq!(charge["paid"], false);
    assert_eq!(charge["paid_at"], Value::Null);
    assert_eq!(
        charge["authorize_uri"],
        app.url(&format!("/authorize/{charge_id}"))
    );
    let code = link["payment_uri"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let return_uri = app.url(&format!("/pay/{code}/complete?charge={charge_id}"));
    assert_eq!(charge["return_uri"], return_uri.as_str());
    assert_eq!(charge["refundable"], false);

    // One payment in flight: the link says so and takes no other.
    let shown = app.get(&format!("/links/{id}")).await;
    assert_eq!(shown.assert_ok()["used"], false);
    let (status, html) = page(&app, link["payment_uri"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("A payment is in progress"), "{html}");
    let (status, _) = pay_to(&app, &link, "4242424242424242").await;
    assert_eq!(status, StatusCode::CONFLICT);
    // The outcome page, meanwhile, sends the payer back to the bank.
    let (status, html) = page(&app, &return_uri).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(html.contains(&format!("/authorize/{charge_id}")));

    let (status, html) = page(&app, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Test bank"), "{html}");
    assert!(html.contains("Authenticate") && html.contains("Fail"));
    assert!(
        html.contains("<form method=\"post\""),
        "plain forms: no script needed"
    );
    let back = bank_answers(&app, &charge_id, "authenticate").await;
    assert_eq!(app.url(&back), return_uri);
    let (status, html) = page(&app, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Payment successful"), "{html}");

    let charge = app.get(&format!("/charges/{charge_id}")).await;
    let charge = charge.assert_ok();
    assert_eq!(charge["status"], "successful");
    assert_eq!(
        (charge["paid"].clone(), charge["authorized"].clone()),
        (true.into(), true.into())
    );
    assert!(charge["paid_at"].is_string());
    let shown = app.get(&format!("/links/{id}")).await;
    assert_eq!(shown.assert_ok()["used"], true);
    // A second answer changes nothing: the bank page now shows the outcome.
    let again = bank_answers(&app, &charge_id, "fail").await;
    assert_eq!(app.url(&again), return_uri);
    let charge = app.get(&format!("/charges/{charge_id}")).await;
    assert_eq!(charge.assert_ok()["status"], "successful");

    let events = app.get(&format!("/charges/{charge_id}/events")).await;
    let events = events.assert_ok();
    assert_eq!(event_keys(events), ["charge.create", "charge.complete"]);
    assert_eq!(events["data"][0]["data"]["status"], "pending");
    assert_eq!(events["data"][1]["data"]["status"], "successful");
}

async fn failed_authentication_frees_the_link() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let (_, location) = pay_to(&app, &link, MASTERCARD_3DS).await;
    let charge_id = location.strip_prefix("/authorize/").unwrap().to_owned();
    let back = bank_answers(&app, &charge_id, "fail").await;
    let (status, html) = page(&app, &back).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert!(html.contains("could not confirm that it is you"), "{html}");
    let charge = app.get(&format!("/charges/{charge_id}")).await;
    let charge = charge.assert_ok();
    assert_eq!(charge["status"], "failed");
    assert_eq!(charge["failure_code"], "failed_processing");
    assert!(
        charge["failure_message"]
            .as_str()
            .unwrap()
            .contains("authentication failed")
    );
    // The next payer may pay.
    let (status, location) = pay_to(&app, &link, "4242424242424242").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("/complete?charge="), "{location}");
    let reply = app
        .get(&format!("/links/{}", link["id"].as_str().unwrap()))
        .await;
    assert_eq!(reply.assert_ok()["used"], true);
    assert_eq!(reply.body["charges"]["total"], 2);
}

async fn tests_mark_charges_paid_or_failed() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let (_, first) = pay_to(&app, &link, VISA_3DS).await;
    let (_, second) = pay_to(&app, &link, MASTERCARD_3DS).await;
    let (first, second) = (
        first.strip_prefix("/authorize/").unwrap().to_owned(),
        second.strip_prefix("/authorize/").unwrap().to_owned(),
    );
    let mark = |id: &str, what: &str, key: &str| {
        send(app.request(Method::POST, &format!("/charges/{id}/{what}"), key))
    };
    // Not with a public key, nor in live mode.
    mark(&first, "mark_as_paid", app.pk())
        .await
        .assert_error(401, "authentication_failure");
    mark(&first, "mark_as_paid", &app.keys.secret_key_live)
        .await
        .assert_error(404, "not_found");
    let paid = mark(&first, "mark_as_paid", app.sk()).await;
    assert_eq!(paid.assert_ok()["status"], "successful");
    assert_eq!(paid.body["id"], first.as_str());
    let again = mark(&first, "mark_as_failed", app.sk()).await;
    again.assert_error(400, "bad_request");
    assert!(
        again.body["message"]
            .as_str()
            .unwrap()
            .contains("not pending")
    );
    let failed = mark(&second, "mark_as_failed", app.sk()).await;
    assert_eq!(failed.assert_ok()["status"], "failed");
    assert_eq!(failed.body["failure_code"], "failed_processing");
    // A charge decided at once is not pending either.
    let plain = app.pay_ok(&link, "4242424242424242").await;
    mark(&plain, "mark_as_paid", app.sk())
        .await
        .assert_error(400, "bad_request");
    mark("chrg_test_nope", "mark_as_paid", app.sk())
        .await
        .assert_error(404, "not_found");
    // Each completion is an event.
    let events = app.get(&format!("/charges/{second}/events")).await;
    assert_eq!(
        event_keys(events.assert_ok()),
        ["charge.create", "charge.complete"]
    );
    // The refund of a 3-D Secure charge, once paid.
    let refund = send(
        app.request(Method::POST, &format!("/charges/{first}/refunds"), app.sk())
            .json(&serde_json::json!({"amount": 100000})),
    )
    .await;
    refund.assert_ok();
}

async fn an_abandoned_payment_expires() {
    let app = TestApp::spawn_with(|config| {
        config.authorize_timeout = Duration::from_millis(300);
    })
    .await;
    let link = app.thb_link(false).await;
    let (_, location) = pay_to(&app, &link, VISA_3DS).await;
    let charge_id = location.strip_prefix("/authorize/").unwrap().to_owned();
    let mut charge = Value::Null;
    for _ in 0..100 {
        charge = app.get(&format!("/charges/{charge_id}")).await.body;
        if charge["status"] != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(charge["status"], "expired", "{charge}");
    assert_eq!(charge["expired"], true);
    assert!(charge["expired_at"].is_string());
    assert_eq!(charge["paid"], false);
    let events = app.get(&format!("/charges/{charge_id}/events")).await;
    assert_eq!(
        event_keys(events.assert_ok()),
        ["charge.create", "charge.complete"]
    );
    // The bank page now sends the payer to the outcome; the link takes
    // payments again.
    let response = app.client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let outcome = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, html) = page(&app, &outcome).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This payment expired"), "{html}");
    let (status, _) = pay_to(&app, &link, "4242424242424242").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// 32 payers press pay at once with a 3-D Secure card on a single-use link:
/// one goes to the bank, the rest are told a payment is in progress; the
/// one authenticates, and there is exactly one successful charge.
async fn thirty_two_payers_one_in_flight_one_success() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let mut tokens = vec![];
    for _ in 0..32 {
        tokens.push(app.token(VISA_3DS).await);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(tokens.len()));
    let mut payers = JoinSet::new();
    for token in tokens {
        let request = app
            .client
            .post(link["payment_uri"].as_str().unwrap())
            .form(&[("token", token)]);
        let barrier = barrier.clone();
        payers.spawn(async move {
            barrier.wait().await;
            let response = request.send().await.unwrap();
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (response.status().as_u16(), location)
        });
    }
    let outcomes = payers.join_all().await;
    let winners: Vec<&String> = outcomes
        .iter()
        .filter(|(s, _)| *s == 303)
        .filter_map(|(_, l)| l.as_ref())
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|(s, _)| *s == 409).count(),
        31,
        "{outcomes:?}"
    );
    let charge_id = winners[0].strip_prefix("/authorize/").unwrap().to_owned();
    bank_answers(&app, &charge_id, "authenticate").await;
    let id = link["id"].as_str().unwrap();
    let charges = app.get(&format!("/links/{id}/charges")).await;
    let charges = charges.assert_ok();
    assert_eq!(charges["total"], 1);
    assert_eq!(charges["data"][0]["status"], "successful");
    let (status, _) = pay_to(&app, &link, VISA_3DS).await;
    assert_eq!(status, StatusCode::CONFLICT, "used now");
}

db_tests!(
    the_payer_authenticates_at_the_test_bank,
    failed_authentication_frees_the_link,
    tests_mark_charges_paid_or_failed,
    an_abandoned_payment_expires,
    thirty_two_payers_one_in_flight_one_success,
);
