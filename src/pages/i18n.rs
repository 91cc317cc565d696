//! The payer's language: English by default, Thai and Japanese (Omise's
//! home markets) by `Accept-Language` or `?lang=`, and every string the
//! pages show in each of them.
//!
//! The tables are plain structs so that a string missing in one language is
//! a compile error, not a blank on a payer's screen.

use crate::domain::card::{CardError, FailureCode};
use crate::domain::list::Micros;
use crate::domain::money::Locale;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A language the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Th,
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Th, Lang::Ja];

    /// The BCP 47 tag, for `lang=` and `Content-Language`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Th => "th",
            Lang::Ja => "ja",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Th => "ไทย",
            Lang::Ja => "日本語",
        }
    }

    /// A tag such as `th`, `th-TH` or `JA`; `None` for other languages.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(primary.trim()))
    }

    /// The language of a request: a valid `?lang=` wins, then the first
    /// language of `Accept-Language` (by quality) that the pages speak.
    pub fn negotiate(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        query
            .and_then(Lang::parse)
            .or_else(|| {
                accept_language_preference(accept_language.unwrap_or_default())
                    .into_iter()
                    .find_map(|tag| Lang::parse(&tag))
            })
            .unwrap_or(Lang::En)
    }

    pub fn locale(self) -> Locale {
        match self {
            Lang::En => Locale::En,
            Lang::Th => Locale::Th,
            Lang::Ja => Locale::Ja,
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Th => &TH,
            Lang::Ja => &JA,
        }
    }

    /// A time as people of this language write it. The payer's time zone
    /// is unknown without script, so it is UTC and says so.
    pub fn format_time(self, at: Micros) -> String {
        let utc = Timestamp::from_microsecond(at)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(TimeZone::UTC);
        let (year, month, day) = (i32::from(utc.year()), utc.month(), utc.day());
        let (hour, minute) = (utc.hour(), utc.minute());
        match self {
            Lang::En => {
                let name = EN_MONTHS[usize::from(month.unsigned_abs()) - 1];
                format!("{day} {name} {year}, {hour:02}:{minute:02} UTC")
            }
            // Thai dates use the Buddhist era, 543 years ahead.
            Lang::Th => {
                let name = TH_MONTHS[usize::from(month.unsigned_abs()) - 1];
                format!(
                    "{day} {name} {} เวลา {hour:02}:{minute:02} น. (UTC)",
                    year + 543
                )
            }
            Lang::Ja => format!("{year}年{month}月{day}日 {hour}:{minute:02}(UTC)"),
        }
    }
}

/// The tags of an `Accept-Language` header, most preferred first.
fn accept_language_preference(header: &str) -> Vec<String> {
    accept_language::parse(header)
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const TH_MONTHS: [&str; 12] = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
];

/// Every string the pages show, in one language.
pub struct Text {
    pub secure_checkout: &'static str,
    pub language: &'static str,
    pub powered_by: &'static str,
    pub test_mode: &'static str,
    pub test_mode_note: &'static str,
    pub test_card_hint: &'static str,

    pub payment_for: &'static str,
    pub amount_due: &'static str,
    pub pay_with_card: &'static str,
    pub name_label: &'static str,
    pub number_label: &'static str,
    pub expiry_legend: &'static str,
    pub month_label: &'static str,
    pub year_label: &'static str,
    pub month_placeholder: &'static str,
    pub year_placeholder: &'static str,
    pub security_code_label: &'static str,
    pub security_code_hint: &'static str,
    pub pay_button: fn(&str) -> String,
    pub paying: &'static str,
    pub safety_note: &'static str,
    pub check_details: &'static str,
    pub form_expired: &'static str,

    pub invalid_number: &'static str,
    pub name_required: &'static str,
    pub name_too_long: &'static str,
    pub invalid_month: &'static str,
    pub invalid_year: &'static str,
    pub expired: &'static str,
    pub invalid_security_code: &'static str,

    pub paid_title: &'static str,
    pub paid_text: &'static str,
    pub amount_paid: &'static str,
    pub amount: &'static str,
    pub paid_for: &'static str,
    pub paid_to: &'static str,
    pub pay_to: &'static str,
    pub charge_id: &'static str,
    pub paid_at: &'static str,
    pub card: &'static str,
    pub card_ending: fn(&str, &str) -> String,
    pub keep_receipt: &'static str,

    pub declined_title: &'static str,
    pub declined_text: &'static str,
    pub try_another_card: &'static str,
    pub insufficient_fund: &'static str,
    pub failed_processing: &'static str,
    pub payment_rejected: &'static str,
    pub invalid_account_number: &'static str,

    pub used_title: &'static str,
    pub used_text: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_text: &'static str,
    pub live_title: &'static str,
    pub live_text: &'static str,
    pub charge_missing_title: &'static str,
    pub charge_missing_text: &'static str,
    pub token_used_title: &'static str,
    pub token_missing_title: &'static str,
    pub enter_card_again: &'static str,
    pub back_to_payment: &'static str,
    pub error_title: &'static str,
    pub error_text: &'static str,
    pub in_progress_title: &'static str,
    pub in_progress_text: &'static str,
    pub bank_title: &'static str,
    pub bank_text: &'static str,
    pub authenticate: &'static str,
    pub fail_authentication: &'static str,
    pub pending_title: &'static str,
    pub pending_text: &'static str,
    pub continue_to_bank: &'static str,
    pub expired_title: &'static str,
    pub expired_text: &'static str,
    pub authentication_failed: &'static str,
    pub reference: &'static str,
}

impl Text {
    /// What a card problem means to the payer.
    pub fn card_error(&self, error: CardError) -> &'static str {
        match error {
            CardError::InvalidNumber => self.invalid_number,
            CardError::NameRequired => self.name_required,
            CardError::NameTooLong => self.name_too_long,
            CardError::InvalidExpirationMonth => self.invalid_month,
            CardError::InvalidExpirationYear => self.invalid_year,
            CardError::Expired => self.expired,
            CardError::InvalidSecurityCode => self.invalid_security_code,
        }
    }

    /// Why a charge failed, in the payer's words rather than the API's.
    pub fn failure(&self, code: FailureCode) -> &'static str {
        match code {
            FailureCode::InsufficientFund => self.insufficient_fund,
            // The person holding a card reported stolen, or one a fraud
            // check stopped, is told no more than that the bank declined:
            // the exact code stays on the charge, for the merchant.
            FailureCode::StolenOrLostCard
            | FailureCode::FailedFraudCheck
            | FailureCode::PaymentRejected => self.payment_rejected,
            FailureCode::FailedProcessing => self.failed_processing,
            FailureCode::InvalidAccountNumber => self.invalid_account_number,
        }
    }
}

static EN: Text = Text {
    secure_checkout: "Secure checkout",
    language: "Language",
    powered_by: "Payments by paylink",
    test_mode: "Test mode",
    test_mode_note: "No real money moves.",
    test_card_hint: "Pay with the test card 4242 4242 4242 4242, \
                     any future expiry date and any security code.",

    payment_for: "Payment for",
    amount_due: "Amount due",
    pay_with_card: "Pay with card",
    name_label: "Name on card",
    number_label: "Card number",
    expiry_legend: "Expiry date",
    month_label: "Month",
    year_label: "Year",
    month_placeholder: "MM",
    year_placeholder: "YY",
    security_code_label: "Security code",
    security_code_hint: "3 digits on the back; 4 on the front for American Express.",
    pay_button: |amount| format!("Pay {amount}"),
    paying: "Paying…",
    safety_note: "Your full card number and security code are never stored.",
    check_details: "Please check your card details.",
    form_expired: "Please enter your card details again.",

    invalid_number: "Enter a valid card number.",
    name_required: "Enter the name on the card.",
    name_too_long: "The name is too long.",
    invalid_month: "Enter a month from 1 to 12.",
    invalid_year: "Enter the year printed on the card.",
    expired: "This card has expired.",
    invalid_security_code: "Enter the security code printed on the card.",

    paid_title: "Payment successful",
    paid_text: "Thank you. Your payment has been received.",
    amount_paid: "Amount paid",
    amount: "Amount",
    paid_for: "For",
    paid_to: "Paid to",
    pay_to: "You are paying",
    charge_id: "Charge ID",
    paid_at: "Date",
    card: "Card",
    card_ending: |brand, last| format!("{brand} ending in {last}"),
    keep_receipt: "Keep this page or the charge ID for your records.",

    declined_title: "Payment declined",
    declined_text: "Your card was not charged.",
    try_another_card: "Try another card",
    insufficient_fund: "The card has insufficient funds or has reached its credit limit.",
    failed_processing: "The payment could not be processed. Please try again.",
    payment_rejected: "Your bank rejected the payment.",
    invalid_account_number: "The card's account number is not valid.",

    used_title: "This link has already been paid",
    used_text: "It takes a single payment, and that payment has been made. \
                If you think this is a mistake, contact whoever sent you the link.",
    unavailable_title: "This payment link is not available",
    unavailable_text: "It may have been removed, or the address may be incomplete. \
                       Check the link you received.",
    live_title: "Payments are not available",
    live_text: "This server does not process live card payments. Your card has not been charged.",
    charge_missing_title: "Payment not found",
    charge_missing_text: "This payment was not found for this link.",
    token_used_title: "Card already used",
    token_missing_title: "Card not found",
    enter_card_again: "Please enter your card again.",
    back_to_payment: "Back to the payment",
    error_title: "Something went wrong",
    error_text: "Your card has not been charged. Please try again in a moment.",
    in_progress_title: "A payment is in progress",
    in_progress_text: "Someone is completing a payment for this link. If it does not go through, the link takes payments again.",
    bank_title: "Test bank: 3-D Secure check",
    bank_text: "This is paylink's test bank, not a real one. Choose what the card's bank would do with this payment.",
    authenticate: "Authenticate",
    fail_authentication: "Fail",
    pending_title: "Waiting for your bank",
    pending_text: "Your bank has not yet confirmed this payment. Continue to your bank to finish it.",
    continue_to_bank: "Continue to your bank",
    expired_title: "This payment expired",
    expired_text: "It was not confirmed in time, and your card was not charged.",
    authentication_failed: "Your bank could not confirm that it is you.",
    reference: "Reference",
};

static TH: Text = Text {
    secure_checkout: "ชำระเงินอย่างปลอดภัย",
    language: "ภาษา",
    powered_by: "ให้บริการชำระเงินโดย paylink",
    test_mode: "โหมดทดสอบ",
    test_mode_note: "ไม่มีการตัดเงินจริง",
    test_card_hint: "ใช้บัตรทดสอบ 4242 4242 4242 4242 \
                     วันหมดอายุใดก็ได้ในอนาคต และรหัสความปลอดภัยใดก็ได้",

    payment_for: "ชำระเงินสำหรับ",
    amount_due: "ยอดที่ต้องชำระ",
    pay_with_card: "ชำระด้วยบัตร",
    name_label: "ชื่อบนบัตร",
    number_label: "หมายเลขบัตร",
    expiry_legend: "วันหมดอายุ",
    month_label: "เดือน",
    year_label: "ปี",
    month_placeholder: "ดด",
    year_placeholder: "ปป",
    security_code_label: "รหัสความปลอดภัย",
    security_code_hint: "ตัวเลข 3 หลักด้านหลังบัตร หรือ 4 หลักด้านหน้าสำหรับ American Express",
    pay_button: |amount| format!("ชำระเงิน {amount}"),
    paying: "กำลังชำระเงิน…",
    safety_note: "เราไม่เก็บหมายเลขบัตรเต็มและรหัสความปลอดภัยของคุณ",
    check_details: "โปรดตรวจสอบข้อมูลบัตรของคุณ",
    form_expired: "โปรดกรอกข้อมูลบัตรอีกครั้ง",

    invalid_number: "โปรดกรอกหมายเลขบัตรที่ถูกต้อง",
    name_required: "โปรดกรอกชื่อตามที่ปรากฏบนบัตร",
    name_too_long: "ชื่อยาวเกินไป",
    invalid_month: "โปรดกรอกเดือนระหว่าง 1 ถึง 12",
    invalid_year: "โปรดกรอกปีตามที่พิมพ์บนบัตร",
    expired: "บัตรนี้หมดอายุแล้ว",
    invalid_security_code: "โปรดกรอกรหัสความปลอดภัยที่พิมพ์บนบัตร",

    paid_title: "ชำระเงินสำเร็จ",
    paid_text: "ขอบคุณ เราได้รับการชำระเงินของคุณแล้ว",
    amount_paid: "ยอดที่ชำระ",
    amount: "ยอดเงิน",
    paid_for: "รายการ",
    paid_to: "ผู้รับเงิน",
    pay_to: "คุณกำลังชำระเงินให้",
    charge_id: "รหัสรายการ",
    paid_at: "วันที่",
    card: "บัตร",
    card_ending: |brand, last| format!("{brand} ลงท้ายด้วย {last}"),
    keep_receipt: "โปรดเก็บหน้านี้หรือรหัสรายการไว้เป็นหลักฐาน",

    declined_title: "การชำระเงินถูกปฏิเสธ",
    declined_text: "ไม่มีการตัดเงินจากบัตรของคุณ",
    try_another_card: "ลองใช้บัตรอื่น",
    insufficient_fund: "ยอดเงินในบัตรไม่เพียงพอหรือเต็มวงเงินแล้ว",
    failed_processing: "ไม่สามารถดำเนินการชำระเงินได้ โปรดลองอีกครั้ง",
    payment_rejected: "ธนาคารผู้ออกบัตรปฏิเสธการชำระเงิน",
    invalid_account_number: "หมายเลขบัญชีของบัตรไม่ถูกต้อง",

    used_title: "ลิงก์นี้ได้รับการชำระเงินแล้ว",
    used_text: "ลิงก์นี้รับชำระได้ครั้งเดียวและได้ชำระเรียบร้อยแล้ว \
                หากคิดว่าเกิดข้อผิดพลาด โปรดติดต่อผู้ที่ส่งลิงก์ให้คุณ",
    unavailable_title: "ลิงก์ชำระเงินนี้ไม่พร้อมใช้งาน",
    unavailable_text: "ลิงก์อาจถูกลบไปแล้ว หรือที่อยู่อาจไม่ครบถ้วน โปรดตรวจสอบลิงก์ที่คุณได้รับ",
    live_title: "ไม่สามารถรับชำระเงินได้",
    live_text: "เซิร์ฟเวอร์นี้ไม่รับชำระเงินด้วยบัตรจริง ไม่มีการตัดเงินจากบัตรของคุณ",
    charge_missing_title: "ไม่พบรายการชำระเงิน",
    charge_missing_text: "ไม่พบรายการชำระเงินนี้สำหรับลิงก์นี้",
    token_used_title: "บัตรนี้ถูกใช้ไปแล้ว",
    token_missing_title: "ไม่พบข้อมูลบัตร",
    enter_card_again: "โปรดกรอกข้อมูลบัตรอีกครั้ง",
    back_to_payment: "กลับไปหน้าชำระเงิน",
    error_title: "เกิดข้อผิดพลาด",
    error_text: "ไม่มีการตัดเงินจากบัตรของคุณ โปรดลองอีกครั้งในภายหลัง",
    in_progress_title: "กำลังดำเนินการชำระเงิน",
    in_progress_text: "มีผู้กำลังชำระเงินสำหรับลิงก์นี้อยู่ หากการชำระเงินไม่สำเร็จ ลิงก์จะรับชำระเงินได้อีกครั้ง",
    bank_title: "ธนาคารทดสอบ: การยืนยันตัวตน 3-D Secure",
    bank_text: "นี่คือธนาคารทดสอบของ paylink ไม่ใช่ธนาคารจริง เลือกผลที่ธนาคารของบัตรจะให้กับการชำระเงินนี้",
    authenticate: "ยืนยันตัวตน",
    fail_authentication: "ไม่ผ่านการยืนยัน",
    pending_title: "กำลังรอธนาคารของคุณ",
    pending_text: "ธนาคารของคุณยังไม่ได้ยืนยันการชำระเงินนี้ ไปที่ธนาคารของคุณเพื่อดำเนินการให้เสร็จ",
    continue_to_bank: "ไปที่ธนาคารของคุณ",
    expired_title: "การชำระเงินนี้หมดเวลาแล้ว",
    expired_text: "การชำระเงินไม่ได้รับการยืนยันทันเวลา และบัตรของคุณไม่ถูกเรียกเก็บเงิน",
    authentication_failed: "ธนาคารของคุณไม่สามารถยืนยันตัวตนของคุณได้",
    reference: "รหัสอ้างอิง",
};

static JA: Text = Text {
    secure_checkout: "安全なお支払い",
    language: "言語",
    powered_by: "決済サービス: paylink",
    test_mode: "テストモード",
    test_mode_note: "実際の請求は発生しません。",
    test_card_hint: "テストカード 4242 4242 4242 4242 と、\
                     未来の有効期限、任意のセキュリティコードをお使いください。",

    payment_for: "お支払い内容",
    amount_due: "お支払い金額",
    pay_with_card: "カードでお支払い",
    name_label: "カード名義",
    number_label: "カード番号",
    expiry_legend: "有効期限",
    month_label: "月",
    year_label: "年",
    month_placeholder: "MM",
    year_placeholder: "YY",
    security_code_label: "セキュリティコード",
    security_code_hint: "カード裏面の3桁(American Expressは表面の4桁)",
    pay_button: |amount| format!("{amount} を支払う"),
    paying: "お支払い処理中…",
    safety_note: "カード番号の全桁とセキュリティコードは保存されません。",
    check_details: "カード情報をご確認ください。",
    form_expired: "カード情報をもう一度入力してください。",

    invalid_number: "正しいカード番号を入力してください。",
    name_required: "カード名義を入力してください。",
    name_too_long: "カード名義が長すぎます。",
    invalid_month: "月は1〜12で入力してください。",
    invalid_year: "カードに記載の年を入力してください。",
    expired: "このカードは有効期限が切れています。",
    invalid_security_code: "カードに記載のセキュリティコードを入力してください。",

    paid_title: "お支払いが完了しました",
    paid_text: "ありがとうございます。お支払いを受け付けました。",
    amount_paid: "お支払い金額",
    amount: "金額",
    paid_for: "内容",
    paid_to: "お支払い先",
    pay_to: "お支払い先:",
    charge_id: "取引ID",
    paid_at: "日時",
    card: "カード",
    card_ending: |brand, last| format!("{brand}(末尾 {last})"),
    keep_receipt: "記録のため、このページまたは取引IDを保存してください。",

    declined_title: "お支払いが承認されませんでした",
    declined_text: "カードへの請求は行われていません。",
    try_another_card: "別のカードで支払う",
    insufficient_fund: "残高不足、またはカードの利用限度額に達しています。",
    failed_processing: "お支払いを処理できませんでした。もう一度お試しください。",
    payment_rejected: "カード会社によりお支払いが拒否されました。",
    invalid_account_number: "カードの口座番号が無効です。",

    used_title: "このリンクはお支払い済みです",
    used_text: "このリンクで受け付けるお支払いは1回のみで、すでに完了しています。\
                お心当たりがない場合は、リンクの送信元にお問い合わせください。",
    unavailable_title: "この支払いリンクはご利用いただけません",
    unavailable_text: "削除されたか、アドレスが不完全な可能性があります。受け取ったリンクをご確認ください。",
    live_title: "現在お支払いを受け付けていません",
    live_text: "このサーバーは本番のカード決済を処理しません。カードへの請求は行われていません。",
    charge_missing_title: "お支払いが見つかりません",
    charge_missing_text: "このリンクに該当するお支払いは見つかりませんでした。",
    token_used_title: "このカード情報は使用済みです",
    token_missing_title: "カード情報が見つかりません",
    enter_card_again: "カード情報をもう一度入力してください。",
    back_to_payment: "お支払い画面に戻る",
    error_title: "エラーが発生しました",
    error_text: "カードへの請求は行われていません。しばらくしてからもう一度お試しください。",
    in_progress_title: "お支払い手続き中です",
    in_progress_text: "このリンクのお支払いが手続き中です。完了しなかった場合は、再びお支払いいただけます。",
    bank_title: "テスト銀行: 3-Dセキュア認証",
    bank_text: "これは paylink のテスト銀行で、実際の銀行ではありません。カード発行会社がこのお支払いをどう扱うかを選んでください。",
    authenticate: "認証する",
    fail_authentication: "認証を失敗させる",
    pending_title: "カード発行会社の認証待ちです",
    pending_text: "お支払いはまだ認証されていません。認証画面で手続きを完了してください。",
    continue_to_bank: "認証画面へ進む",
    expired_title: "お支払いの有効期限が切れました",
    expired_text: "期限内に認証されなかったため、カードへの請求は行われていません。",
    authentication_failed: "カード発行会社による本人確認ができませんでした。",
    reference: "参照番号",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::list::parse_time;

    #[test]
    fn query_wins_then_accept_language_by_quality() {
        assert_eq!(Lang::negotiate(None, None), Lang::En);
        assert_eq!(Lang::negotiate(Some("th"), Some("ja")), Lang::Th);
        assert_eq!(Lang::negotiate(Some("xx"), Some("ja-JP")), Lang::Ja);
        assert_eq!(
            Lang::negotiate(None, Some("th-TH,th;q=0.9,en;q=0.8")),
            Lang::Th
        );
        assert_eq!(Lang::negotiate(None, Some("en;q=0.5, ja;q=0.9")), Lang::Ja);
        assert_eq!(Lang::negotiate(None, Some("fr-FR, ja;q=0.3")), Lang::Ja);
        assert_eq!(Lang::negotiate(None, Some("fr-FR, de")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some(";;,q=x")), Lang::En);
    }

    #[test]
    fn times_read_as_each_language_writes_them() {
        let at = parse_time("2026-11-21T09:46:07Z").unwrap();
        assert_eq!(Lang::En.format_time(at), "21 November 2026, 09:46 UTC");
        assert_eq!(
            Lang::Th.format_time(at),
            "21 พฤศจิกายน 2569 เวลา 09:46 น. (UTC)"
        );
        assert_eq!(Lang::Ja.format_time(at), "2026年11月21日 9:46(UTC)");
    }

    #[test]
    fn parameterised_strings() {
        assert_eq!((Lang::En.text().pay_button)("฿1,000.00"), "Pay ฿1,000.00");
        assert_eq!((Lang::Ja.text().pay_button)("¥1,000"), "¥1,000 を支払う");
        assert_eq!(
            (Lang::Th.text().card_ending)("Visa", "4242"),
            "Visa ลงท้ายด้วย 4242"
        );
    }
}
