//! Tokens, the payment page, charges and the single-use race.

use crate::helpers::{TestApp, card_fields, send};
use reqwest::Method;
use serde_json::{Value, json};

async fn tokens_hold_no_card_secrets_and_are_readable_with_either_key() {
    let app = TestApp::spawn().await;
    let reply = send(
        app.request(Method::POST, "/tokens", app.pk())
            .json(&json!({"card": card_fields("378282246310005")})),
    )
    .await;
    let token = reply.assert_ok().clone();
    assert!(token["id"].as_str().unwrap().starts_with("tokn_test_"));
    assert_eq!(token["object"], "token");
    assert_eq!(token["livemode"], false);
    assert_eq!(token["used"], false);
    assert_eq!(
        token["location"],
        format!("/tokens/{}", token["id"].as_str().unwrap())
    );
    let card = &token["card"];
    assert_eq!(card["brand"], "American Express");
    assert_eq!(card["last_digits"], "0005");
    assert_eq!(card["name"], "Test Cardholder");
    assert_eq!(card["expiration_month"], 12);
    assert_eq!(card["expiration_year"], 2040);
    assert_eq!(card["financing"], "credit");
    assert!(card["fingerprint"].as_str().is_some_and(|f| !f.is_empty()));
    assert!(card["country"].is_string());
    assert!(!reply.text.contains("378282246310005"));
    assert!(!reply.text.contains("\"1234\""));
    let id = token["id"].as_str().unwrap();
    for key in [app.pk(), app.sk()] {
        let read = send(app.request(Method::GET, &format!("/tokens/{id}"), key)).await;
        assert_eq!(read.assert_ok(), &token);
    }
    send(app.request(
        Method::GET,
        &format!("/tokens/{id}"),
        &app.keys.public_key_live,
    ))
    .await
    .assert_error(404, "not_found");
    // The same card has the same fingerprint.
    let again = send(
        app.request(Method::POST, "/tokens", app.pk())
            .json(&json!({"card": card_fields("378282246310005")})),
    )
    .await;
    assert_eq!(again.body["card"]["fingerprint"], card["fingerprint"]);
}

/// Posts a token for this card as JSON; the reply.
async fn tokenize(app: &TestApp, card: Value) -> crate::helpers::Reply {
    send(
        app.request(Method::POST, "/tokens", app.pk())
            .json(&json!({"card": card})),
    )
    .await
}

/// `card_fields(number)` with its security code replaced, or removed for
/// `None`.
fn with_code(number: &str, code: Option<Value>) -> Value {
    let mut card = card_fields(number);
    match code {
        Some(code) => card["security_code"] = code,
        None => {
            card.as_object_mut().unwrap().remove("security_code");
        }
    }
    card
}

async fn a_card_without_a_security_code_is_tokenized_unchecked() {
    let app = TestApp::spawn().await;
    // Absent, empty (as omise-go sends a card without one), null and blank.
    let none = [
        None,
        Some(json!("")),
        Some(json!(null)),
        Some(json!(" \t ")),
    ];
    for number in ["4242424242424242", "378282246310005"] {
        for code in none.clone() {
            let reply = tokenize(&app, with_code(number, code.clone())).await;
            let token = reply.assert_ok().clone();
            assert_eq!(token["card"]["security_code_check"], false, "{code:?}");
            assert_eq!(token["card"]["last_digits"], number[number.len() - 4..]);
            let id = token["id"].as_str().unwrap();
            let read = send(app.request(Method::GET, &format!("/tokens/{id}"), app.sk())).await;
            assert_eq!(read.assert_ok(), &token);
        }
    }
    // In a form body too, as ruby and php send it.
    let form = send(
        app.request(Method::POST, "/tokens", app.pk())
            .body(
                "card[name]=A&card[number]=4242424242424242&card[expiration_month]=12\
                 &card[expiration_year]=2040&card[security_code]=",
            )
            .header("content-type", "application/x-www-form-urlencoded"),
    )
    .await;
    assert_eq!(form.assert_ok()["card"]["security_code_check"], false);
    // A code that is given is checked.
    for (number, code) in [
        ("4242424242424242", json!("123")),
        ("4242424242424242", json!(123)),
        ("378282246310005", json!("1234")),
    ] {
        let reply = tokenize(&app, with_code(number, Some(code.clone()))).await;
        assert_eq!(
            reply.assert_ok()["card"]["security_code_check"],
            true,
            "{code}"
        );
    }
    // A code that is given but malformed stays an error.
    for (number, code) in [
        ("4242424242424242", json!("12")),
        ("4242424242424242", json!(12)),
        ("4242424242424242", json!("1234")),
        ("4242424242424242", json!("12a")),
        ("4242424242424242", json!(" 123")),
        ("378282246310005", json!("123")),
    ] {
        let reply = tokenize(&app, with_code(number, Some(code.clone()))).await;
        reply.assert_error(400, "invalid_card");
        assert_eq!(reply.body["message"], "security code is invalid", "{code}");
    }
    // Without a code, the card's other problems are reported as before.
    let mut expired = with_code("4242424242424242", None);
    expired["expiration_year"] = json!(2001);
    let reply = tokenize(&app, expired).await;
    reply.assert_error(400, "invalid_card");
    assert_eq!(
        reply.body["message"],
        "expiration date cannot be in the past"
    );
}

async fn a_token_without_a_security_code_pays_a_link() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let mut charges = vec![];
    for (code, checked) in [
        (None, false),
        (Some(json!("")), false),
        (Some(json!("123")), true),
    ] {
        let reply = tokenize(&app, with_code("4242424242424242", code)).await;
        let token = reply.assert_ok()["id"].as_str().unwrap().to_owned();
        let response = app.pay(&link, &token).await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap();
        let id = location.split("charge=").nth(1).unwrap().to_owned();
        charges.push((id, checked));
    }
    for (id, checked) in &charges {
        for version in ["2019-05-29", "2015-11-17"] {
            let reply = send(
                app.request(Method::GET, &format!("/charges/{id}"), app.sk())
                    .header("Omise-Version", version),
            )
            .await;
            let charge = reply.assert_ok();
            assert_eq!(charge["status"], "successful", "{version}");
            assert_eq!(charge["card"]["security_code_check"], *checked, "{version}");
            let stamp = if version == "2015-11-17" {
                "created"
            } else {
                "created_at"
            };
            assert!(charge["card"][stamp].is_string(), "{version}: {charge}");
        }
        // Its event, the link's list of charges and a search show the same card.
        let events = app.get(&format!("/charges/{id}/events")).await;
        let created = events.assert_ok()["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == "charge.create")
            .unwrap()
            .clone();
        assert_eq!(created["data"]["card"]["security_code_check"], *checked);
    }
    let link_id = link["id"].as_str().unwrap();
    let listed = app.get(&format!("/links/{link_id}/charges")).await;
    for charge in listed.assert_ok()["data"].as_array().unwrap() {
        let (_, checked) = charges
            .iter()
            .find(|(id, _)| charge["id"] == id.as_str())
            .unwrap();
        assert_eq!(charge["card"]["security_code_check"], *checked);
    }
}

async fn tokens_answer_browsers_with_cors() {
    let app = TestApp::spawn().await;
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/tokens"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let reply = send(
        app.request(Method::POST, "/tokens", app.pk())
            .header("origin", "https://shop.example")
            .json(&json!({"card": card_fields("4242424242424242")})),
    )
    .await;
    reply.assert_ok();
    assert_eq!(reply.headers["access-control-allow-origin"], "*");
}

async fn the_payment_page_takes_a_card_and_shows_the_outcome() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let uri = link["payment_uri"].as_str().unwrap();
    let page = app.client.get(uri).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Order-384") && html.contains("฿1,000.00"),
        "{html}"
    );
    assert!(html.contains("autocomplete=\"cc-number\""));

    let invalid = app
        .client
        .post(uri)
        .form(&[
            ("name", "Test Cardholder"),
            ("number", "4242424242424241"),
            ("expiration_month", "12"),
            ("expiration_year", "2040"),
            ("security_code", "123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 400);
    let html = invalid.text().await.unwrap();
    assert!(html.contains("Enter a valid card number."));
    assert!(
        html.contains("value=\"Test Cardholder\""),
        "what was typed is kept"
    );
    assert!(
        !html.contains("4242424242424241"),
        "the number is never echoed"
    );

    let paid = app
        .client
        .post(uri)
        .form(&[
            ("name", "Test Cardholder"),
            ("number", "4242424242424242"),
            ("expiration_month", "12"),
            ("expiration_year", "2040"),
            ("security_code", "123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    let location = paid.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!(
        "/pay/{}/complete?charge=chrg_test_",
        uri.rsplit('/').next().unwrap()
    )));
    let receipt = app.client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(receipt.status(), 200);
    let html = receipt.text().await.unwrap();
    let charge_id = location.split("charge=").nth(1).unwrap();
    assert!(html.contains("Payment successful") && html.contains(charge_id));

    let used = app.client.get(uri).send().await.unwrap();
    assert_eq!(used.status(), 410);
    assert!(used.text().await.unwrap().contains("already been paid"));
    let unknown = app
        .client
        .get(app.url("/pay/ZZZZZZZZZZZZZZZZZZZ"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

async fn test_cards_decide_the_outcome() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let cases = [
        ("4242424242424242", None),
        ("5555555555554444", None),
        ("4111111111140011", Some("insufficient_fund")),
        ("4111111111130012", Some("stolen_or_lost_card")),
        ("4111111111120013", Some("failed_processing")),
        ("4111111111110014", Some("payment_rejected")),
        ("4111111111190016", Some("failed_fraud_check")),
        ("4111111111180017", Some("invalid_account_number")),
    ];
    for (number, failure) in cases {
        let id = app.pay_ok(&link, number).await;
        let charge = app.get(&format!("/charges/{id}")).await;
        let charge = charge.assert_ok();
        assert_eq!(charge["failure_code"], json!(failure), "{number}");
        match failure {
            None => {
                assert_eq!(charge["status"], "successful");
                assert_eq!(charge["paid"], true);
                assert_eq!(charge["paid_at"], charge["created_at"]);
                assert_eq!(charge["failure_message"], Value::Null);
            }
            Some(_) => {
                assert_eq!(charge["status"], "failed");
                assert_eq!(charge["paid"], false);
                assert_eq!(charge["paid_at"], Value::Null);
                assert!(
                    charge["failure_message"]
                        .as_str()
                        .is_some_and(|m| !m.is_empty())
                );
            }
        }
    }
    let declined = app.pay_ok(&link, "4111111111140011").await;
    let code = link["payment_uri"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let page = app
        .client
        .get(app.url(&format!("/pay/{code}/complete?charge={declined}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 402);
    let html = page.text().await.unwrap();
    assert!(html.contains("declined") && html.contains("Try another card"));
}

async fn the_charge_object_has_every_field() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let id = app.pay_ok(&link, "4242424242424242").await;
    let reply = app.get(&format!("/charges/{id}")).await;
    let charge = reply.assert_ok();
    for field in [
        "object",
        "id",
        "livemode",
        "location",
        "amount",
        "currency",
        "description",
        "metadata",
        "status",
        "paid",
        "paid_at",
        "authorized",
        "capturable",
        "capture",
        "captured_amount",
        "authorized_amount",
        "net",
        "fee",
        "fee_vat",
        "refunded_amount",
        "funding_amount",
        "funding_currency",
        "transaction_fees",
        "refunds",
        "link",
        "card",
        "customer",
        "source",
        "schedule",
        "dispute",
        "transaction",
        "failure_code",
        "failure_message",
        "ip",
        "return_uri",
        "authorize_uri",
        "reversed",
        "reversible",
        "refundable",
        "voided",
        "disputable",
        "expired",
        "expires_at",
        "expired_at",
        "reversed_at",
        "zero_interest_installments",
        "created_at",
    ] {
        assert!(charge.get(field).is_some(), "{field} is missing");
    }
    assert_eq!(charge["object"], "charge");
    assert_eq!(charge["location"], format!("/charges/{id}"));
    assert_eq!(charge["amount"], 100000);
    assert_eq!(charge["currency"], "THB");
    assert_eq!(charge["description"], "Order-384\n\nNew Product");
    assert_eq!(charge["metadata"], json!({}));
    assert_eq!(charge["link"], link["id"]);
    assert_eq!(charge["capture"], true);
    assert_eq!(charge["fee"], 3650);
    assert_eq!(charge["fee_vat"], 256);
    assert_eq!(charge["net"], 100000 - 3650 - 256);
    assert_eq!(charge["refunds"]["object"], "list");
    assert_eq!(charge["refunds"]["total"], 0);
    assert_eq!(charge["card"]["last_digits"], "4242");
    assert_eq!(charge["ip"], "127.0.0.1");
    let listed = app.get("/charges").await;
    assert_eq!(listed.body["data"][0]["id"], id.as_str());
}

async fn live_links_take_no_payment_unless_the_simulator_is_enabled() {
    for enabled in [false, true] {
        let app = TestApp::spawn_with(|c| c.live_payments = enabled).await;
        let link = app
            .create_link_with(
                &app.keys.secret_key_live.clone(),
                json!({
                    "amount": 5000, "currency": "THB", "title": "Live", "description": "",
                }),
            )
            .await;
        let uri = link["payment_uri"].as_str().unwrap();
        let page = app.client.get(uri).send().await.unwrap();
        let pay = app
            .client
            .post(uri)
            .form(&[
                ("name", "Test Cardholder"),
                ("number", "4242424242424242"),
                ("expiration_month", "12"),
                ("expiration_year", "2040"),
                ("security_code", "123"),
            ])
            .send()
            .await
            .unwrap();
        let charges = send(app.request(Method::GET, "/charges", &app.keys.secret_key_live)).await;
        if enabled {
            assert_eq!(page.status(), 200);
            assert_eq!(pay.status(), 303);
            assert_eq!(charges.body["total"], 1);
            assert!(
                charges.body["data"][0]["id"]
                    .as_str()
                    .unwrap()
                    .starts_with("chrg_")
            );
            assert_eq!(charges.body["data"][0]["livemode"], true);
        } else {
            assert_eq!(page.status(), 503);
            assert!(page.text().await.unwrap().contains("not available"));
            assert_eq!(pay.status(), 503);
            assert_eq!(charges.body["total"], 0);
        }
    }
}

async fn tokens_of_another_account_or_mode_cannot_pay() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let other = paylink::accounts::create_account(app.store.as_ref())
        .await
        .unwrap();
    let theirs = send(
        app.request(Method::POST, "/tokens", &other.public_key_test)
            .json(&json!({"card": card_fields("4242424242424242")})),
    )
    .await;
    let token = theirs.assert_ok()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.pay(&link, &token).await.status(), 404);
    let total = app
        .get(&format!("/links/{}/charges", link["id"].as_str().unwrap()))
        .await;
    assert_eq!(total.body["total"], 0);
}

async fn many_payers_at_once_make_exactly_one_successful_charge() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let mut tokens = vec![];
    for _ in 0..32 {
        tokens.push(app.token("4242424242424242").await);
    }
    let uri = link["payment_uri"].as_str().unwrap().to_owned();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(tokens.len()));
    let mut payers = vec![];
    for token in tokens {
        let client = app.client.clone();
        let uri = uri.clone();
        let barrier = barrier.clone();
        payers.push(tokio::spawn(async move {
            barrier.wait().await;
            client
                .post(&uri)
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = vec![];
    for payer in payers {
        statuses.push(payer.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        31,
        "{statuses:?}"
    );
    let reply = app
        .get(&format!("/links/{}", link["id"].as_str().unwrap()))
        .await;
    assert_eq!(reply.body["used"], true);
    assert_eq!(reply.body["charges"]["total"], 1);
    assert_eq!(reply.body["charges"]["data"][0]["status"], "successful");
    assert_eq!(app.get("/charges").await.body["total"], 1);
}

/// Payers who make their tokens and pay all at once are written in batches
/// that commit together: each still gets the charge of their own card, and
/// the link's and account's charges are numbered without a gap.
async fn payers_at_once_each_get_the_charge_of_their_own_card() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let cards = [
        ("4242424242424242", "successful", "4242"),
        ("4111111111140011", "failed", "0011"),
        ("5555555555554444", "successful", "4444"),
        ("4111111111130012", "failed", "0012"),
    ];
    let payers = 48;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(payers));
    let mut tasks = vec![];
    for i in 0..payers {
        let (number, _, _) = cards[i % cards.len()];
        let client = app.client.clone();
        let tokens = app.url("/tokens");
        let pk = app.pk().to_owned();
        let uri = link["payment_uri"].as_str().unwrap().to_owned();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let token: Value = client
                .post(tokens)
                .basic_auth(pk, Some(""))
                .json(&json!({"card": card_fields(number)}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let paid = client
                .post(uri)
                .form(&[("token", token["id"].as_str().unwrap())])
                .send()
                .await
                .unwrap();
            assert_eq!(paid.status(), 303);
            let location = paid.headers()["location"].to_str().unwrap().to_owned();
            location.split("charge=").nth(1).unwrap().to_owned()
        }));
    }
    let mut ids = vec![];
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    for (i, id) in ids.iter().enumerate() {
        let (number, status, last_digits) = cards[i % cards.len()];
        let charge = app.get(&format!("/charges/{id}")).await;
        let charge = charge.assert_ok();
        assert_eq!(charge["status"], status, "{number}");
        assert_eq!(charge["card"]["last_digits"], last_digits, "{number}");
    }
    let listed = app
        .get(&format!(
            "/links/{}/charges?limit=100&order=chronological",
            link["id"].as_str().unwrap()
        ))
        .await;
    let listed = listed.assert_ok();
    assert_eq!(listed["total"], payers);
    let mut listed_ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    listed_ids.sort_unstable();
    let mut paid_ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    paid_ids.sort_unstable();
    assert_eq!(listed_ids, paid_ids);
    assert_eq!(app.get("/charges").await.body["total"], payers);
    let events = app.get("/events?limit=100").await;
    let created = events.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["key"] == "charge.create")
        .count();
    assert_eq!(created, payers);
}

crate::helpers::db_tests!(
    tokens_hold_no_card_secrets_and_are_readable_with_either_key,
    tokens_answer_browsers_with_cors,
    a_card_without_a_security_code_is_tokenized_unchecked,
    a_token_without_a_security_code_pays_a_link,
    the_payment_page_takes_a_card_and_shows_the_outcome,
    test_cards_decide_the_outcome,
    the_charge_object_has_every_field,
    live_links_take_no_payment_unless_the_simulator_is_enabled,
    tokens_of_another_account_or_mode_cannot_pay,
    many_payers_at_once_make_exactly_one_successful_charge,
    payers_at_once_each_get_the_charge_of_their_own_card,
);
