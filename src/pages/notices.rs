//! The notices a payer meets instead of a form or an outcome: why a link
//! takes no payment now, where a payment stands, or that something failed.
//! One builder renders every one of them from what sets it apart.

use super::bank::authorize_path;
use super::page::Pages;
use super::views::{self, NoticeContent, Tone};
use crate::api::error::{ApiError, current_request_id};
use crate::domain::link::Link;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What a notice tells the payer.
#[derive(Debug, Clone, Copy)]
pub(super) enum Notice<'a> {
    /// No link by this code, a deleted link, or no charge by this id at
    /// the test bank.
    Unavailable,
    /// A single-use link that is paid; the status differs between its
    /// form and a payment.
    AlreadyPaid(StatusCode),
    /// A single-use link whose 3-D Secure payment is not yet complete.
    InProgress,
    /// A live-mode link while live payments are off.
    LiveUnavailable,
    /// A card token the payment cannot use, `title` saying why: the payer
    /// starts again.
    CardAgain {
        status: StatusCode,
        title: &'static str,
    },
    /// An outcome asked for a charge this link did not make.
    ChargeMissing,
    /// A charge still waiting for the payer at the test bank.
    Pending { charge_id: &'a str },
    /// A charge that waited at the test bank too long.
    Expired,
    /// A failure of the server's own, with the request id to quote.
    Failure(StatusCode),
}

impl Pages<'_> {
    /// The page of a notice, about `link` when it is known.
    pub(super) fn notice(&self, link: Option<&Link>, notice: Notice) -> Response {
        let t = self.lang.lang.text();
        // Back to the form, while the link takes payments.
        let to_form = |label| {
            link.filter(|link| link.accepts_payment())
                .map(|_| (self.href(&self.pay_path()), label))
        };
        let (status, tone, title, text, action) = match notice {
            Notice::Unavailable => (
                StatusCode::NOT_FOUND,
                Tone::Info,
                t.unavailable_title,
                t.unavailable_text,
                None,
            ),
            Notice::AlreadyPaid(status) => (status, Tone::Info, t.used_title, t.used_text, None),
            Notice::InProgress => (
                StatusCode::CONFLICT,
                Tone::Info,
                t.in_progress_title,
                t.in_progress_text,
                None,
            ),
            Notice::LiveUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                Tone::Warn,
                t.live_title,
                t.live_text,
                None,
            ),
            Notice::CardAgain { status, title } => (
                status,
                Tone::Warn,
                title,
                t.enter_card_again,
                to_form(t.back_to_payment),
            ),
            Notice::ChargeMissing => (
                StatusCode::NOT_FOUND,
                Tone::Info,
                t.charge_missing_title,
                t.charge_missing_text,
                to_form(t.back_to_payment),
            ),
            Notice::Pending { charge_id } => (
                StatusCode::ACCEPTED,
                Tone::Info,
                t.pending_title,
                t.pending_text,
                Some((self.href(&authorize_path(charge_id)), t.continue_to_bank)),
            ),
            Notice::Expired => (
                StatusCode::GONE,
                Tone::Warn,
                t.expired_title,
                t.expired_text,
                to_form(t.try_another_card),
            ),
            Notice::Failure(status) => (status, Tone::Warn, t.error_title, t.error_text, None),
        };
        let failure = matches!(notice, Notice::Failure(_));
        let content = NoticeContent {
            tone,
            title,
            text,
            subject: link.filter(|_| !failure).map(|link| self.subject(link)),
            reference: failure.then(current_request_id).flatten(),
            action,
        };
        let frame = self.frame(link, self.pay_path());
        self.render(status, views::notice_page(&frame, &content))
    }

    /// An API failure (database down, internal error) as a page. Internal
    /// errors log their cause, as the API's do, under the request id shown.
    pub(super) fn failure(&self, link: Option<&Link>, error: ApiError) -> Response {
        let status = error.status();
        // What a page about a known link can find missing is the card
        // token it was sent.
        if let (Some(link), ApiError::NotFound { .. }) = (link, &error) {
            let title = self.lang.lang.text().token_missing_title;
            return self.notice(Some(link), Notice::CardAgain { status, title });
        }
        if status.is_server_error() {
            drop(error.into_response());
        }
        self.notice(link, Notice::Failure(status))
    }
}
