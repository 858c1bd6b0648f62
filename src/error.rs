//! The one error type of the HTTP surface, mapped to `application/problem+json` (RFC 9457) in
//! one place: `AppError::into_response`.
use serde_json::json;
use worker::Response;

use crate::core::input::FieldError;

#[derive(Debug)]
pub enum AppError {
    /// 400: the request is wrong; names the field when there is one.
    Invalid(FieldError),
    /// 401: no or unknown token.
    Unauthorized,
    /// 403: a known caller without the scope (or admin role) the route needs.
    Forbidden(String),
    /// 404: no such thing (or not yours: the same answer, so ids don't leak).
    NotFound(String),
    /// 405, with the methods the path does take.
    MethodNotAllowed(Vec<&'static str>),
    /// 422: well-formed, but a value the service does not accept (yet); names the field.
    Unprocessable(FieldError),
    /// 409: the request is valid but clashes with what exists (a taken slug or username).
    Conflict(FieldError),
    /// 413: a body over the size limit.
    TooLarge(usize),
    /// 415: a body whose `Content-Type` is none of these (the media types the route reads).
    UnsupportedMediaType(Vec<&'static str>),
    /// 429: too many failed logins; retry after this many seconds.
    TooManyRequests(u32),
    /// A constraint refused a write (made only by the store, from D1's error). The store's
    /// callers turn the refusals they expect into what they mean (a 409 for a taken name, a
    /// duplicate check); one that gets this far is our fault: 500, logged.
    Refused(crate::store::Refusal, String),
    /// 500: our fault. The detail is logged, never sent.
    Internal(String),
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        if e.unprocessable {
            Self::Unprocessable(e)
        } else {
            Self::Invalid(e)
        }
    }
}

/// Adds what we were doing to a platform error, so a 500 in the log says where it came from.
pub trait Context<T> {
    fn context(self, what: &str) -> Result<T, AppError>;
}

impl<T> Context<T> for Result<T, worker::Error> {
    fn context(self, what: &str) -> Result<T, AppError> {
        self.map_err(|e| AppError::Internal(format!("{what}: {e}")))
    }
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::Unauthorized => 401,
            Self::Forbidden(_) => 403,
            Self::Conflict(_) => 409,
            Self::Unprocessable(_) => 422,
            Self::TooLarge(_) => 413,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed(_) => 405,
            Self::UnsupportedMediaType(_) => 415,
            Self::TooManyRequests(_) => 429,
            Self::Refused(..) | Self::Internal(_) => 500,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "Invalid request",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden(_) => "Forbidden",
            Self::Conflict(_) => "Conflict",
            Self::Unprocessable(_) => "Unprocessable content",
            Self::TooLarge(_) => "Payload too large",
            Self::NotFound(_) => "Not found",
            Self::MethodNotAllowed(_) => "Method not allowed",
            Self::UnsupportedMediaType(_) => "Unsupported media type",
            Self::TooManyRequests(_) => "Too many requests",
            Self::Refused(..) | Self::Internal(_) => "Internal error",
        }
    }

    pub fn into_response(self) -> Response {
        let status = self.status();
        let mut body = json!({ "type": "about:blank", "title": self.title(), "status": status });
        match &self {
            Self::Invalid(e) | Self::Conflict(e) | Self::Unprocessable(e) => {
                body["detail"] = json!(e.to_string());
                if let Some(field) = &e.field {
                    body["field"] = json!(field);
                }
            }
            Self::Unauthorized => body["detail"] = json!("send `Authorization: Bearer <token>` with a valid, unexpired token"),
            Self::Forbidden(why) => body["detail"] = json!(why),
            Self::TooLarge(max) => body["detail"] = json!(format!("request body is larger than {max} bytes")),
            Self::NotFound(what) => body["detail"] = json!(format!("{what} not found")),
            Self::MethodNotAllowed(allowed) => body["detail"] = json!(format!("allowed: {}", allowed.join(", "))),
            Self::UnsupportedMediaType(accepted) => {
                body["detail"] = json!(format!("send the body as {}", accepted.join(" or ")));
            }
            Self::TooManyRequests(after) => body["detail"] = json!(format!("too many failed logins for this username; try again in {after} s")),
            Self::Refused(_, detail) | Self::Internal(detail) => {
                worker::console_error!("internal error: {detail}");
                body["detail"] = json!("something went wrong on our side; it has been logged");
            }
        }
        // The body is serialized here so that no step can fail: the answer always goes out.
        let mut response = Response::builder().with_status(status).fixed(body.to_string().into_bytes());
        let headers = response.headers_mut();
        let _ = headers.set("content-type", "application/problem+json");
        if let Self::MethodNotAllowed(allowed) = &self {
            let _ = headers.set("allow", &allowed.join(", "));
        }
        if let Self::TooManyRequests(after) = &self {
            let _ = headers.set("retry-after", &after.to_string());
        }
        if status == 401 {
            let _ = headers.set("www-authenticate", "Bearer");
        }
        response
    }
}
