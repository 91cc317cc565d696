//! The requests of the clients that cannot be installed here, replayed as
//! their public source sends them: omise-go 1.7.2, omise-ruby 0.11.0 and
//! omise-php 3.0.0. Each test then checks what that client reads back: Go
//! decodes into typed structs and calls anything but 200 an error; ruby
//! follows each object's relative `location`; php needs an `object` key and
//! picks its exception class by the error `code`.

use crate::helpers::{Reply, TestApp, send};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";

/// omise-go: a JSON body on every request, GET included, and always the
/// API version it was written for.
fn go(app: &TestApp, method: Method, path: &str, key: &str, body: &str) -> RequestBuilder {
    app.request(method, path, key)
        .header("Content-Type", "application/json")
        .header("User-Agent", "OmiseGo/1.7.2 Go/go1.22.5")
        .header("Omise-Version", "2019-05-29")
        .body(body.to_owned())
}

/// omise-ruby through rest-client: query strings on GET, and
/// `Omise-Version` only when `Omise.api_version` is set.
fn ruby(app: &TestApp, method: Method, path: &str, key: &str) -> RequestBuilder {
    app.request(method, path, key)
        .header("Accept", "*/*")
        .header("User-Agent", "OmiseRuby/0.11.0 Ruby/3.3.0")
}

/// omise-php through curl, with `OMISE_API_VERSION` defined or not; no
/// body at all when there are no parameters.
fn php_versioned(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    api_version: Option<&str>,
) -> RequestBuilder {
    let mut user_agent = "OmisePHP/3.0.0 PHP/8.3.6".to_owned();
    let mut request = app.request(method, path, key).header("Accept", "*/*");
    if let Some(version) = api_version {
        user_agent.push_str(&format!(" OmiseAPI/{version}"));
        request = request.header("Omise-Version", version);
    }
    request.header("User-Agent", user_agent)
}

fn php(app: &TestApp, method: Method, path: &str, key: &str) -> RequestBuilder {
    php_versioned(app, method, path, key, None)
}

/// A POST with a form body, as rest-client sends a Hash and curl sends
/// php's `http_build_query` (booleans as 1/0).
fn form(request: RequestBuilder, body: &str) -> RequestBuilder {
    request.header("Content-Type", FORM).body(body.to_owned())
}

/// A JSON type as Go's encoding/json takes it into a struct field. A null
/// leaves any field at its zero value; anything else of the wrong type
/// fails the whole decode.
#[derive(Debug, Clone, Copy)]
enum Go {
    String,
    Int,
    Bool,
    /// `time.Time`: RFC 3339 only.
    Time,
    Struct,
    Slice,
}

const GO_BASE: &[(&str, Go)] = &[
    ("object", Go::String),
    ("id", Go::String),
    ("livemode", Go::Bool),
    ("location", Go::String),
    ("created_at", Go::Time),
];

const GO_LINK: &[(&str, Go)] = &[
    ("amount", Go::Int),
    ("currency", Go::String),
    ("used", Go::Bool),
    ("multiple", Go::Bool),
    ("payment_uri", Go::String),
    ("title", Go::String),
    ("description", Go::String),
    ("charges", Go::Struct),
];

const GO_LIST: &[(&str, Go)] = &[
    ("object", Go::String),
    ("location", Go::String),
    ("from", Go::String),
    ("to", Go::String),
    ("offset", Go::Int),
    ("limit", Go::Int),
    ("total", Go::Int),
    ("order", Go::String),
    ("data", Go::Slice),
];

const GO_CHARGE: &[(&str, Go)] = &[
    ("status", Go::String),
    ("amount", Go::Int),
    ("authorization_type", Go::String),
    ("authorized_amount", Go::Int),
    ("captured_amount", Go::Int),
    ("currency", Go::String),
    ("description", Go::String),
    ("capture", Go::Bool),
    ("authorized", Go::Bool),
    ("reversed", Go::Bool),
    ("paid", Go::Bool),
    ("transaction", Go::String),
    ("card", Go::Struct),
    ("refunded_amount", Go::Int),
    ("refunds", Go::Struct),
    ("failure_code", Go::String),
    ("failure_message", Go::String),
    ("customer", Go::String),
    ("ip", Go::String),
    ("dispute", Go::Struct),
    ("return_uri", Go::String),
    ("authorize_uri", Go::String),
    ("source", Go::Struct),
    ("metadata", Go::Struct),
    ("expires_at", Go::Time),
    ("merchant_advice", Go::String),
    ("merchant_advice_code", Go::String),
    ("missing_3ds_fields", Go::Slice),
];

const GO_CARD: &[(&str, Go)] = &[
    ("country", Go::String),
    ("city", Go::String),
    ("bank", Go::String),
    ("postal_code", Go::String),
    ("financing", Go::String),
    ("last_digits", Go::String),
    ("brand", Go::String),
    ("expiration_month", Go::Int),
    ("expiration_year", Go::Int),
    ("fingerprint", Go::String),
    ("name", Go::String),
    ("security_code_check", Go::Bool),
];

const GO_ERROR: &[(&str, Go)] = &[
    ("location", Go::String),
    ("code", Go::String),
    ("message", Go::String),
];

/// Asserts that every field is sent and that Go would decode it.
#[track_caller]
fn assert_go_decodes(value: &Value, fields: &[&[(&str, Go)]]) {
    for &(name, kind) in fields.iter().copied().flatten() {
        let field = value
            .get(name)
            .unwrap_or_else(|| panic!("{name} is missing from {value}"));
        let decodes = field.is_null()
            || match kind {
                Go::String => field.is_string(),
                Go::Int => field.is_i64(),
                Go::Bool => field.is_boolean(),
                Go::Time => field.as_str().is_some_and(is_rfc3339),
                Go::Struct => field.is_object(),
                Go::Slice => field.is_array(),
            };
        assert!(decodes, "Go cannot decode {name} = {field} as {kind:?}");
    }
}

fn is_rfc3339(raw: &str) -> bool {
    raw.as_bytes().get(10) == Some(&b'T') && raw.parse::<jiff::Timestamp>().is_ok()
}

/// omise-go reads a body only from a 200: even 201 or 204 is an error.
#[track_caller]
fn go_ok(reply: &Reply) -> &Value {
    assert_eq!(reply.status.as_u16(), 200, "body: {}", reply.text);
    &reply.body
}

/// A non-200 becomes `*omise.Error`: the status from HTTP unless the body
/// carries one, the rest from the body.
#[track_caller]
fn assert_go_error(reply: &Reply, status: u16, code: &str) {
    reply.assert_error(status, code);
    assert_go_decodes(&reply.body, &[GO_ERROR]);
    assert!(reply.body.get("status").is_none_or(|s| s == status));
}

/// What `Omise::Error#message` reads: "message (code)".
fn ruby_error_message(reply: &Reply) -> String {
    let body = &reply.body;
    assert_eq!(body["object"], "error", "ruby raises only on object=error");
    format!(
        "{} ({})",
        body["message"].as_str().unwrap(),
        body["code"].as_str().unwrap()
    )
}

fn str_of<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a string in {value}"))
}

#[tokio::test]
async fn go_creates_retrieves_and_lists_links_with_json_on_get() {
    let app = TestApp::spawn().await;
    // `Multiple bool json:",omitempty"`: false leaves the key out.
    let single =
        r#"{"amount":100000,"currency":"thb","title":"Order-384","description":"New Product"}"#;
    let reply = send(go(&app, Method::POST, "/links", app.sk(), single)).await;
    let link = go_ok(&reply).clone();
    assert_go_decodes(&link, &[GO_BASE, GO_LINK]);
    assert_go_decodes(&link["charges"], &[GO_LIST]);
    assert_eq!(
        link["currency"], "THB",
        "2019-05-29 currencies are uppercase"
    );
    assert_eq!(link["multiple"], false);

    let multiple = r#"{"amount":100000,"currency":"thb","title":"Order-384","description":"New Product","multiple":true}"#;
    let reply = send(go(&app, Method::POST, "/links", app.sk(), multiple)).await;
    assert_eq!(go_ok(&reply)["multiple"], true);

    let id = str_of(&link, "id");
    let reply = send(go(
        &app,
        Method::GET,
        &format!("/links/{id}"),
        app.sk(),
        "{}",
    ))
    .await;
    let retrieved = go_ok(&reply);
    assert_go_decodes(retrieved, &[GO_BASE, GO_LINK]);
    assert_eq!(retrieved["id"], id);

    // `operations.List` marshals `time.Time` as RFC 3339 with nanoseconds
    // and the caller's offset.
    let list = r#"{"offset":1,"limit":1,"order":"reverse_chronological","from":"2000-01-01T07:00:00.123456789+07:00"}"#;
    let reply = send(go(&app, Method::GET, "/links", app.sk(), list)).await;
    let page = go_ok(&reply);
    assert_go_decodes(page, &[GO_LIST]);
    assert_eq!(page["total"], 2);
    assert_eq!(page["offset"], 1);
    assert_eq!(page["limit"], 1);
    assert_eq!(page["order"], "reverse_chronological");
    assert_eq!(page["from"], "2000-01-01T00:00:00Z");
    assert_eq!(page["data"][0]["id"], id, "oldest last");
    assert_go_decodes(&page["data"][0], &[GO_BASE, GO_LINK]);

    // A zero `ListLinks{}` marshals to `{}`.
    let reply = send(go(&app, Method::GET, "/links", app.sk(), "{}")).await;
    assert_eq!(go_ok(&reply)["limit"], 20);
}

#[tokio::test]
async fn go_creates_tokens_and_reads_charges() {
    let app = TestApp::spawn().await;
    let card = r#"{"card":{"name":"Somchai Prasert","number":"4242424242424242","expiration_month":12,"expiration_year":2040,"security_code":"123","city":"Bangkok","postal_code":"10320"}}"#;
    let reply = send(go(&app, Method::POST, "/tokens", app.pk(), card)).await;
    let token = go_ok(&reply).clone();
    assert_go_decodes(
        &token,
        &[GO_BASE, &[("used", Go::Bool), ("card", Go::Struct)]],
    );
    assert_go_decodes(&token["card"], &[GO_BASE, GO_CARD]);
    assert_eq!(token["card"]["expiration_month"], 12);
    assert_eq!(token["card"]["city"], "Bangkok");

    let link = app.thb_link(false).await;
    let token_id = str_of(&token, "id");
    let paid = app.pay(&link, token_id).await;
    assert_eq!(paid.status().as_u16(), 303);

    let path = format!("/links/{}", str_of(&link, "id"));
    let reply = send(go(&app, Method::GET, &path, app.sk(), "{}")).await;
    let charges = &go_ok(&reply)["charges"];
    assert_eq!(charges["total"], 1);
    let charge_id = str_of(&charges["data"][0], "id").to_owned();

    let path = format!("/charges/{charge_id}");
    let reply = send(go(&app, Method::GET, &path, app.sk(), "{}")).await;
    let charge = go_ok(&reply);
    assert_go_decodes(charge, &[GO_BASE, GO_CHARGE]);
    assert_go_decodes(&charge["card"], &[GO_BASE, GO_CARD]);
    assert_go_decodes(&charge["refunds"], &[GO_LIST]);
    assert_eq!(charge["status"], "successful");
    assert_eq!(charge["paid"], true);
    assert_eq!(charge["amount"], 100000);

    let reply = send(go(
        &app,
        Method::GET,
        "/charges",
        app.sk(),
        r#"{"limit":20}"#,
    ))
    .await;
    let page = go_ok(&reply);
    assert_go_decodes(page, &[GO_LIST]);
    assert_eq!(page["data"][0]["id"], charge_id.as_str());
}

#[tokio::test]
async fn go_sees_errors_as_non_200_statuses() {
    let app = TestApp::spawn().await;
    let missing = "/links/link_test_0000000000000000000";
    let reply = send(go(&app, Method::GET, missing, app.sk(), "{}")).await;
    assert_go_error(&reply, 404, "not_found");

    let unknown_key = "skey_test_0000000000000000000";
    let reply = send(go(&app, Method::GET, "/links", unknown_key, "{}")).await;
    assert_go_error(&reply, 401, "authentication_failure");

    let invalid = r#"{"amount":1,"currency":"thb","title":"Order-384","description":""}"#;
    let reply = send(go(&app, Method::POST, "/links", app.sk(), invalid)).await;
    assert_go_error(&reply, 400, "invalid_link");
}

#[tokio::test]
async fn ruby_creates_links_from_forms_and_follows_their_locations() {
    let app = TestApp::spawn().await;
    let body = "amount=100000&currency=thb&title=Order-384&description=New+Product&multiple=false";
    let reply = send(form(ruby(&app, Method::POST, "/links", app.sk()), body)).await;
    let link = reply.assert_ok().clone();
    assert_eq!(link["object"], "link", "Util.typecast picks Omise::Link");
    assert_eq!(link["multiple"], false);
    let id = str_of(&link, "id");

    // `reload`, `destroy` and `charges` append to `location`.
    let location = str_of(&link, "location");
    assert_eq!(location, format!("/links/{id}"));
    let reloaded = send(ruby(&app, Method::GET, location, app.sk())).await;
    assert_eq!(reloaded.assert_ok()["id"], id);

    app.pay_ok(&link, "4242424242424242").await;
    // Keys sorted by `Util.generate_query`.
    let path = format!("{location}/charges?limit=5&order=reverse_chronological");
    let reply = send(ruby(&app, Method::GET, &path, app.sk())).await;
    let charges = reply.assert_ok();
    assert_eq!(charges["object"], "list");
    assert_eq!(charges["limit"], 5);
    assert_eq!(charges["total"], 1);
    assert_eq!(charges["data"][0]["link"], id);
    let charge_location = str_of(&charges["data"][0], "location");
    let reply = send(ruby(&app, Method::GET, charge_location, app.sk())).await;
    assert_eq!(reply.assert_ok()["status"], "successful");

    let reply = send(ruby(&app, Method::DELETE, location, app.sk())).await;
    let deleted = reply.assert_ok();
    assert_eq!(deleted["deleted"], true, "destroyed? reads deleted");
    assert_eq!(deleted["id"], id);
}

#[tokio::test]
async fn ruby_pages_through_a_list_by_its_location() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.thb_link(true).await;
    }
    let reply = send(ruby(&app, Method::GET, "/links?limit=2", app.sk())).await;
    let first = reply.assert_ok().clone();
    // `List#next_page` is nil once offset + limit >= total.
    let (offset, limit, total) = (
        first["offset"].as_i64().unwrap(),
        first["limit"].as_i64().unwrap(),
        first["total"].as_i64().unwrap(),
    );
    assert_eq!((offset, limit, total), (0, 2, 3));
    let next = format!(
        "{}?limit={limit}&offset={}",
        str_of(&first, "location"),
        offset + limit
    );
    let reply = send(ruby(&app, Method::GET, &next, app.sk())).await;
    let second = reply.assert_ok();
    assert_eq!(second["offset"], 2);
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_ne!(second["data"][0]["id"], first["data"][0]["id"]);
    assert_ne!(second["data"][0]["id"], first["data"][1]["id"]);
}

#[tokio::test]
async fn ruby_tokens_in_bracketed_forms_and_its_errors() {
    let app = TestApp::spawn().await;
    let body = "card%5Bname%5D=Somchai+Prasert&card%5Bnumber%5D=4242424242424242\
                &card%5Bexpiration_month%5D=12&card%5Bexpiration_year%5D=2040\
                &card%5Bsecurity_code%5D=123";
    let reply = send(form(ruby(&app, Method::POST, "/tokens", app.pk()), body)).await;
    let token = reply.assert_ok();
    assert_eq!(token["object"], "token");
    assert_eq!(token["card"]["object"], "card");
    assert_eq!(token["card"]["name"], "Somchai Prasert");
    // Token#reload goes to the vault at the token's own location.
    let location = str_of(token, "location");
    let reply = send(ruby(&app, Method::GET, location, app.pk())).await;
    assert_eq!(reply.assert_ok()["id"], token["id"]);

    let reply = send(ruby(
        &app,
        Method::GET,
        "/links/link_test_0000000000000000000",
        app.sk(),
    ))
    .await;
    reply.assert_error(404, "not_found");
    assert_eq!(
        ruby_error_message(&reply),
        "link link_test_0000000000000000000 was not found (not_found)"
    );
    let reply = send(ruby(&app, Method::GET, "/links", app.pk())).await;
    reply.assert_error(401, "authentication_failure");
    assert_eq!(
        ruby_error_message(&reply),
        "authentication failed (authentication_failure)"
    );
}

#[tokio::test]
async fn ruby_with_an_api_version_gets_the_older_shape() {
    let app = TestApp::spawn().await;
    let body = "amount=100000&currency=THB&title=Order-384&description=New+Product";
    let reply = send(form(
        ruby(&app, Method::POST, "/links", app.sk()).header("Omise-Version", "2015-11-17"),
        body,
    ))
    .await;
    let link = reply.assert_ok();
    assert_eq!(link["currency"], "thb");
    assert!(link["created"].as_str().is_some_and(is_rfc3339));
    assert!(link.get("created_at").is_none());
}

#[tokio::test]
async fn php_links_on_the_trailing_slash_with_1_and_0_booleans() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for (flag, multiple) in [("1", true), ("0", false)] {
        let body = format!(
            "amount=100000&currency=thb&title=Order-384&description=New+Product&multiple={flag}"
        );
        let reply = send(form(php(&app, Method::POST, "/links/", app.sk()), &body)).await;
        let link = reply.assert_ok();
        assert_eq!(link["object"], "link", "isValidAPIResponse needs object");
        assert_eq!(link["multiple"], multiple, "multiple={flag}");
        ids.push(str_of(link, "id").to_owned());
    }

    // `OmiseLink::retrieve()` with no id is a GET on the collection.
    let reply = send(php(&app, Method::GET, "/links/", app.sk())).await;
    let list = reply.assert_ok();
    assert_eq!(list["object"], "list");
    assert_eq!(list["total"], 2);

    // `reload()` and `destroy()` build `/links/{id}` from the id.
    let path = format!("/links/{}", ids[1]);
    let reply = send(php(&app, Method::GET, &path, app.sk())).await;
    assert_eq!(reply.assert_ok()["id"], ids[1].as_str());
    let reply = send(php(&app, Method::DELETE, &path, app.sk())).await;
    let deleted = reply.assert_ok();
    assert_eq!(deleted["object"], "link");
    assert_eq!(deleted["deleted"], true, "isDestroyed() reads deleted");
}

#[tokio::test]
async fn php_tokens_charges_and_exceptions() {
    let app = TestApp::spawn().await;
    // `OmiseToken::create` posts to the vault's `tokens/`.
    let body = "card%5Bname%5D=Somchai+Prasert&card%5Bnumber%5D=4242424242424242\
                &card%5Bexpiration_month%5D=12&card%5Bexpiration_year%5D=2040\
                &card%5Bsecurity_code%5D=123&card%5Bcity%5D=Bangkok&card%5Bpostal_code%5D=10320";
    let reply = send(form(php(&app, Method::POST, "/tokens/", app.pk()), body)).await;
    let token = reply.assert_ok().clone();
    assert_eq!(token["object"], "token");
    assert_eq!(token["card"]["postal_code"], "10320");

    let link = app.thb_link(false).await;
    let paid = app.pay(&link, str_of(&token, "id")).await;
    assert_eq!(paid.status().as_u16(), 303);

    // `OmiseCharge::retrieve()` lists on `charges/`.
    let reply = send(php(&app, Method::GET, "/charges/", app.sk())).await;
    let charges = reply.assert_ok();
    assert_eq!(charges["object"], "list");
    assert_eq!(charges["total"], 1);
    let path = format!("/charges/{}", str_of(&charges["data"][0], "id"));
    let reply = send(php(&app, Method::GET, &path, app.sk())).await;
    assert_eq!(reply.assert_ok()["object"], "charge");

    // OmiseException::getInstance maps these codes to OmiseNotFoundException,
    // OmiseAuthenticationFailureException and OmiseInvalidLinkException.
    let missing = "/links/link_test_0000000000000000000";
    send(php(&app, Method::GET, missing, app.sk()))
        .await
        .assert_error(404, "not_found");
    send(php(&app, Method::GET, "/links/", app.pk()))
        .await
        .assert_error(401, "authentication_failure");
    let invalid = "amount=1&currency=thb&title=t&description=";
    send(form(php(&app, Method::POST, "/links/", app.sk()), invalid))
        .await
        .assert_error(400, "invalid_link");
}

#[tokio::test]
async fn php_with_omise_api_version_gets_the_older_shape() {
    let app = TestApp::spawn().await;
    let body = "amount=100000&currency=THB&title=Order-384&description=New+Product&multiple=0";
    let reply = send(form(
        php_versioned(&app, Method::POST, "/links/", app.sk(), Some("2015-11-17")),
        body,
    ))
    .await;
    let link = reply.assert_ok();
    assert_eq!(link["currency"], "thb");
    assert!(link["created"].as_str().is_some_and(is_rfc3339));
    assert!(link.get("created_at").is_none());
    assert!(link.get("used_at").is_none());
}

#[test]
fn the_go_model_refuses_what_encoding_json_refuses() {
    assert!(is_rfc3339("2025-03-20T10:07:38Z"));
    assert!(is_rfc3339("2000-01-01T07:00:00.123456789+07:00"));
    assert!(!is_rfc3339(""), "Go cannot take an empty string as a time");
    assert!(!is_rfc3339("2025-03-20 10:07:38Z"));
    assert!(!is_rfc3339("2025-03-20"));
    let refuses = |value: Value, field: (&'static str, Go)| {
        std::panic::catch_unwind(|| assert_go_decodes(&value, &[&[field]])).is_err()
    };
    assert!(refuses(
        serde_json::json!({"amount": "100"}),
        ("amount", Go::Int)
    ));
    assert!(refuses(
        serde_json::json!({"amount": 1.5}),
        ("amount", Go::Int)
    ));
    assert!(refuses(serde_json::json!({"used": 1}), ("used", Go::Bool)));
    assert!(refuses(serde_json::json!({}), ("used", Go::Bool)));
    assert!(!refuses(
        serde_json::json!({"ip": null}),
        ("ip", Go::String)
    ));
}
