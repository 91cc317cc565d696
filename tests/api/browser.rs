//! The payment page in a real browser: headless Chromium driven over
//! WebDriver by chromedriver, both Debian's packages.
//!
//! One chromedriver serves the whole test run; each test opens its own
//! browser session with a fresh profile. Without the browser the tests are
//! skipped loudly on a developer's machine, and fail in CI (`CI=true`).
//! Screenshots of each state land in `target/screenshots/`, phone-sized and
//! desktop-sized.

use crate::helpers::{TestApp, in_ci};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
use std::io::Write as _;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 800);

/// A running chromedriver. It runs under a small shell that waits on a pipe
/// from this process: when the test binary exits, however it exits, the
/// pipe closes and the shell ends chromedriver and its browsers with it.
struct Driver {
    url: String,
    _watch: Child,
}

static DRIVER: OnceLock<Result<Driver, String>> = OnceLock::new();

/// The shared chromedriver, or `None` (after saying so) when the browser is
/// not installed outside CI.
fn driver(test: &str) -> Option<&'static Driver> {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if !missing.is_empty() {
        assert!(
            !in_ci(),
            "browser tests need {missing:?}: install Debian's chromium and chromium-driver"
        );
        eprintln!(
            "SKIPPED browser test {test}: {missing:?} not installed \
             (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    check_fonts();
    match DRIVER.get_or_init(start_driver) {
        Ok(driver) => Some(driver),
        Err(e) => panic!("chromedriver did not start: {e}"),
    }
}

/// Thai and Japanese pages need their fonts, or the screenshots show boxes
/// while every assertion on the text still passes: CI fails without them.
fn check_fonts() {
    let missing: Vec<&str> = [("th", "fonts-thai-tlwg"), ("ja", "fonts-ipafont-gothic")]
        .into_iter()
        .filter(|(lang, _)| {
            Command::new("fc-list")
                .arg(format!(":lang={lang}"))
                .arg("family")
                .output()
                .map_or(true, |out| out.stdout.trim_ascii().is_empty())
        })
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return;
    }
    assert!(
        !in_ci(),
        "Thai or Japanese pages would render as boxes: install {missing:?}"
    );
    eprintln!("WARNING: fonts missing, screenshots will show boxes: apt-get install {missing:?}");
}

fn start_driver() -> Result<Driver, String> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    // `cat` returns when this process's end of the pipe closes; the kill
    // then takes the whole process group: chromedriver and any browser.
    let watch = r#"trap 'kill -TERM -$$' EXIT; "$0" --port="$1" >/dev/null 2>&1 & cat >/dev/null"#;
    let child = Command::new("sh")
        .args(["-c", watch, CHROMEDRIVER, &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("nothing listens on port {port} after 20 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Driver {
        url: format!("http://127.0.0.1:{port}"),
        _watch: child,
    })
}

/// How a test's browser is set up.
#[derive(Clone, Copy)]
pub(crate) struct Setup {
    pub(crate) javascript: bool,
    pub(crate) accept_language: &'static str,
}

pub(crate) const DEFAULT: Setup = Setup {
    javascript: true,
    accept_language: "en-US,en",
};

/// Runs `test` with a fresh browser session, then closes the session
/// whether the test passed or panicked.
pub(crate) async fn with_browser<F, Fut>(name: &str, setup: Setup, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(driver) = driver(name) else { return };
    let profile = tempfile::tempdir().expect("profile dir");
    let mut prefs = json!({"intl.accept_languages": setup.accept_language});
    if !setup.javascript {
        prefs["profile.managed_default_content_settings.javascript"] = json!(2);
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars",
                format!("--user-data-dir={}", profile.path().display()),
                format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
            ],
            "prefs": prefs,
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session starts");
    let outcome = tokio::spawn(test(client.clone())).await;
    client.close().await.expect("the session closes");
    drop(profile);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

/// Saves the page as a phone and a desktop would show it.
async fn screenshots(c: &Client, name: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    for (size, (width, height)) in [("phone", PHONE), ("desktop", DESKTOP)] {
        viewport(c, width, height).await;
        let png = c.screenshot().await.expect("screenshot");
        let path = dir.join(format!("{name}-{size}.png"));
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(&png))
            .expect("screenshot saved");
    }
}

/// Makes the page's viewport, not the window around it, this size.
pub(crate) async fn viewport(c: &Client, width: u32, height: u32) {
    c.set_window_size(width, height).await.expect("resize");
    let inner = c
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .expect("the viewport is measured");
    let size = |i: usize| u32::try_from(inner[i].as_u64().unwrap()).unwrap();
    let (inner_width, inner_height) = (size(0), size(1));
    if (inner_width, inner_height) != (width, height) {
        c.set_window_size(2 * width - inner_width, 2 * height - inner_height)
            .await
            .expect("resize");
    }
}

pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
        .text()
        .await
        .expect("text")
}

pub(crate) async fn value_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

pub(crate) async fn type_into(c: &Client, css: &str, text: &str) {
    let input = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} is on the page: {e}"));
    input.clear().await.expect("clear");
    input.send_keys(text).await.expect("typing");
}

/// Fills the card form; `expiry` is (month, year) as typed.
pub(crate) async fn fill_card(c: &Client, number: &str, expiry: (&str, &str), security_code: &str) {
    type_into(c, "#name", "Somchai Jaidee").await;
    type_into(c, "#number", number).await;
    type_into(c, "#expiration_month", expiry.0).await;
    type_into(c, "#expiration_year", expiry.1).await;
    type_into(c, "#security_code", security_code).await;
}

pub(crate) async fn press_pay(c: &Client) {
    c.find(Locator::Css("button[type=submit]"))
        .await
        .expect("the pay button")
        .click()
        .await
        .expect("click");
}

/// Presses the button labelled `label`: the test bank has two, each in
/// its own form.
pub(crate) async fn press_button(c: &Client, label: &str) {
    c.find(Locator::XPath(&format!(
        "//button[normalize-space()='{label}']"
    )))
    .await
    .unwrap_or_else(|e| panic!("a button labelled {label:?}: {e}"))
    .click()
    .await
    .expect("click");
}

/// Waits for the browser to arrive at a page whose heading is `heading`.
pub(crate) async fn arrive_at(c: &Client, heading: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = match c.find(Locator::Css("h1")).await {
            Ok(h1) => h1.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if now == heading {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected a page headed {heading:?}, found {now:?} at {:?}",
            c.current_url().await.map(|u| u.to_string())
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn payment_uri(link: &Value) -> String {
    link["payment_uri"].as_str().unwrap().to_owned()
}

async fn charges_of(app: &TestApp, link: &Value) -> Value {
    let id = link["id"].as_str().unwrap();
    app.get(&format!("/links/{id}/charges")).await.body
}

/// The test cards that send the payer to the test bank for 3-D Secure.
const VISA_3DS: &str = "4000000000003220";
const MASTERCARD_3DS: &str = "5200000000003225";

/// The charge the test bank is asking about, from the page's address.
async fn charge_at_bank(c: &Client) -> String {
    let url = c.current_url().await.unwrap();
    url.path()
        .strip_prefix("/authorize/")
        .unwrap_or_else(|| panic!("expected the test bank, found {url}"))
        .to_owned()
}

/// The labels of the test bank's buttons, in order.
async fn bank_buttons(c: &Client) -> Vec<String> {
    let mut labels = vec![];
    for button in c
        .find_all(Locator::Css(".bank-actions form button[type=submit]"))
        .await
        .unwrap()
    {
        labels.push(button.text().await.unwrap());
    }
    labels
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn a_payer_opens_the_link_pays_and_sees_the_receipt() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    with_browser("pay_and_receipt", DEFAULT, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        assert_eq!(text_of(&c, "h1").await, "Order-384");
        assert_eq!(text_of(&c, ".summary .amount").await, "฿1,000.00");
        assert_eq!(text_of(&c, ".description").await, "New Product");
        // The banner's tag is upper case on screen, as WebDriver reports it.
        assert_eq!(text_of(&c, ".test-banner strong").await, "TEST MODE");
        assert_eq!(text_of(&c, "button[type=submit]").await, "Pay ฿1,000.00");
        screenshots(&c, "pay-form").await;

        fill_card(&c, "4242424242424242", ("12", "34"), "123").await;
        // The script groups the number as it is embossed and names the brand.
        assert_eq!(value_of(&c, "#number").await, "4242 4242 4242 4242");
        assert_eq!(text_of(&c, ".brand").await, "Visa");
        screenshots(&c, "pay-form-filled").await;
        press_pay(&c).await;

        arrive_at(&c, "Payment successful").await;
        let charges = charges_of(&app, &link).await;
        assert_eq!(charges["total"], 1);
        let charge_id = charges["data"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(text_of(&c, ".details code").await, charge_id);
        assert!(text_of(&c, ".panel .amount").await.ends_with("฿1,000.00"));
        let details = text_of(&c, ".details").await;
        assert!(details.contains("Order-384"), "{details}");
        assert!(details.contains("Visa ending in 4242"), "{details}");
        assert!(details.contains(" UTC"), "{details}");
        assert!(
            c.current_url()
                .await
                .unwrap()
                .as_str()
                .contains(&format!("/complete?charge={charge_id}"))
        );
        screenshots(&c, "receipt").await;
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn a_declined_card_then_a_good_one() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    with_browser("declined_then_paid", DEFAULT, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        fill_card(&c, "4111111111140011", ("12", "34"), "123").await;
        press_pay(&c).await;

        arrive_at(&c, "Payment declined").await;
        assert_eq!(
            text_of(&c, ".reason").await,
            "The card has insufficient funds or has reached its credit limit."
        );
        assert_eq!(text_of(&c, ".lead").await, "Your card was not charged.");
        screenshots(&c, "declined").await;
        c.find(Locator::LinkText("Try another card"))
            .await
            .expect("a way to try another card")
            .click()
            .await
            .unwrap();

        arrive_at(&c, "Order-384").await;
        assert_eq!(value_of(&c, "#number").await, "");
        fill_card(&c, "4242424242424242", ("12", "34"), "123").await;
        press_pay(&c).await;
        arrive_at(&c, "Payment successful").await;

        let charges = charges_of(&app, &link).await;
        assert_eq!(charges["total"], 2);
        assert_eq!(charges["data"][0]["failure_code"], "insufficient_fund");
        assert_eq!(charges["data"][1]["status"], "successful");
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn invalid_details_are_shown_inline_and_what_was_typed_is_kept() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    with_browser("invalid_details", DEFAULT, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        fill_card(&c, "4242424242424241", ("13", "34"), "12").await;
        press_pay(&c).await;

        let alert = text_of(&c, ".alert").await;
        assert!(
            alert.starts_with("Please check your card details."),
            "{alert}"
        );
        assert_eq!(
            text_of(&c, "#number-error").await,
            "Enter a valid card number."
        );
        assert_eq!(
            text_of(&c, "#expiry-error").await,
            "Enter a month from 1 to 12."
        );
        assert_eq!(
            text_of(&c, "#security_code-error").await,
            "Enter the security code printed on the card."
        );
        let invalid = c
            .find_all(Locator::Css("input[aria-invalid=true]"))
            .await
            .unwrap();
        let mut ids = vec![];
        for input in invalid {
            ids.push(input.attr("id").await.unwrap().unwrap());
        }
        assert_eq!(ids, ["number", "expiration_month", "security_code"]);
        // Kept: the name and the expiry. Never sent back: number and code.
        assert_eq!(value_of(&c, "#name").await, "Somchai Jaidee");
        assert_eq!(value_of(&c, "#expiration_month").await, "13");
        assert_eq!(value_of(&c, "#expiration_year").await, "34");
        assert_eq!(value_of(&c, "#number").await, "");
        assert_eq!(value_of(&c, "#security_code").await, "");
        assert!(!c.source().await.unwrap().contains("4242424241"));
        screenshots(&c, "invalid-details").await;

        type_into(&c, "#number", "4242424242424242").await;
        type_into(&c, "#expiration_month", "12").await;
        type_into(&c, "#security_code", "123").await;
        press_pay(&c).await;
        arrive_at(&c, "Payment successful").await;
        assert_eq!(charges_of(&app, &link).await["total"], 1);
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn used_unknown_and_live_links_say_why_they_take_no_payment() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    app.pay_ok(&link, "4242424242424242").await;
    let unknown = app.url("/pay/ZZZZZZZZZZZZZZZZZZZ");
    let live_app = TestApp::spawn().await;
    let live = live_app
        .create_link_with(
            &live_app.keys.secret_key_live.clone(),
            json!({"amount": 5000, "currency": "THB", "title": "Live order", "description": ""}),
        )
        .await;
    with_browser("unavailable_links", DEFAULT, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        arrive_at(&c, "This link has already been paid").await;
        assert!(c.find_all(Locator::Css("form")).await.unwrap().is_empty());
        screenshots(&c, "used-link").await;

        c.goto(&unknown).await.unwrap();
        arrive_at(&c, "This payment link is not available").await;
        assert!(
            c.find_all(Locator::Css(".test-banner"))
                .await
                .unwrap()
                .is_empty()
        );
        screenshots(&c, "unknown-link").await;

        c.goto(&payment_uri(&live)).await.unwrap();
        arrive_at(&c, "Payments are not available").await;
        assert!(c.find_all(Locator::Css("form")).await.unwrap().is_empty());
        assert!(
            c.find_all(Locator::Css(".test-banner"))
                .await
                .unwrap()
                .is_empty()
        );
        screenshots(&c, "live-unavailable").await;
        drop(live_app);
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn a_thai_browser_gets_the_page_in_thai() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let setup = Setup {
        accept_language: "th-TH,th",
        ..DEFAULT
    };
    with_browser("thai", setup, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        let html = c.find(Locator::Css("html")).await.unwrap();
        assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some("th"));
        assert_eq!(text_of(&c, ".eyebrow").await, "ชำระเงินสำหรับ");
        assert_eq!(text_of(&c, "label[for=number]").await, "หมายเลขบัตร");
        assert_eq!(
            text_of(&c, "button[type=submit]").await,
            "ชำระเงิน ฿1,000.00"
        );
        screenshots(&c, "pay-form-th").await;

        fill_card(&c, "4242424242424242", ("12", "34"), "123").await;
        press_pay(&c).await;
        arrive_at(&c, "ชำระเงินสำเร็จ").await;
        let details = text_of(&c, ".details").await;
        let year = jiff::Zoned::now().year() + 543;
        assert!(details.contains(&format!("{year} เวลา")), "{details}");
        assert!(details.contains("Visa ลงท้ายด้วย 4242"), "{details}");
        screenshots(&c, "receipt-th").await;
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn japanese_by_choice_carried_through_a_decline_and_a_payment() {
    let app = TestApp::spawn().await;
    let link = app
        .create_link(json!({
            "amount": 1000, "currency": "JPY", "title": "注文 #1042",
            "description": "抹茶セット(2箱)", "multiple": true,
        }))
        .await;
    with_browser("japanese", DEFAULT, move |c| async move {
        c.goto(&format!("{}?lang=ja", payment_uri(&link)))
            .await
            .unwrap();
        assert_eq!(text_of(&c, "h1").await, "注文 #1042");
        assert_eq!(text_of(&c, ".summary .amount").await, "¥1,000");
        assert_eq!(text_of(&c, "button[type=submit]").await, "¥1,000 を支払う");
        screenshots(&c, "pay-form-ja").await;

        fill_card(&c, "4111111111110014", ("12", "34"), "123").await;
        press_pay(&c).await;
        arrive_at(&c, "お支払いが承認されませんでした").await;
        assert_eq!(
            text_of(&c, ".reason").await,
            "カード会社によりお支払いが拒否されました。"
        );
        screenshots(&c, "declined-ja").await;
        c.find(Locator::LinkText("別のカードで支払う"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();

        arrive_at(&c, "注文 #1042").await;
        assert_eq!(text_of(&c, ".eyebrow").await, "お支払い内容");
        fill_card(&c, "4242424242424242", ("12", "34"), "123").await;
        press_pay(&c).await;
        arrive_at(&c, "お支払いが完了しました").await;
        let details = text_of(&c, ".details").await;
        assert!(
            details.contains("年") && details.contains("(UTC)"),
            "{details}"
        );
        assert!(
            c.current_url()
                .await
                .unwrap()
                .as_str()
                .ends_with("&lang=ja")
        );
        screenshots(&c, "receipt-ja").await;
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn the_page_works_with_javascript_disabled() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let setup = Setup {
        javascript: false,
        ..DEFAULT
    };
    with_browser("no_javascript", setup, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        assert_eq!(text_of(&c, "h1").await, "Order-384");
        fill_card(&c, "4242424242424242", ("12", "34"), "123").await;
        // The script would have marked the page and grouped the number.
        assert!(
            c.find_all(Locator::Css("html[data-js]"))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(value_of(&c, "#number").await, "4242424242424242");
        screenshots(&c, "pay-form-no-js").await;
        press_pay(&c).await;
        arrive_at(&c, "Payment successful").await;
        assert_eq!(charges_of(&app, &link).await["total"], 1);
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn a_double_click_pays_once() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(true).await;
    with_browser("double_click", DEFAULT, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        fill_card(&c, "4242424242424242", ("12", "34"), "123").await;
        let disabled = c
            .execute(
                "const b = document.querySelector('button[type=submit]'); \
                 b.click(); b.click(); return [b.disabled, b.textContent];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(disabled, json!([true, "Paying…"]));
        arrive_at(&c, "Payment successful").await;
        assert_eq!(charges_of(&app, &link).await["total"], 1);
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn a_3ds_card_authenticates_at_the_test_bank() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    with_browser("3ds_authenticate", DEFAULT, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        fill_card(&c, VISA_3DS, ("12", "34"), "123").await;
        assert_eq!(text_of(&c, ".brand").await, "Visa");
        press_pay(&c).await;

        arrive_at(&c, "Test bank: 3-D Secure check").await;
        let charge_id = charge_at_bank(&c).await;
        let charges = charges_of(&app, &link).await;
        assert_eq!(charges["total"], 1);
        assert_eq!(charges["data"][0]["id"], charge_id.as_str());
        assert_eq!(charges["data"][0]["status"], "pending");
        assert_eq!(text_of(&c, ".test-banner strong").await, "TEST MODE");
        let lead = text_of(&c, ".lead").await;
        assert!(lead.contains("test bank, not a real one"), "{lead}");
        assert_eq!(text_of(&c, ".subject span:first-child").await, "Order-384");
        assert_eq!(text_of(&c, ".subject-amount").await, "฿1,000.00");
        assert_eq!(text_of(&c, ".panel .note").await, "Visa ending in 3220");
        assert_eq!(bank_buttons(&c).await, ["Authenticate", "Fail"]);
        screenshots(&c, "3ds-bank-en").await;
        press_button(&c, "Authenticate").await;

        arrive_at(&c, "Payment successful").await;
        assert!(
            c.current_url()
                .await
                .unwrap()
                .as_str()
                .contains(&format!("/complete?charge={charge_id}"))
        );
        assert_eq!(text_of(&c, ".details code").await, charge_id);
        let details = text_of(&c, ".details").await;
        assert!(details.contains("Visa ending in 3220"), "{details}");
        let charges = charges_of(&app, &link).await;
        assert_eq!(charges["total"], 1);
        assert_eq!(charges["data"][0]["id"], charge_id.as_str());
        assert_eq!(charges["data"][0]["status"], "successful");
        assert_eq!(charges["data"][0]["paid"], true);

        // Back to the bank, too late. Chromium brings the page back from its
        // back/forward cache; the page's script asks the server again, which
        // sends the payer on to the receipt rather than offer the buttons.
        c.back().await.unwrap();
        arrive_at(&c, "Payment successful").await;
        let charges = charges_of(&app, &link).await;
        assert_eq!(charges["total"], 1);
        assert_eq!(charges["data"][0]["status"], "successful");
        // Asked afresh, the bank sends the payer to the receipt.
        c.goto(&app.url(&format!("/authorize/{charge_id}")))
            .await
            .unwrap();
        arrive_at(&c, "Payment successful").await;
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn a_thai_payer_fails_3ds_then_pays_with_another_card() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let setup = Setup {
        accept_language: "th-TH,th",
        ..DEFAULT
    };
    with_browser("3ds_fail_thai", setup, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        fill_card(&c, MASTERCARD_3DS, ("12", "34"), "123").await;
        assert_eq!(text_of(&c, ".brand").await, "MasterCard");
        press_pay(&c).await;

        arrive_at(&c, "ธนาคารทดสอบ: การยืนยันตัวตน 3-D Secure").await;
        let charge_id = charge_at_bank(&c).await;
        let html = c.find(Locator::Css("html")).await.unwrap();
        assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some("th"));
        let lead = text_of(&c, ".lead").await;
        assert!(lead.contains("ไม่ใช่ธนาคารจริง"), "{lead}");
        assert_eq!(text_of(&c, ".subject-amount").await, "฿1,000.00");
        assert_eq!(
            text_of(&c, ".panel .note").await,
            "MasterCard ลงท้ายด้วย 3225"
        );
        assert_eq!(bank_buttons(&c).await, ["ยืนยันตัวตน", "ไม่ผ่านการยืนยัน"]);
        screenshots(&c, "3ds-bank-th").await;
        press_button(&c, "ไม่ผ่านการยืนยัน").await;

        arrive_at(&c, "การชำระเงินถูกปฏิเสธ").await;
        assert!(
            c.current_url()
                .await
                .unwrap()
                .as_str()
                .contains(&format!("/complete?charge={charge_id}"))
        );
        assert_eq!(
            text_of(&c, ".reason").await,
            "ธนาคารของคุณไม่สามารถยืนยันตัวตนของคุณได้"
        );
        assert_eq!(text_of(&c, ".lead").await, "ไม่มีการตัดเงินจากบัตรของคุณ");
        let details = text_of(&c, ".details").await;
        assert!(details.contains("ลงท้ายด้วย 3225"), "{details}");
        screenshots(&c, "3ds-declined-th").await;
        let charges = charges_of(&app, &link).await;
        assert_eq!(charges["total"], 1);
        assert_eq!(charges["data"][0]["status"], "failed");
        assert_eq!(charges["data"][0]["failure_code"], "failed_processing");

        // The single-use link takes payment again.
        c.find(Locator::LinkText("ลองใช้บัตรอื่น"))
            .await
            .expect("a way to try another card")
            .click()
            .await
            .unwrap();
        arrive_at(&c, "Order-384").await;
        assert_eq!(text_of(&c, ".eyebrow").await, "ชำระเงินสำหรับ");
        assert_eq!(value_of(&c, "#number").await, "");
        fill_card(&c, "4242424242424242", ("12", "34"), "123").await;
        press_pay(&c).await;
        arrive_at(&c, "ชำระเงินสำเร็จ").await;
        let details = text_of(&c, ".details").await;
        assert!(details.contains("Visa ลงท้ายด้วย 4242"), "{details}");

        let charges = charges_of(&app, &link).await;
        assert_eq!(charges["total"], 2);
        assert_eq!(charges["data"][0]["id"], charge_id.as_str());
        assert_eq!(charges["data"][0]["status"], "failed");
        assert_eq!(charges["data"][1]["status"], "successful");
    })
    .await;
}

#[tokio::test]
#[cfg_attr(paylink_no_browser, ignore = "needs chromium and chromium-driver")]
async fn the_test_bank_works_with_javascript_disabled() {
    let app = TestApp::spawn().await;
    let link = app.thb_link(false).await;
    let setup = Setup {
        javascript: false,
        ..DEFAULT
    };
    with_browser("3ds_no_javascript", setup, move |c| async move {
        c.goto(&payment_uri(&link)).await.unwrap();
        fill_card(&c, VISA_3DS, ("12", "34"), "123").await;
        press_pay(&c).await;

        arrive_at(&c, "Test bank: 3-D Secure check").await;
        assert!(
            c.find_all(Locator::Css("html[data-js]"))
                .await
                .unwrap()
                .is_empty()
        );
        let charge_id = charge_at_bank(&c).await;
        assert_eq!(bank_buttons(&c).await, ["Authenticate", "Fail"]);
        screenshots(&c, "3ds-bank-no-js").await;
        press_button(&c, "Authenticate").await;

        arrive_at(&c, "Payment successful").await;
        assert_eq!(text_of(&c, ".details code").await, charge_id);
        let charges = charges_of(&app, &link).await;
        assert_eq!(charges["total"], 1);
        assert_eq!(charges["data"][0]["id"], charge_id.as_str());
        assert_eq!(charges["data"][0]["status"], "successful");
    })
    .await;
}
