//! Each seed's error envelope. The `code` of an [`ErrorReport`] is stable; these functions
//! choose the body (and, for the JWT library's quirks, the status) the seed's clients expect.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::codes;
use crate::error::ErrorReport;
use crate::middleware::Envelope;

fn json_response(status: StatusCode, body: Value) -> Response {
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        bytes,
    )
        .into_response()
}

fn is_token_error(code: &str) -> bool {
    matches!(
        code,
        codes::TOKEN_MISSING
            | codes::TOKEN_EXPIRED
            | codes::TOKEN_REVOKED
            | codes::TOKEN_INVALID
            | codes::ACCOUNT_INACTIVE
    )
}

/// Flask-JWT-Extended's answers: `{"msg": ...}`, 401 for missing/expired/revoked, 422 for a
/// malformed token or a bad signature.
fn jwt_library(report: &ErrorReport) -> Option<Response> {
    if !is_token_error(report.code) {
        return None;
    }
    let status = if report.code == codes::TOKEN_INVALID {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::UNAUTHORIZED
    };
    Some(json_response(status, json!({"msg": report.detail})))
}

fn internal_or(report: &ErrorReport, key: &str) -> Response {
    if report.status.is_server_error() && report.code == "internal_error" {
        return json_response(report.status, json!({key: "Internal server error"}));
    }
    json_response(report.status, json!({key: report.detail}))
}

/// Seed 000 accounts (`/signup`, `/login`): `{"success": false, "message": ...}`.
pub const NURTURE_ACCOUNTS: Envelope = Envelope {
    render: |report, _| {
        if is_token_error(report.code) {
            return json_response(report.status, json!({"error": report.detail}));
        }
        json_response(report.status, json!({"success": false, "message": report.detail}))
    },
};

/// Seed 000 data endpoints: `{"error": ...}`.
pub const NURTURE: Envelope = Envelope {
    render: |report, _| internal_or(report, "error"),
};

/// Seed 001 MemoPark: `{"message": ...}`; token errors as the JWT library answers them.
pub const MEMOPARK: Envelope = Envelope {
    render: |report, _| jwt_library(report).unwrap_or_else(|| internal_or(report, "message")),
};

/// Seed 002 finance: `{"error": ...}`; unknown resources `{"error": "Resource not found"}`;
/// token errors as the JWT library answers them.
pub const FINANCE: Envelope = Envelope {
    render: |report, _| {
        if let Some(response) = jwt_library(report) {
            return response;
        }
        if report.code == "not_found" {
            return json_response(StatusCode::NOT_FOUND, json!({"error": "Resource not found"}));
        }
        internal_or(report, "error")
    },
};

/// Seed 003 achievement tracking: `{"error": ...}` (its original is lost; this is the
/// Flask convention its sibling seeds use).
pub const ACHIEVEMENT: Envelope = Envelope {
    render: |report, _| internal_or(report, "error"),
};

/// Seed 004 key-value store: `{"status": "error", "code": "<CODE>", "message": ...}`. Codes
/// are the seed's upper-case ones (`KEY_NOT_FOUND`); Campus's own codes are upper-cased;
/// any token problem is the seed's `INVALID_TOKEN`.
pub const KVSTORE: Envelope = Envelope {
    render: |report, _| {
        let (code, message) = if is_token_error(report.code) {
            (
                "INVALID_TOKEN".to_owned(),
                "Invalid access token provided.".to_owned(),
            )
        } else if report.status.is_server_error() && report.code == "internal_error" {
            ("INTERNAL_ERROR".to_owned(), "Internal server error".to_owned())
        } else {
            (report.code.to_ascii_uppercase(), report.detail.clone())
        };
        let status = if is_token_error(report.code) {
            StatusCode::UNAUTHORIZED
        } else {
            report.status
        };
        json_response(
            status,
            json!(super::kvstore::schema::KvStoreError {
                status: "error",
                code,
                message,
            }),
        )
    },
};
