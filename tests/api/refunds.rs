//! Refunds over HTTP: partial and full, never more than the charge, however
//! many are made at once; listed, retrieved, isolated, and told as events.

use crate::helpers::{TestApp, db_tests, send};
use paylink::accounts::create_account;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::task::JoinSet;

async fn refund(app: &TestApp, charge: &str, body: Value) -> crate::helpers::Reply {
    send(
        app.request(
            Method::POST,
            &format!("/charges/{charge}/refunds"),
            app.sk(),
        )
        .json(&body),
    )
    .await
}

async fn partial_then_full_refunds() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;

    let first = refund(
        &app,
        &charge,
        json!({"amount": 30000, "metadata": {"order": "A-1"}}),
    )
    .await;
    let first = first.assert_ok().clone();
    let id = first["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("rfnd_test_"), "{id}");
    assert_eq!(first["object"], "refund");
    assert_eq!(first["amount"], 30000);
    assert_eq!(first["currency"], "THB");
    assert_eq!(first["charge"], charge.as_str());
    assert_eq!(first["status"], "closed");
    assert_eq!(first["voided"], false);
    assert_eq!(first["transaction"], Value::Null);
    assert_eq!(first["metadata"], json!({"order": "A-1"}));
    assert_eq!(first["funding_amount"], 30000);
    assert_eq!(first["location"], format!("/charges/{charge}/refunds/{id}"));

    let shown = app.get(&format!("/charges/{charge}")).await;
    let shown = shown.assert_ok();
    assert_eq!(shown["refunded_amount"], 30000);
    assert_eq!(shown["refundable"], true);
    assert_eq!(shown["partially_refundable"], true);
    assert_eq!(shown["refunds"]["total"], 1);
    assert_eq!(shown["refunds"]["data"][0], first);

    // The rest, as a form body with php-style metadata.
    let rest = send(
        app.request(
            Method::POST,
            &format!("/charges/{charge}/refunds"),
            app.sk(),
        )
        .form(&[("amount", "70000"), ("metadata[reason]", "returned")]),
    )
    .await;
    let rest = rest.assert_ok().clone();
    assert_eq!(rest["metadata"], json!({"reason": "returned"}));
    let shown = app.get(&format!("/charges/{charge}")).await;
    assert_eq!(shown.assert_ok()["refunded_amount"], 100000);
    assert_eq!(shown.body["refundable"], false);
    assert_eq!(shown.body["refunds"]["total"], 2);
    // Nothing is left.
    let more = refund(&app, &charge, json!({"amount": 1})).await;
    more.assert_error(400, "failed_refund");
    assert!(
        more.body["message"]
            .as_str()
            .unwrap()
            .contains("fully refunded")
    );

    let listed = app.get(&format!("/charges/{charge}/refunds")).await;
    let listed = listed.assert_ok();
    assert_eq!(listed["total"], 2);
    assert_eq!(listed["location"], format!("/charges/{charge}/refunds"));
    assert_eq!(listed["data"][0], first);
    assert_eq!(listed["data"][1], rest);
    let reverse = app
        .get(&format!(
            "/charges/{charge}/refunds?order=reverse_chronological&limit=1"
        ))
        .await;
    assert_eq!(reverse.assert_ok()["data"][0], rest);
    let one = app.get(&format!("/charges/{charge}/refunds/{id}")).await;
    assert_eq!(one.assert_ok(), &first);
    let all = app.get("/refunds").await;
    assert_eq!(all.assert_ok()["total"], 2);
    assert_eq!(all.body["location"], "/refunds");

    // Each refund is an event of its charge.
    let events = app.get(&format!("/charges/{charge}/events")).await;
    let keys: Vec<&str> = events.assert_ok()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["charge.create", "refund.create", "refund.create"]);
    assert_eq!(events.body["data"][1]["data"], first);

    // The older shape.
    let legacy = send(
        app.request(Method::GET, &format!("/charges/{charge}"), app.sk())
            .header("Omise-Version", "2015-11-17"),
    )
    .await;
    let legacy = legacy.assert_ok();
    assert_eq!(legacy["refunded"], 100000);
    assert!(legacy.get("refunded_amount").is_none());
    assert!(legacy["refunds"]["data"][0]["created"].is_string());
    assert_eq!(legacy["refunds"]["data"][0]["currency"], "thb");
}

async fn refunds_that_cannot_be_made() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let declined = app.pay_ok(&link, "4111111111140011").await;
    let reply = refund(&app, &declined, json!({"amount": 1000})).await;
    reply.assert_error(400, "failed_refund");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("not successful")
    );
    let paid = app.pay_ok(&link, "4242424242424242").await;
    let reply = refund(&app, &paid, json!({"amount": 100001})).await;
    reply.assert_error(400, "failed_refund");
    assert!(reply.body["message"].as_str().unwrap().contains("(100000)"));
    for bad in [
        json!({}),
        json!({"amount": 0}),
        json!({"amount": -5}),
        json!({"amount": "ten"}),
        json!({"amount": 100, "metadata": "x"}),
        json!({"amount": i64::MAX}),
    ] {
        let reply = refund(&app, &paid, bad.clone()).await;
        reply.assert_error(400, "bad_request");
    }
    let shown = app.get(&format!("/charges/{paid}")).await;
    assert_eq!(shown.assert_ok()["refunded_amount"], 0, "nothing was taken");
}

async fn refunds_are_isolated() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let other_charge = app.pay_ok(&link, "4242424242424242").await;
    let made = refund(&app, &charge, json!({"amount": 1000})).await;
    let id = made.assert_ok()["id"].as_str().unwrap().to_owned();
    let other = create_account(app.store.as_ref()).await.unwrap();
    for key in [&other.secret_key_test, &app.keys.secret_key_live] {
        let reply = send(
            app.request(Method::POST, &format!("/charges/{charge}/refunds"), key)
                .json(&json!({"amount": 1000})),
        )
        .await;
        reply.assert_error(404, "not_found");
        let reply =
            send(app.request(Method::GET, &format!("/charges/{charge}/refunds/{id}"), key)).await;
        reply.assert_error(404, "not_found");
        let all = send(app.request(Method::GET, "/refunds", key)).await;
        assert_eq!(all.assert_ok()["total"], 0);
    }
    // A refund asked for under another charge of the same account.
    let wrong = app
        .get(&format!("/charges/{other_charge}/refunds/{id}"))
        .await;
    wrong.assert_error(404, "not_found");
    assert_eq!(wrong.body["message"], format!("refund {id} was not found"));
    app.get(&format!("/charges/{charge}/refunds/nope"))
        .await
        .assert_error(404, "not_found");
    app.get("/charges/chrg_test_nope/refunds")
        .await
        .assert_error(404, "not_found");
    let public = send(app.request(Method::GET, "/refunds", app.pk())).await;
    public.assert_error(401, "authentication_failure");
    let shown = app.get(&format!("/charges/{charge}")).await;
    assert_eq!(shown.assert_ok()["refunded_amount"], 1000);
}

/// 32 refunds of ฿100 race for a ฿1,000 charge: exactly ten are made.
async fn racing_refunds_never_exceed_the_charge() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(32));
    let mut racers = JoinSet::new();
    for _ in 0..32 {
        let request = app
            .request(
                Method::POST,
                &format!("/charges/{charge}/refunds"),
                app.sk(),
            )
            .json(&json!({"amount": 10000}));
        let barrier = barrier.clone();
        racers.spawn(async move {
            barrier.wait().await;
            let reply = send(request).await;
            (
                reply.status.as_u16(),
                reply.body["code"].as_str().map(str::to_owned),
            )
        });
    }
    let outcomes = racers.join_all().await;
    let made = outcomes.iter().filter(|(s, _)| *s == 200).count();
    let refused = outcomes
        .iter()
        .filter(|(s, c)| *s == 400 && c.as_deref() == Some("failed_refund"))
        .count();
    assert_eq!((made, refused), (10, 22), "{outcomes:?}");
    let shown = app.get(&format!("/charges/{charge}")).await;
    assert_eq!(shown.assert_ok()["refunded_amount"], 100000);
    assert_eq!(shown.body["refunds"]["total"], 10);
    let listed = app
        .get(&format!("/charges/{charge}/refunds?limit=100"))
        .await;
    assert_eq!(listed.assert_ok()["data"].as_array().unwrap().len(), 10);
}

db_tests!(
    partial_then_full_refunds,
    refunds_that_cannot_be_made,
    refunds_are_isolated,
    racing_refunds_never_exceed_the_charge,
);
