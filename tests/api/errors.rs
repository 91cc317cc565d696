//! Every row of the error table, and the precedence between them.

use crate::helpers::{TestApp, send};
use base64::Engine;
use reqwest::Method;
use serde_json::json;

fn basic(user_and_password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_and_password)
    )
}

async fn authentication_failures() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let path = format!("/links/{}", link["id"].as_str().unwrap());
    let url = app.url(&path);
    let headers = [
        None,
        Some("Bearer abc".to_owned()),
        Some("Basic !!!not-base64".to_owned()),
        Some(basic("skey_test_0000000000000000000:")),
        Some(basic("not-a-key:")),
        Some(basic(app.pk())),
        Some(basic(&format!("{}:", app.pk()))),
        Some("Basic".to_owned()),
    ];
    for header in headers {
        let mut request = app.client.get(&url);
        if let Some(h) = &header {
            request = request.header("authorization", h);
        }
        let reply = send(request).await;
        reply.assert_error(401, "authentication_failure");
        assert_eq!(reply.body["message"], "authentication failed", "{header:?}");
    }
    // Any password is accepted and ignored.
    let with_password = app
        .client
        .get(&url)
        .header("authorization", basic(&format!("{}:secret", app.sk())));
    send(with_password).await.assert_ok();
    let lowercase_scheme = app.client.get(&url).header(
        "authorization",
        format!(
            "basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{}:", app.sk()))
        ),
    );
    send(lowercase_scheme).await.assert_ok();
    // A secret key cannot make tokens; a public key cannot use the API.
    let token = send(
        app.request(Method::POST, "/tokens", app.sk())
            .json(&json!({"card": crate::helpers::card_fields("4242424242424242")})),
    )
    .await;
    token.assert_error(401, "authentication_failure");
    for (method, path) in [
        (Method::GET, "/links"),
        (Method::POST, "/links"),
        (Method::GET, "/charges"),
    ] {
        send(app.request(method, path, app.pk()))
            .await
            .assert_error(401, "authentication_failure");
    }
}

async fn malformed_link_ids_are_invalid_link_id() {
    let app = TestApp::spawn().await;
    for bad in [
        "abc",
        "link",
        "link_",
        "link_test_",
        "link_TEST_abc",
        "link_test_ABC",
        "chrg_test_abc",
        "link_test_a-b",
    ] {
        let reply = app.get(&format!("/links/{bad}")).await;
        reply.assert_error(404, "invalid_link_id");
        let reply = app.get(&format!("/links/{bad}/charges")).await;
        reply.assert_error(404, "invalid_link_id");
    }
}

async fn ids_this_key_cannot_see_are_not_found() {
    let app = TestApp::spawn().await;
    let other = crate::helpers::TestApp::spawn().await;
    let missing = "link_test_5xuy4w91xqz7d1w9u0t";
    let reply = app.get(&format!("/links/{missing}")).await;
    reply.assert_error(404, "not_found");
    assert_eq!(
        reply.body["message"],
        format!("link {missing} was not found")
    );

    // Another account on the same server.
    let theirs_keys = paylink::accounts::create_account(app.store.as_ref())
        .await
        .unwrap();
    let theirs = app
        .create_link_with(
            &theirs_keys.secret_key_test,
            json!({
                "amount": 5000, "currency": "THB", "title": "Theirs", "description": "",
            }),
        )
        .await;
    let theirs_id = theirs["id"].as_str().unwrap();
    for path in [
        format!("/links/{theirs_id}"),
        format!("/links/{theirs_id}/charges"),
    ] {
        app.get(&path).await.assert_error(404, "not_found");
    }
    send(app.request(Method::DELETE, &format!("/links/{theirs_id}"), app.sk()))
        .await
        .assert_error(404, "not_found");
    let still_there = send(app.request(
        Method::GET,
        &format!("/links/{theirs_id}"),
        &theirs_keys.secret_key_test,
    ))
    .await;
    assert_eq!(still_there.assert_ok()["deleted"], false);

    // Test link with the live key, live link with the test key.
    let test_link = app.thb_link(false).await;
    let test_id = test_link["id"].as_str().unwrap();
    send(app.request(
        Method::GET,
        &format!("/links/{test_id}"),
        &app.keys.secret_key_live,
    ))
    .await
    .assert_error(404, "not_found");
    let live_link = app
        .create_link_with(
            &app.keys.secret_key_live.clone(),
            json!({
                "amount": 5000, "currency": "THB", "title": "Live", "description": "",
            }),
        )
        .await;
    let live_id = live_link["id"].as_str().unwrap();
    app.get(&format!("/links/{live_id}"))
        .await
        .assert_error(404, "not_found");
    app.get(&format!("/links/{live_id}/charges"))
        .await
        .assert_error(404, "not_found");

    // Charges and tokens too.
    let charge = app.pay_ok(&test_link, "4242424242424242").await;
    send(app.request(
        Method::GET,
        &format!("/charges/{charge}"),
        &theirs_keys.secret_key_test,
    ))
    .await
    .assert_error(404, "not_found");
    send(app.request(
        Method::GET,
        &format!("/charges/{charge}"),
        &app.keys.secret_key_live,
    ))
    .await
    .assert_error(404, "not_found");
    app.get("/charges/chrg_test_5xuy4w91xqz7d1w9u0t")
        .await
        .assert_error(404, "not_found");
    app.get("/charges/nonsense")
        .await
        .assert_error(404, "not_found");
    // The other server's account is unknown here altogether.
    send(app.request(Method::GET, "/links", other.sk()))
        .await
        .assert_error(401, "authentication_failure");
}

async fn unknown_routes_and_wrong_methods() {
    let app = TestApp::spawn().await;
    app.get("/nothing/here")
        .await
        .assert_error(404, "not_found");
    send(app.client.get(app.url("/")))
        .await
        .assert_error(404, "not_found");
    send(app.request(Method::PUT, "/links", app.sk()))
        .await
        .assert_error(405, "method_not_allowed");
    send(app.request(Method::PATCH, "/links/link_test_abc", app.sk()))
        .await
        .assert_error(405, "method_not_allowed");
    send(app.request(Method::POST, "/charges", app.sk()))
        .await
        .assert_error(405, "method_not_allowed");
}

async fn path_ids_that_do_not_decode_are_unknown_routes() {
    let app = TestApp::spawn().await;
    let charge = "chrg_test_5xuy4w91xqz7d1w9u0t";
    for (method, path) in [
        (Method::GET, "/links/%FF".to_owned()),
        (Method::DELETE, "/links/%FF".to_owned()),
        (Method::GET, "/links/%FF/charges".to_owned()),
        (Method::GET, "/charges/%FF".to_owned()),
        (Method::GET, "/charges/%FF/events".to_owned()),
        (Method::POST, "/charges/%FF/mark_as_paid".to_owned()),
        (Method::GET, "/charges/%FF/refunds".to_owned()),
        (Method::POST, "/charges/%FF/refunds".to_owned()),
        (
            Method::GET,
            "/charges/%FF/refunds/rfnd_test_5xuy4w91xqz7d1w9u0t".to_owned(),
        ),
        (Method::GET, format!("/charges/{charge}/refunds/%FF")),
        (Method::GET, "/events/%FF".to_owned()),
        (Method::GET, "/tokens/%FF".to_owned()),
    ] {
        let reply = send(app.request(method.clone(), &path, app.sk())).await;
        reply.assert_error(404, "not_found");
        assert_eq!(
            reply.body["message"], "the requested resource was not found",
            "{method} {path}"
        );
    }
}

/// A NUL byte cannot be in any id, and PostgreSQL refuses it in any text
/// it is sent: every route answers it as the Omise error its field
/// calls for, before any query, on both databases (never a 500).
async fn nul_bytes_are_refused_in_kind_before_any_query() {
    let app = TestApp::spawn().await;
    let charge = "chrg_test_5xuy4w91xqz7d1w9u0t";
    for (method, path, code) in [
        (Method::GET, "/links/%00".to_owned(), "invalid_link_id"),
        (Method::DELETE, "/links/%00".to_owned(), "invalid_link_id"),
        (
            Method::GET,
            "/links/%00/charges".to_owned(),
            "invalid_link_id",
        ),
        (
            Method::GET,
            "/links/link_test_%00".to_owned(),
            "invalid_link_id",
        ),
        (Method::GET, "/charges/%00".to_owned(), "not_found"),
        (
            Method::GET,
            "/charges/chrg_test_%00/events".to_owned(),
            "not_found",
        ),
        (
            Method::POST,
            "/charges/%00/mark_as_paid".to_owned(),
            "not_found",
        ),
        (Method::GET, "/charges/%00/refunds".to_owned(), "not_found"),
        (Method::POST, "/charges/%00/refunds".to_owned(), "not_found"),
        (
            Method::GET,
            format!("/charges/{charge}/refunds/%00"),
            "not_found",
        ),
        (Method::GET, "/events/evnt_test_%00".to_owned(), "not_found"),
        (Method::GET, "/tokens/tokn_test_%00".to_owned(), "not_found"),
    ] {
        let reply = send(app.request(method.clone(), &path, app.sk())).await;
        assert_eq!(reply.body["code"], code, "{method} {path}");
        reply.assert_error(404, code);
    }
    for path in ["/search?scope=charge&query=a%00b", "/charges?order=%00"] {
        let reply = send(app.request(Method::GET, path, app.sk())).await;
        assert_eq!(reply.status.as_u16(), 400, "{path}: {:?}", reply.body);
        assert_eq!(reply.body["object"], "error", "{path}");
    }
    let reply = send(app.request(Method::POST, "/links", app.sk()).form(&[
        ("amount", "1000"),
        ("currency", "THB"),
        ("title", "a\0b"),
        ("description", "d"),
    ]))
    .await;
    assert_eq!(reply.status.as_u16(), 400, "{:?}", reply.body);
    assert_eq!(reply.body["object"], "error");
    let reply = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("webhook_uri", "https://shop.example/\0")]),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 400, "{:?}", reply.body);
    let page = app.client.get(app.url("/pay/%00")).send().await.unwrap();
    assert_eq!(page.status(), 404);
}

/// A NUL in a display name, a card's name or its address is refused on
/// either database: PostgreSQL can store none, nor search a card's JSON
/// that holds one, and a card token with one made every payment with it
/// a 500.
async fn nul_bytes_in_a_display_name_or_a_card_are_refused() {
    let app = TestApp::spawn().await;
    let reply = send(
        app.request(Method::PATCH, "/account", app.sk())
            .form(&[("display_name", "Siam\0Coffee")]),
    )
    .await;
    reply.assert_error(400, "bad_request");
    assert!(reply.body["message"].as_str().unwrap().contains("NUL"));
    let account = app.get("/account").await;
    assert_ne!(account.body["display_name"], "Siam\0Coffee");
    let card = crate::helpers::card_fields("4242424242424242");
    for (field, value) in [
        ("name", "A\0B"),
        ("city", "Bang\0kok"),
        ("postal_code", "10\0-110"),
    ] {
        let mut card = card.clone();
        card[field] = json!(value);
        let reply = send(
            app.request(Method::POST, "/tokens", app.pk())
                .json(&json!({"card": card})),
        )
        .await;
        reply.assert_error(400, "invalid_card");
        assert_eq!(
            reply.body["message"],
            format!("{field} must not contain NUL characters")
        );
    }
    // The form typed with one comes back, and the link still takes a payment.
    let link = app.thb_link(false).await;
    let uri = link["payment_uri"].as_str().unwrap();
    let page = app
        .client
        .post(uri)
        .form(&[
            ("name", "A\0B"),
            ("number", "4242424242424242"),
            ("expiration_month", "12"),
            ("expiration_year", "2040"),
            ("security_code", "123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    let id = link["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/links/{id}/charges")).await.body["total"],
        0
    );
    app.pay_ok(&link, "4242424242424242").await;
}

async fn bad_list_parameters() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let charges = format!("/links/{}/charges", link["id"].as_str().unwrap());
    for path in ["/links", "/charges", charges.as_str()] {
        for (query, code, needle) in [
            ("limit=0", "bad_request", "limit"),
            ("limit=101", "bad_request", "limit"),
            ("limit=abc", "bad_request", "limit"),
            ("offset=-1", "bad_request", "offset"),
            ("offset=1.5", "bad_request", "offset"),
            ("order=newest", "bad_request", "order"),
            ("from=2026-11-22&to=2026-11-21", "bad_request", "from"),
            ("from=yesterday", "invalid_date_format", "from"),
            ("to=2026-13-45", "invalid_date_format", "to"),
        ] {
            let reply = app.get(&format!("{path}?{query}")).await;
            reply.assert_error(400, code);
            assert!(
                reply.body["message"].as_str().unwrap().contains(needle),
                "{path}?{query}: {}",
                reply.text
            );
        }
    }
}

async fn precedence_is_authentication_then_id_then_parameters() {
    let app = TestApp::spawn().await;
    let bad_everything = app.url("/links/BAD/charges?limit=0");
    send(app.client.get(&bad_everything))
        .await
        .assert_error(401, "authentication_failure");
    send(
        app.client
            .get(&bad_everything)
            .basic_auth(app.sk(), Some("")),
    )
    .await
    .assert_error(404, "invalid_link_id");
    app.get("/links/link_test_5xuy4w91xqz7d1w9u0t/charges?limit=0")
        .await
        .assert_error(404, "not_found");
    let reply = send(
        app.request(
            Method::GET,
            "/links/link_test_5xuy4w91xqz7d1w9u0t",
            app.sk(),
        )
        .header("Omise-Version", "1999-01-01"),
    )
    .await;
    reply.assert_error(404, "not_found");
    let malformed_body = send(
        app.request(
            Method::GET,
            "/links/link_test_5xuy4w91xqz7d1w9u0t/charges",
            app.sk(),
        )
        .header("content-type", "application/json")
        .body("{not json"),
    )
    .await;
    malformed_body.assert_error(404, "not_found");
}

async fn malformed_bodies_change_nothing() {
    let app = TestApp::spawn().await;
    let bodies: [(&str, Vec<u8>); 5] = [
        ("application/json", b"{\"amount\": 5000, ".to_vec()),
        ("application/json", b"[1,2,3]".to_vec()),
        (
            "application/json",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
        ),
        (
            "application/x-www-form-urlencoded",
            vec![b't', b'i', b't', b'l', b'e', b'=', 0xff],
        ),
        (
            "application/x-www-form-urlencoded",
            b"amount=5000&currency=THB&title=%FF%FE&description=".to_vec(),
        ),
    ];
    for (content_type, body) in bodies {
        let reply = send(
            app.request(Method::POST, "/links", app.sk())
                .header("content-type", content_type)
                .body(body.clone()),
        )
        .await;
        reply.assert_error(400, "bad_request");
    }
    let reply = send(
        app.request(Method::POST, "/links", app.sk())
            .header("content-type", "text/xml")
            .body("<link/>"),
    )
    .await;
    reply.assert_error(400, "bad_request");
    assert_eq!(app.get("/links").await.body["total"], 0);
}

async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn_with(|c| c.body_limit = 1024).await;
    let body =
        json!({"amount": 5000, "currency": "THB", "title": "t", "description": "x".repeat(2000)});
    let reply = send(app.request(Method::POST, "/links", app.sk()).json(&body)).await;
    reply.assert_error(413, "request_entity_too_large");
    assert_eq!(app.get("/links").await.body["total"], 0);
    let default = TestApp::spawn().await;
    let huge = "a=".to_owned() + &"x".repeat(70 * 1024);
    let reply = send(
        default
            .request(Method::POST, "/links", default.sk())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(huge),
    )
    .await;
    reply.assert_error(413, "request_entity_too_large");
}

async fn used_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    let token = app.token("4242424242424242").await;
    assert_eq!(app.pay(&link, &token).await.status(), 303);
    assert_eq!(app.pay(&link, &token).await.status(), 400);
    let reply = send(app.request(Method::GET, &format!("/tokens/{token}"), app.pk())).await;
    assert_eq!(reply.assert_ok()["used"], true);
    let charges = app
        .get(&format!("/links/{}/charges", link["id"].as_str().unwrap()))
        .await;
    assert_eq!(charges.body["total"], 1);
}

async fn invalid_cards() {
    let app = TestApp::spawn().await;
    let valid = crate::helpers::card_fields("4242424242424242");
    for (field, value, message) in [
        ("number", json!("4242424242424241"), "number is invalid"),
        ("number", json!("1234"), "number is invalid"),
        ("number", json!(null), "number is invalid"),
        (
            "expiration_month",
            json!(13),
            "expiration month is not between 1 and 12",
        ),
        (
            "expiration_year",
            json!(2001),
            "expiration date cannot be in the past",
        ),
        ("security_code", json!("12"), "security code is invalid"),
        ("name", json!(""), "name is required"),
    ] {
        let mut card = valid.clone();
        card[field] = value;
        let reply = send(
            app.request(Method::POST, "/tokens", app.pk())
                .json(&json!({"card": card})),
        )
        .await;
        reply.assert_error(400, "invalid_card");
        assert_eq!(reply.body["message"], message, "{field}");
    }
}

async fn internal_errors_carry_a_request_id_and_no_detail() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let id = link["id"].as_str().unwrap();
    app.execute_sql(&format!(
        "UPDATE links SET currency = 'XXX' WHERE id = '{id}'"
    ))
    .await;
    let reply = app.get(&format!("/links/{id}")).await;
    reply.assert_error(500, "internal_error");
    let request_id = reply.headers["x-request-id"].to_str().unwrap();
    let message = reply.body["message"].as_str().unwrap();
    assert!(message.contains(request_id), "{message}");
    for leak in ["SELECT", "sqlite", "currency", "src/", "panicked"] {
        assert!(!reply.text.contains(leak), "{leak} in {}", reply.text);
    }
}

crate::helpers::db_tests!(
    authentication_failures,
    nul_bytes_are_refused_in_kind_before_any_query,
    nul_bytes_in_a_display_name_or_a_card_are_refused,
    malformed_link_ids_are_invalid_link_id,
    ids_this_key_cannot_see_are_not_found,
    unknown_routes_and_wrong_methods,
    path_ids_that_do_not_decode_are_unknown_routes,
    bad_list_parameters,
    precedence_is_authentication_then_id_then_parameters,
    malformed_bodies_change_nothing,
    oversized_bodies_are_refused,
    used_tokens_are_refused,
    invalid_cards,
    internal_errors_carry_a_request_id_and_no_detail,
);
