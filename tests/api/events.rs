//! Events over HTTP: one per change, written with it, isolated, paginated.

use crate::helpers::{TestApp, db_tests, send};
use paylink::accounts::create_account;
use reqwest::Method;
use serde_json::{Value, json};

/// A copy without the fields that name the time of reading.
fn without(mut value: Value, fields: &[&str]) -> Value {
    for field in fields {
        value.as_object_mut().unwrap().remove(*field);
    }
    value
}

async fn every_change_has_its_event_with_the_object_as_it_was() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let link_id = link["id"].as_str().unwrap();
    let failed = app.pay_ok(&link, "4111111111140011").await;
    let paid = app.pay_ok(&link, "4242424242424242").await;

    let events = app.get("/events").await;
    let body = events.assert_ok();
    assert_eq!(body["object"], "list");
    assert_eq!(body["location"], "/events");
    assert_eq!(body["total"], 3);
    let keys: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["link.create", "charge.create", "charge.create"]);

    let created = &body["data"][0];
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("evnt_test_"), "{id}");
    assert_eq!(created["object"], "event");
    assert_eq!(created["livemode"], false);
    assert_eq!(created["location"], format!("/events/{id}"));
    assert!(created["created_at"].is_string());
    assert_eq!(created["webhook_deliveries"], json!([]));
    // The link as it was: unused, no charges yet, though it has two now.
    assert_eq!(created["data"]["id"], link_id);
    assert_eq!(created["data"]["object"], "link");
    assert_eq!(created["data"]["used"], false);
    assert_eq!(created["data"]["charges"]["total"], 0);
    assert_eq!(
        without(created["data"].clone(), &["charges", "used", "used_at"]),
        without(link.clone(), &["charges", "used", "used_at"])
    );
    let now_used = app.get(&format!("/links/{link_id}")).await;
    assert_eq!(now_used.assert_ok()["used"], true);

    for (event, charge_id) in [(&body["data"][1], &failed), (&body["data"][2], &paid)] {
        let charge = app.get(&format!("/charges/{charge_id}")).await;
        assert_eq!(
            without(event["data"].clone(), &["refunds"]),
            without(charge.assert_ok().clone(), &["refunds"])
        );
    }
    assert_eq!(body["data"][1]["data"]["status"], "failed");
    assert_eq!(body["data"][1]["data"]["failure_code"], "insufficient_fund");
    assert_eq!(body["data"][2]["data"]["status"], "successful");

    // One event by id, and a charge's own events.
    let one = app.get(&format!("/events/{id}")).await;
    assert_eq!(one.assert_ok(), created);
    let of_charge = app.get(&format!("/charges/{paid}/events")).await;
    let of_charge = of_charge.assert_ok();
    assert_eq!(of_charge["total"], 1);
    assert_eq!(of_charge["location"], format!("/charges/{paid}/events"));
    assert_eq!(of_charge["data"][0], body["data"][2]);
}

async fn a_refused_payment_leaves_no_event() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    app.pay_ok(&link, "4242424242424242").await;
    let before = app.get("/events").await.assert_ok()["total"].clone();
    // The link is used: the payment rolls back, and so does its event.
    let token = app.token("4242424242424242").await;
    assert_eq!(app.pay(&link, &token).await.status().as_u16(), 409);
    // A token used twice: refused too.
    let other = app.thb_link(true).await;
    let token = app.token("4242424242424242").await;
    assert_eq!(app.pay(&other, &token).await.status().as_u16(), 303);
    assert_ne!(app.pay(&other, &token).await.status().as_u16(), 303);
    let after = app.get("/events").await.assert_ok()["total"].clone();
    // Only the second link's creation and its one charge were added.
    assert_eq!(after.as_u64().unwrap(), before.as_u64().unwrap() + 2);
}

async fn events_are_isolated_by_account_and_mode() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let event = app.get("/events").await.assert_ok()["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = create_account(app.store.as_ref()).await.unwrap();
    for key in [&other.secret_key_test, &app.keys.secret_key_live] {
        let reply = send(app.request(Method::GET, &format!("/events/{event}"), key)).await;
        reply.assert_error(404, "not_found");
        assert_eq!(
            reply.body["message"],
            format!("event {event} was not found")
        );
        let reply = send(app.request(Method::GET, &format!("/charges/{charge}/events"), key)).await;
        reply.assert_error(404, "not_found");
        let list = send(app.request(Method::GET, "/events", key)).await;
        assert_eq!(list.assert_ok()["total"], 0);
    }
    for bad in ["evnt_test_", "nope", "evnt_test_UPPER", "link_test_abc"] {
        let reply = app.get(&format!("/events/{bad}")).await;
        reply.assert_error(404, "not_found");
    }
    let public = send(app.request(Method::GET, "/events", app.pk())).await;
    public.assert_error(401, "authentication_failure");
    let missing = app.get("/events/evnt_test_0000000000000000000").await;
    missing.assert_error(404, "not_found");
}

async fn events_paginate_and_take_both_shapes() {
    let app = TestApp::spawn().await;
    let mut ids = vec![];
    for _ in 0..5 {
        ids.push(app.thb_link(true).await["id"].as_str().unwrap().to_owned());
    }
    let page = app.get("/events?limit=2&offset=1").await;
    let page = page.assert_ok();
    assert_eq!(page["total"], 5);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 1);
    let data: Vec<&Value> = page["data"].as_array().unwrap().iter().collect();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["data"]["id"], ids[1].as_str());
    assert_eq!(data[1]["data"]["id"], ids[2].as_str());
    let reverse = app.get("/events?order=reverse_chronological&limit=1").await;
    assert_eq!(
        reverse.assert_ok()["data"][0]["data"]["id"],
        ids[4].as_str()
    );
    let past = app.get("/events?offset=5").await;
    assert_eq!(past.assert_ok()["data"], json!([]));
    // Python and go send list parameters as a JSON body on GET.
    let json_body = send(
        app.request(Method::GET, "/events/", app.sk())
            .json(&json!({"limit": 3, "offset": 0, "order": null, "from": null, "to": null})),
    )
    .await;
    assert_eq!(json_body.assert_ok()["data"].as_array().unwrap().len(), 3);
    app.get("/events?limit=0")
        .await
        .assert_error(400, "bad_request");
    app.get("/events?from=yesterday")
        .await
        .assert_error(400, "invalid_date_format");

    // The older shape: `created`, here and in the data; the account's own
    // version decides the data's shape, whatever the request says.
    let legacy = send(
        app.request(Method::GET, "/events?limit=1", app.sk())
            .header("Omise-Version", "2015-11-17"),
    )
    .await;
    let event = &legacy.assert_ok()["data"][0];
    assert!(event["created"].is_string() && event.get("created_at").is_none());
    assert_eq!(event["data"]["currency"], "THB");
    let patched = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("api_version", "2015-11-17")]),
    )
    .await;
    assert_eq!(patched.assert_ok()["api_version"], "2015-11-17");
    let current = app.get("/events?limit=1").await;
    let event = &current.assert_ok()["data"][0];
    assert!(event["created_at"].is_string());
    assert_eq!(event["data"]["currency"], "thb");
    assert!(event["data"]["created"].is_string());
}

async fn the_account_takes_a_webhook_uri() {
    let app = TestApp::spawn().await;
    let account = app.get("/account").await;
    let account = account.assert_ok();
    assert_eq!(account["object"], "account");
    assert_eq!(account["id"], app.keys.account_id.as_str());
    assert_eq!(account["location"], "/account");
    assert_eq!(account["webhook_uri"], Value::Null);
    assert_eq!(account["api_version"], "2019-05-29");
    let set = send(
        app.request(Method::PATCH, "/account", app.sk())
            .json(&json!({"webhook_uri": "https://shop.example/hooks"})),
    )
    .await;
    assert_eq!(set.assert_ok()["webhook_uri"], "https://shop.example/hooks");
    // The live mode has its own.
    let live = send(app.request(Method::GET, "/account", &app.keys.secret_key_live)).await;
    assert_eq!(live.assert_ok()["webhook_uri"], Value::Null);
    assert_eq!(live.body["livemode"], true);
    for bad in ["ftp://shop.example/x", "shop.example/hooks", "not a url"] {
        let reply = send(
            app.request(Method::PATCH, "/account", app.sk())
                .form(&[("webhook_uri", bad)]),
        )
        .await;
        reply.assert_error(400, "bad_request");
    }
    let reply = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("api_version", "2020-01-01")]),
    )
    .await;
    reply.assert_error(400, "bad_request");
    let off = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("webhook_uri", "")]),
    )
    .await;
    assert_eq!(off.assert_ok()["webhook_uri"], Value::Null);
    let public = send(app.request(Method::PATCH, "/account", app.pk())).await;
    public.assert_error(401, "authentication_failure");
}

db_tests!(
    every_change_has_its_event_with_the_object_as_it_was,
    a_refused_payment_leaves_no_event,
    events_are_isolated_by_account_and_mode,
    events_paginate_and_take_both_shapes,
    the_account_takes_a_webhook_uri,
);

/// `GET /capability` with either key: the card, its brands and currencies.
#[tokio::test]
async fn capability_answers_either_key() {
    let app = TestApp::spawn().await;
    for key in [app.sk(), app.pk()] {
        let reply = send(app.request(Method::GET, "/capability", key)).await;
        let body = reply.assert_ok();
        assert_eq!(body["object"], "capability");
        assert_eq!(body["country"], "TH");
        assert_eq!(body["banks"], json!([]));
        assert_eq!(body["tokenization_methods"], json!([]));
        assert_eq!(body["zero_interest_installments"], false);
        assert_eq!(
            body["limits"]["charge_amount"],
            json!({"min": 2000, "max": 15000000})
        );
        let card = &body["payment_methods"][0];
        assert_eq!(card["name"], "card");
        assert!(
            card["currencies"]
                .as_array()
                .unwrap()
                .contains(&json!("THB"))
        );
        assert!(
            card["card_brands"]
                .as_array()
                .unwrap()
                .contains(&json!("Visa"))
        );
    }
    let none = send(app.client.get(app.url("/capability"))).await;
    none.assert_error(401, "authentication_failure");
}
