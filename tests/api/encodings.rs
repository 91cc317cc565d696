//! Every request encoding the official clients use.

use crate::helpers::{TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

async fn form_bodies_as_ruby_and_php_send_them() {
    let app = TestApp::spawn().await;
    let form = "amount=5000&currency=thb&title=Order+%E0%B8%BF&description=New+Product&multiple=1";
    let reply = send(
        app.request(Method::POST, "/links", app.sk())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await;
    let link = reply.assert_ok();
    assert_eq!(link["title"], "Order ฿");
    assert_eq!(link["multiple"], true, "php sends booleans as 1");
    for (value, expected) in [("0", false), ("true", true), ("false", false)] {
        let reply = send(app.request(Method::POST, "/links/", app.sk()).form(&[
            ("amount", "5000"),
            ("currency", "THB"),
            ("title", "t"),
            ("description", ""),
            ("multiple", value),
        ]))
        .await;
        assert_eq!(reply.assert_ok()["multiple"], expected, "multiple={value}");
    }
}

async fn json_bodies_with_strings_numbers_and_nulls() {
    let app = TestApp::spawn().await;
    let reply = send(app.request(Method::POST, "/links", app.sk()).json(&json!({
        "amount": "5000", "currency": "THB", "title": "t", "description": "d", "multiple": null,
    })))
    .await;
    let link = reply.assert_ok();
    assert_eq!(link["amount"], 5000);
    assert_eq!(link["multiple"], false, "null means not given");
}

async fn list_parameters_in_the_query_a_json_body_on_get_or_a_form() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.thb_link(false).await;
    }
    // The python client: a JSON body on GET with nulls for unset fields.
    let python = send(
        app.request(Method::GET, "/links", app.sk())
            .json(&json!({"from": null, "limit": 1, "offset": 0, "order": null, "to": null})),
    )
    .await;
    assert_eq!(python.assert_ok()["limit"], 1);
    assert_eq!(python.body["total"], 3);
    assert_eq!(python.body["data"].as_array().unwrap().len(), 1);
    // The go client: JSON body on GET with an RFC 3339 date.
    let go = send(
        app.request(Method::GET, "/links", app.sk())
            .header("Omise-Version", "2019-05-29")
            .json(&json!({"limit": 2, "offset": 1, "from": "2000-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(go.assert_ok()["offset"], 1);
    assert_eq!(go.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(go.body["from"], "2000-01-01T00:00:00Z");
    // Node, ruby, php: the query string.
    let query = app.get("/links?limit=2&order=reverse_chronological").await;
    assert_eq!(query.assert_ok()["order"], "reverse_chronological");
    // A form body on GET, and an empty string meaning "not given".
    let form = send(
        app.request(Method::GET, "/links", app.sk())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("limit=2&order="),
    )
    .await;
    assert_eq!(form.assert_ok()["limit"], 2);
    assert_eq!(form.body["order"], "chronological");
    // A JSON body on DELETE, an empty JSON object on GET.
    let link = app.thb_link(false).await;
    let path = format!("/links/{}", link["id"].as_str().unwrap());
    let deleted = send(
        app.request(Method::DELETE, &path, app.sk())
            .json(&json!({})),
    )
    .await;
    assert_eq!(deleted.assert_ok()["deleted"], true);
    send(app.request(Method::GET, &path, app.sk()).json(&json!({})))
        .await
        .assert_ok();
}

async fn bracketed_keys_and_nested_json_for_cards() {
    let app = TestApp::spawn().await;
    let form = send(app.request(Method::POST, "/tokens", app.pk()).form(&[
        ("card[name]", "Test Cardholder"),
        ("card[number]", "4242 4242 4242 4242"),
        ("card[expiration_month]", "12"),
        ("card[expiration_year]", "2040"),
        ("card[security_code]", "123"),
        ("card[city]", "Bangkok"),
        ("card[postal_code]", "10320"),
    ]))
    .await;
    let token = form.assert_ok();
    assert_eq!(token["card"]["last_digits"], "4242");
    assert_eq!(token["card"]["city"], "Bangkok");
    assert_eq!(token["card"]["postal_code"], "10320");
    let json = send(
        app.request(Method::POST, "/tokens", app.pk())
            .json(&json!({"card": crate::helpers::card_fields("5555555555554444")})),
    )
    .await;
    assert_eq!(json.assert_ok()["card"]["brand"], "MasterCard");
    // php's filters[...] brackets are accepted on lists.
    send(app.request(Method::GET, "/links?filters[used]=1&limit=5", app.sk()))
        .await
        .assert_ok();
}

async fn trailing_slashes_on_collections() {
    let app = TestApp::spawn().await;
    app.thb_link(false).await;
    assert_eq!(app.get("/links/").await.assert_ok()["total"], 1);
    assert_eq!(app.get("/charges/").await.assert_ok()["total"], 0);
}

/// What `curl -d '{…}'` sends: JSON with curl's default content type.
fn as_curl_sends(request: reqwest::RequestBuilder, json: &str) -> reqwest::RequestBuilder {
    request
        .header("content-type", "application/x-www-form-urlencoded")
        .body(json.to_owned())
}

const HINT: &str = "the request body is JSON but its Content-Type is \
    application/x-www-form-urlencoded: send it with Content-Type: application/json";

async fn json_sent_as_a_form_is_refused_with_what_to_do() {
    let app = TestApp::spawn().await;
    // Read as a form, as Omise reads it: the link's fields are not seen,
    // and the error says why.
    for body in [
        r#"{"amount":2000,"currency":"THB","title":"x","description":"y","multiple":false}"#,
        "  {\"amount\": 2000, \"title\": \"a=b & c\", \"description\": \"100%\"}\n",
    ] {
        let reply = send(as_curl_sends(
            app.request(Method::POST, "/links", app.sk()),
            body,
        ))
        .await;
        reply.assert_error(400, "invalid_link");
        assert_eq!(
            reply.body["message"],
            format!("amount is required; {HINT}"),
            "{body}"
        );
    }
    assert_eq!(app.get("/links").await.body["total"], 0, "nothing stored");
    // A form that is not JSON is told only what is wrong with it.
    let form = send(as_curl_sends(
        app.request(Method::POST, "/links", app.sk()),
        "currency=THB&title=x&description=y",
    ))
    .await;
    assert_eq!(form.body["message"], "amount is required");
    // Every route that takes parameters says the same.
    let card = json!({"card": crate::helpers::card_fields("4242424242424242")}).to_string();
    let token = send(as_curl_sends(
        app.request(Method::POST, "/tokens", app.pk()),
        &card,
    ))
    .await;
    token.assert_error(400, "invalid_card");
    assert!(
        token.body["message"].as_str().unwrap().ends_with(HINT),
        "{}",
        token.text
    );
    let link = app.thb_link(true).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let refund = send(as_curl_sends(
        app.request(
            Method::POST,
            &format!("/charges/{charge}/refunds"),
            app.sk(),
        ),
        r#"{"amount": 1000}"#,
    ))
    .await;
    refund.assert_error(400, "bad_request");
    assert_eq!(
        refund.body["message"],
        format!("amount is required; {HINT}")
    );
    // An account change that a form parse cannot see is an error too,
    // never a quiet no-op.
    let account = send(as_curl_sends(
        app.request(Method::PATCH, "/account", app.sk()),
        r#"{"webhook_uri": "https://shop.example.com/hooks"}"#,
    ))
    .await;
    account.assert_error(400, "bad_request");
    assert!(
        account.body["message"].as_str().unwrap().ends_with(HINT),
        "{}",
        account.text
    );
    assert_eq!(app.get("/account").await.body["webhook_uri"], Value::Null);
    // An empty PATCH is still the no-op it was.
    send(app.request(Method::PATCH, "/account", app.sk()))
        .await
        .assert_ok();
    // With its content type the same JSON is taken.
    let sent = send(
        app.request(Method::POST, "/links", app.sk())
            .header("content-type", "application/json")
            .body(r#"{"amount":2000,"currency":"THB","title":"x","description":"y"}"#),
    )
    .await;
    sent.assert_ok();
}

async fn fractional_amounts_are_told_the_smallest_unit() {
    let app = TestApp::spawn().await;
    let unit = "amount must be an integer in the currency's smallest unit";
    for (form, message) in [
        (
            "amount=12.50&currency=THB&title=x&description=y",
            format!("{unit} (1250 for 12.50 THB)"),
        ),
        (
            "amount=12.50&currency=usd&title=x&description=y",
            format!("{unit} (1250 for 12.50 USD)"),
        ),
        (
            "amount=12.5&currency=JPY&title=x&description=y",
            format!("{unit} (JPY has no smaller unit: 1250 for 1250 JPY)"),
        ),
        (
            "amount=12.50&title=x&description=y",
            format!("{unit} (for example 1250 for 12.50 THB)"),
        ),
        (
            "amount=12.50&currency=XYZ&title=x&description=y",
            format!("{unit} (for example 1250 for 12.50 THB)"),
        ),
    ] {
        let reply = send(
            app.request(Method::POST, "/links", app.sk())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form),
        )
        .await;
        reply.assert_error(400, "invalid_link");
        assert_eq!(reply.body["message"], message, "{form}");
    }
    // A refund's amount is in the charge's currency.
    let link = app
        .create_link(json!({
            "amount": 5000, "currency": "USD", "title": "t", "description": "", "multiple": true,
        }))
        .await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let reply = send(
        app.request(
            Method::POST,
            &format!("/charges/{charge}/refunds"),
            app.sk(),
        )
        .json(&json!({"amount": 12.5})),
    )
    .await;
    reply.assert_error(400, "bad_request");
    assert_eq!(
        reply.body["message"],
        format!("{unit} (1250 for 12.50 USD)")
    );
}

crate::helpers::db_tests!(
    json_sent_as_a_form_is_refused_with_what_to_do,
    fractional_amounts_are_told_the_smallest_unit,
    form_bodies_as_ruby_and_php_send_them,
    json_bodies_with_strings_numbers_and_nulls,
    list_parameters_in_the_query_a_json_body_on_get_or_a_form,
    bracketed_keys_and_nested_json_for_cards,
    trailing_slashes_on_collections,
);
