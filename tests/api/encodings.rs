//! Every request encoding the official clients use.

use crate::helpers::{TestApp, send};
use reqwest::Method;
use serde_json::json;

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

crate::helpers::db_tests!(
    form_bodies_as_ruby_and_php_send_them,
    json_bodies_with_strings_numbers_and_nulls,
    list_parameters_in_the_query_a_json_body_on_get_or_a_form,
    bracketed_keys_and_nested_json_for_cards,
    trailing_slashes_on_collections,
);
