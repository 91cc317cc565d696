//! The one error type: every failure leaves as an Omise error object.

use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::cell::Cell;

/// What the task serving a request knows of it beyond the handler: its id,
/// and whether its body was JSON sent as a form.
pub struct RequestLocal {
    id: String,
    json_sent_as_form: Cell<bool>,
}

impl RequestLocal {
    pub fn new(id: String) -> RequestLocal {
        RequestLocal {
            id,
            json_sent_as_form: Cell::new(false),
        }
    }
}

tokio::task_local! {
    /// The request being served, for logs, 500 messages and hints.
    pub static REQUEST: RequestLocal;
}

/// The request id of the current task, if a request is being served.
pub fn current_request_id() -> Option<String> {
    REQUEST.try_with(|r| r.id.clone()).ok()
}

/// What a parameter error adds when the body was a JSON object sent with a
/// form's content type (curl's `-d` without `-H 'Content-Type: …'`): read as
/// a form it gives no parameter the route knows, so the error alone (`amount
/// is required`) would hide the cause.
pub const JSON_SENT_AS_FORM: &str = "the request body is JSON but its Content-Type is \
     application/x-www-form-urlencoded: send it with Content-Type: application/json";

/// Notes that the current request's body is JSON sent as a form: from now
/// on its parameter errors say so.
pub fn note_json_sent_as_form() {
    let _ = REQUEST.try_with(|r| r.json_sent_as_form.set(true));
}

fn json_sent_as_form() -> bool {
    REQUEST
        .try_with(|r| r.json_sent_as_form.get())
        .unwrap_or(false)
}

/// Every error an API call can answer with.
#[derive(Debug)]
pub enum ApiError {
    Authentication,
    InvalidLinkId(String),
    NotFound {
        object: &'static str,
        id: String,
    },
    RouteNotFound,
    InvalidDateFormat(String),
    BadRequest(String),
    InvalidLink(String),
    InvalidCard(String),
    UsedToken,
    UsedLink,
    FailedRefund(String),
    MethodNotAllowed,
    TooLarge,
    RequestTimeout,
    Unavailable,
    Internal(String),
    /// A database operation failed for a reason other than reachability.
    Database(String),
    /// A live key on one of paylink's own test-mode routes.
    Forbidden(String),
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Serialize)]
struct ErrorBody<'a> {
    object: &'static str,
    location: String,
    code: &'a str,
    message: String,
}

impl ApiError {
    pub fn not_found(object: &'static str, id: impl Into<String>) -> ApiError {
        ApiError::NotFound {
            object,
            id: id.into(),
        }
    }

    /// An unexpected failure: the detail goes to the log, never to the client.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(cause.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Authentication => StatusCode::UNAUTHORIZED,
            ApiError::InvalidLinkId(_) | ApiError::NotFound { .. } | ApiError::RouteNotFound => {
                StatusCode::NOT_FOUND
            }
            ApiError::InvalidDateFormat(_)
            | ApiError::BadRequest(_)
            | ApiError::InvalidLink(_)
            | ApiError::InvalidCard(_)
            | ApiError::UsedToken
            | ApiError::FailedRefund(_) => StatusCode::BAD_REQUEST,
            ApiError::UsedLink => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) | ApiError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Authentication => "authentication_failure",
            ApiError::InvalidLinkId(_) => "invalid_link_id",
            ApiError::NotFound { .. } | ApiError::RouteNotFound => "not_found",
            ApiError::InvalidDateFormat(_) => "invalid_date_format",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::InvalidLink(_) => "invalid_link",
            ApiError::InvalidCard(_) => "invalid_card",
            ApiError::UsedToken => "used_token",
            ApiError::UsedLink => "used_link",
            ApiError::FailedRefund(_) => "failed_refund",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::TooLarge => "request_entity_too_large",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::Unavailable => "service_unavailable",
            ApiError::Internal(_) | ApiError::Database(_) => "internal_error",
            ApiError::Forbidden(_) => "forbidden",
        }
    }

    /// The error's message; an error about the parameters of a request
    /// whose body was JSON sent as a form says how to send it.
    pub fn message(&self) -> String {
        let message = self.own_message();
        if self.is_about_parameters() && json_sent_as_form() {
            format!("{message}; {JSON_SENT_AS_FORM}")
        } else {
            message
        }
    }

    /// Whether the error is about the request's parameters (a 400 that a
    /// body read as intended might not have had).
    fn is_about_parameters(&self) -> bool {
        matches!(
            self,
            ApiError::BadRequest(_)
                | ApiError::InvalidLink(_)
                | ApiError::InvalidCard(_)
                | ApiError::InvalidDateFormat(_)
        )
    }

    fn own_message(&self) -> String {
        match self {
            ApiError::Authentication => "authentication failed".into(),
            ApiError::InvalidLinkId(id) => format!("{id} is not a valid link id"),
            ApiError::NotFound { object, id } => format!("{object} {id} was not found"),
            ApiError::RouteNotFound => "the requested resource was not found".into(),
            ApiError::InvalidDateFormat(m)
            | ApiError::BadRequest(m)
            | ApiError::InvalidLink(m)
            | ApiError::InvalidCard(m)
            | ApiError::FailedRefund(m)
            | ApiError::Forbidden(m) => m.clone(),
            ApiError::UsedToken => "token was already used".into(),
            ApiError::UsedLink => "link was already used".into(),
            ApiError::MethodNotAllowed => "the method is not allowed for this resource".into(),
            ApiError::TooLarge => "the request body is too large".into(),
            ApiError::RequestTimeout => "the request took too long to arrive or to answer".into(),
            ApiError::Unavailable => "the service is unavailable, please retry later".into(),
            ApiError::Internal(_) | ApiError::Database(_) => match current_request_id() {
                Some(id) => format!("an internal error occurred (request {id})"),
                None => "an internal error occurred".into(),
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                ApiError::Unavailable
            }
            other => ApiError::Database(other.to_string()),
        }
    }
}

/// An Omise error object with the given status, code and message.
pub fn error_response(status: StatusCode, code: &str, message: String) -> Response {
    let body = ErrorBody {
        object: "error",
        location: format!("https://www.omise.co/api-errors#{}", code.replace('_', "-")),
        code,
        message,
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        bytes,
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) | ApiError::Database(cause) = &self {
            tracing::error!(request_id = ?current_request_id(), cause = %cause, "internal error");
        }
        let mut response = error_response(self.status(), self.code(), self.message());
        if matches!(self, ApiError::Unavailable | ApiError::Database(_)) {
            response
                .extensions_mut()
                .insert(crate::metrics::DatabaseFailed);
        }
        response
    }
}
