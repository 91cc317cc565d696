//! The merchant's dashboard in a real browser, with `browser.rs`'s
//! chromedriver: the merchant's whole story with JavaScript on and off,
//! and every page in English, Thai and Japanese on a phone and a desktop,
//! saved as `target/screenshots/dashboard-*.png`.

use crate::browser::{
    DEFAULT, Setup, arrive_at, fill_card, press_button, press_pay, screenshot_dir, text_of,
    type_into, value_of, viewport, with_browser,
};
use crate::helpers::TestApp;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::io::Write as _;
use std::time::{Duration, Instant};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);

/// Saves the page as a phone and a desktop show it, and, when it is longer
/// than the screen, the whole page as well (`…-full.png`).
async fn shots(c: &Client, name: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let save = |file: String, png: Vec<u8>| {
        std::fs::File::create(dir.join(file))
            .and_then(|mut f| f.write_all(&png))
            .expect("screenshot saved");
    };
    for (size, (width, height)) in [("phone", PHONE), ("desktop", DESKTOP)] {
        viewport(c, width, height).await;
        save(
            format!("{name}-{size}.png"),
            c.screenshot().await.expect("screenshot"),
        );
        let full = c
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .expect("the page is measured")
            .as_u64()
            .and_then(|h| u32::try_from(h).ok())
            .unwrap_or(height);
        if full > height {
            viewport(c, width, full.min(6000)).await;
            save(
                format!("{name}-{size}-full.png"),
                c.screenshot().await.expect("screenshot"),
            );
        }
    }
    viewport(c, DESKTOP.0, DESKTOP.1).await;
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
        .click()
        .await
        .expect("click");
}

/// Waits until the element `css` shows text containing `text`.
async fn wait_for_text(c: &Client, css: &str, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = match c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if now.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected {css} to show {text:?}, found {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_in(c: &Client, app: &TestApp, key: &str) {
    c.goto(&app.url("/dashboard")).await.unwrap();
    arrive_at(c, "Sign in to your dashboard").await;
    type_into(c, "#key", key).await;
    press_button(c, "Sign in").await;
    arrive_at(c, "Overview").await;
}

/// Makes a link in the dashboard's form; its payment link.
async fn make_link(c: &Client, app: &TestApp) -> String {
    c.goto(&app.url("/dashboard/links/new")).await.unwrap();
    arrive_at(c, "New link").await;
    type_into(c, "#title", "Blue mug").await;
    type_into(c, "#description", "Large, glazed").await;
    type_into(c, "#amount", "1,000.50").await;
    press_button(c, "Create link").await;
    arrive_at(c, "Blue mug").await;
    assert_eq!(text_of(c, ".done").await, "Link created.");
    assert_eq!(text_of(c, ".facts .amount").await, "฿1,000.50");
    let uri = value_of(c, "#payment-uri").await;
    assert!(uri.contains("/pay/"), "{uri}");
    uri
}

async fn pay(c: &Client, uri: &str) {
    c.goto(uri).await.unwrap();
    arrive_at(c, "Blue mug").await;
    fill_card(c, "4242424242424242", ("12", "34"), "123").await;
    press_pay(c).await;
    arrive_at(c, "Payment successful").await;
}

/// From the charge's page: refunds ฿400.25 of it.
async fn refund_part(c: &Client, app: &TestApp) {
    arrive_at(c, "฿1,000.50").await;
    let charge = c.current_url().await.unwrap();
    let charge = charge.path().rsplit('/').next().unwrap().to_owned();
    type_into(c, "#refund-amount", "400.25").await;
    press_button(c, "Refund").await;
    wait_for_text(c, ".done", "Refund made.").await;
    wait_for_text(c, ".refunds", "฿400.25").await;
    assert!(text_of(c, "#refund-left").await.starts_with("฿600.25"));
    let api = app.get(&format!("/charges/{charge}")).await;
    assert_eq!(api.assert_ok()["refunded_amount"], 40025);
}

/// In settings: a wrong word deletes nothing, the word shown does.
async fn reset_test_data(c: &Client, app: &TestApp) {
    c.goto(&app.url("/dashboard/settings")).await.unwrap();
    arrive_at(c, "Settings").await;
    assert_eq!(text_of(c, "label[for=confirm] kbd").await, "RESET");
    type_into(c, "#confirm", "DELETE").await;
    press_button(c, "Delete all test data").await;
    wait_for_text(c, "#confirm-error", "nothing was deleted").await;
    assert_eq!(value_of(c, "#confirm").await, "DELETE");
    assert_eq!(app.get("/links").await.assert_ok()["total"], 1);
    type_into(c, "#confirm", "RESET").await;
    press_button(c, "Delete all test data").await;
    wait_for_text(c, ".done", "Test data deleted.").await;
    assert_eq!(app.get("/links").await.assert_ok()["total"], 0);
    assert_eq!(app.get("/charges").await.assert_ok()["total"], 0);
}

async fn sign_out(c: &Client) {
    press_button(c, "Sign out").await;
    arrive_at(c, "Sign in to your dashboard").await;
    // The session has ended: the dashboard asks for a key again.
    c.back().await.unwrap();
    c.refresh().await.unwrap();
    arrive_at(c, "Sign in to your dashboard").await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn a_merchant_makes_a_link_sees_it_paid_refunds_and_resets() {
    let app = TestApp::spawn().await;
    with_browser("dashboard_story", DEFAULT, move |c| async move {
        sign_in(&c, &app, app.sk()).await;
        assert_eq!(text_of(&c, ".mode-band strong").await, "TEST MODE");
        let uri = make_link(&c, &app).await;

        // The charges list stays open while the payer pays in another tab;
        // the new charge comes in without a reload.
        c.goto(&app.url("/dashboard/charges")).await.unwrap();
        arrive_at(&c, "Charges").await;
        wait_for_text(&c, "[data-live=charges]", "Nothing here yet.").await;
        let dashboard = c.window().await.unwrap();
        let tab = c.new_window(true).await.unwrap();
        c.switch_to_window(tab.handle).await.unwrap();
        pay(&c, &uri).await;
        c.close_window().await.unwrap();
        c.switch_to_window(dashboard).await.unwrap();
        wait_for_text(&c, "#charges", "฿1,000.50").await;
        let row = text_of(&c, "#charges tbody tr").await;
        assert!(row.contains("Successful") && row.contains("4242"), "{row}");

        c.find(Locator::LinkText("฿1,000.50"))
            .await
            .expect("the charge's row links to it")
            .click()
            .await
            .unwrap();
        refund_part(&c, &app).await;
        shots(&c, "dashboard-story-refunded").await;
        reset_test_data(&c, &app).await;
        sign_out(&c).await;
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn the_dashboard_works_with_javascript_disabled() {
    let app = TestApp::spawn().await;
    let setup = Setup {
        javascript: false,
        ..DEFAULT
    };
    with_browser("dashboard_no_javascript", setup, move |c| async move {
        sign_in(&c, &app, app.sk()).await;
        let uri = make_link(&c, &app).await;
        // Without the script there is nothing to copy with: the button
        // stays hidden and the link is selectable text.
        let copy = c.find(Locator::Css("button.copy")).await.unwrap();
        assert!(!copy.is_displayed().await.unwrap());
        pay(&c, &uri).await;
        c.goto(&app.url("/dashboard/charges")).await.unwrap();
        arrive_at(&c, "Charges").await;
        wait_for_text(&c, "#charges", "฿1,000.50").await;
        c.find(Locator::LinkText("฿1,000.50"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        refund_part(&c, &app).await;
        reset_test_data(&c, &app).await;
        shots(&c, "dashboard-settings-no-js").await;
        sign_out(&c).await;
    })
    .await;
}

/// Data for every page to show something: a paid and partly refunded
/// charge, a declined one, one waiting at the test bank, links in two
/// currencies.
async fn seed(app: &TestApp) -> (String, String) {
    app.store
        .set_display_name(&app.keys.account_id, "Siam Tea House")
        .await
        .unwrap();
    app.create_link(json!({
        "amount": 150000, "currency": "JPY", "title": "抹茶セット(2箱)",
        "description": "Matcha, two boxes", "multiple": true,
    }))
    .await;
    let link = app
        .create_link(json!({
            "amount": 100050, "currency": "THB", "title": "Blue mug, large, glazed by hand in Chiang Mai",
            "description": "Order 384 · one mug", "multiple": true,
        }))
        .await;
    app.pay_ok(&link, "4111111111140011").await;
    let token = app.token("4000000000003220").await;
    app.pay(&link, &token).await;
    let charge = app.pay_ok(&link, "4242424242424242").await;
    let refund = crate::helpers::send(
        app.request(
            reqwest::Method::POST,
            &format!("/charges/{charge}/refunds"),
            app.sk(),
        )
        .json(&json!({"amount": 40025})),
    )
    .await;
    refund.assert_ok();
    (link["id"].as_str().unwrap().to_owned(), charge)
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn every_dashboard_page_in_three_languages_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    let (link, charge) = seed(&app).await;
    with_browser("dashboard_screens", DEFAULT, move |c| async move {
        for lang in ["en", "th", "ja"] {
            c.goto(&app.url(&format!(
                "/dashboard/lang?to={lang}&back=/dashboard/sign-in"
            )))
            .await
            .unwrap();
            text_of(&c, "h1").await;
            shots(&c, &format!("dashboard-sign-in-{lang}")).await;
        }
        c.goto(&app.url("/dashboard/lang?to=en&back=/dashboard/sign-in"))
            .await
            .unwrap();
        sign_in(&c, &app, &app.keys.secret_key_live).await;
        assert_eq!(text_of(&c, ".mode-band strong").await, "LIVE MODE");
        shots(&c, "dashboard-overview-live-en").await;
        press_button(&c, "Sign out").await;
        arrive_at(&c, "Sign in to your dashboard").await;
        sign_in(&c, &app, app.sk()).await;

        let pages = [
            ("overview", "/dashboard".to_owned()),
            ("links", "/dashboard/links".to_owned()),
            ("new-link", "/dashboard/links/new".to_owned()),
            ("link", format!("/dashboard/links/{link}")),
            ("charges", "/dashboard/charges".to_owned()),
            ("charge", format!("/dashboard/charges/{charge}")),
            ("settings", "/dashboard/settings".to_owned()),
        ];
        for lang in ["en", "th", "ja"] {
            c.goto(&app.url(&format!("/dashboard/lang?to={lang}&back=/dashboard")))
                .await
                .unwrap();
            for (name, path) in &pages {
                c.goto(&app.url(path)).await.unwrap();
                let html = c.find(Locator::Css("html")).await.unwrap();
                assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some(lang));
                text_of(&c, "h1").await;
                shots(&c, &format!("dashboard-{name}-{lang}")).await;
            }
            // Refusals beside their fields.
            c.goto(&app.url("/dashboard/links/new")).await.unwrap();
            type_into(&c, "#amount", "12.345").await;
            click(&c, "form.form button[type=submit]").await;
            text_of(&c, "#amount-error").await;
            shots(&c, &format!("dashboard-new-link-error-{lang}")).await;
            c.goto(&app.url("/dashboard/settings")).await.unwrap();
            type_into(&c, "#display_name", " ").await;
            click(&c, "#display-name-section button[type=submit]").await;
            text_of(&c, "#display_name-error").await;
            shots(&c, &format!("dashboard-settings-name-error-{lang}")).await;
            type_into(&c, "#confirm", "nope").await;
            click(&c, "#reset button[type=submit]").await;
            text_of(&c, "#confirm-error").await;
            shots(&c, &format!("dashboard-settings-error-{lang}")).await;

            // Rolling the keys: the new ones once, then in again with the
            // new secret key.
            c.goto(&app.url("/dashboard/settings")).await.unwrap();
            click(&c, "#keys summary").await;
            click(&c, "#understood").await;
            shots(&c, &format!("dashboard-settings-roll-{lang}")).await;
            click(&c, "#keys button.danger").await;
            text_of(&c, "#new-skey-test").await;
            let secret = value_of(&c, "#new-skey-test").await;
            assert!(secret.starts_with("skey_test_"), "{secret}");
            shots(&c, &format!("dashboard-new-keys-{lang}")).await;
            click(&c, "#sign-in-again button[type=submit]").await;
            text_of(&c, ".mode-band").await;
            assert!(
                c.current_url().await.unwrap().path() == "/dashboard",
                "signed in again with the new key"
            );
        }
    })
    .await;
}
