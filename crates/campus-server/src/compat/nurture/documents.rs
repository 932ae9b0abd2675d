//! Seed 000 documents: `GET|POST /kvdoc/{key}` with the `_LINE<n>` rules. Reading is open;
//! writing needs a staff token.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use campus_domain::content::{LineEdit, policy};
use serde_json::{Value, json};

use super::TAG;
use super::data::Answer;
use super::schema::{NurtureDocument, NurtureDocumentRequest, NurtureDocumentUpdated};
use crate::api::Routes;
use crate::api::routing::routes;
use crate::auth::AuthUser;
use crate::compat::schema::{BearerErrors, SeedErrorMessage};
use crate::compat::shared::{SeedJson, bad_request, reply};
use crate::error::ApiError;
use crate::state::AppState;

/// The document routes with their OpenAPI operations.
pub(crate) fn routes() -> Routes {
    vec![routes!(kvdoc_get, kvdoc_post)]
}

/// Splits `KEY_LINE<n>` (case-insensitive suffix): the base is upper-cased when a numeric
/// suffix is present, used verbatim otherwise.
fn split_line_key(key: &str) -> (String, Option<usize>) {
    let upper = key.to_ascii_uppercase();
    if let Some(pos) = upper.rfind("_LINE") {
        let digits = &key[pos + 5..];
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = digits.parse::<usize>()
        {
            // to_ascii_uppercase keeps byte offsets, so `pos` indexes `key` too.
            return (key[..pos].to_ascii_uppercase(), Some(n));
        }
    }
    (key.to_owned(), None)
}

/// A document, or one line of it with a `_LINE<n>` key.
#[utoipa::path(get, path = "/kvdoc/{key}", tag = TAG,
    params(("key" = String, Path, description = "The document key (1 to 200 characters, no control characters), optionally ending in `_LINE<n>`", pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]{1,200}$")),
    responses(
        (status = 200, description = "The document or the line", body = NurtureDocument),
        (status = 400, description = "The key is invalid", body = SeedErrorMessage),
        (status = 404, description = "No such document or line", body = SeedErrorMessage),
    ))]
async fn kvdoc_get(State(state): State<AppState>, Path(key): Path<String>) -> Answer {
    let (base, line) = split_line_key(&key);
    let doc = state
        .content()
        .document(&base)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No value found for key '{base}'")))?;
    match line {
        None => Ok(reply(
            StatusCode::OK,
            json!(NurtureDocument::Whole {
                key: doc.key,
                text: doc.text,
                lines: doc.lines,
                line_count: doc.line_count,
            }),
        )),
        Some(n) => match n.checked_sub(1).and_then(|i| doc.lines.get(i)) {
            Some(text) => Ok(reply(
                StatusCode::OK,
                json!(NurtureDocument::Line {
                    key: format!("{base}_LINE{n}"),
                    line: n,
                    text: text.clone(),
                }),
            )),
            None => Err(ApiError::not_found(format!("Line {n} not found for key '{base}'")).into()),
        },
    }
}

/// Writes a document (staff): the whole text, or one line.
#[utoipa::path(post, path = "/kvdoc/{key}", tag = TAG, security(("bearer" = [])),
    params(("key" = String, Path, description = "The document key (1 to 200 characters, no control characters), optionally ending in `_LINE<n>`", pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]{1,200}$")),
    request_body = NurtureDocumentRequest,
    responses(
        (status = 200, description = "Updated", body = NurtureDocumentUpdated),
        (status = 400, description = "No valid line, or the key or text is invalid", body = SeedErrorMessage),
        BearerErrors,
        (status = 403, description = "Not staff", body = SeedErrorMessage),
    ))]
async fn kvdoc_post(
    State(state): State<AppState>,
    Path(key): Path<String>,
    AuthUser(who): AuthUser,
    SeedJson(body): SeedJson,
) -> Answer {
    // Refused before the body is read; the service checks again.
    policy::check_staff(&who)?;
    let (base, suffix_line) = split_line_key(&key);
    if let Some(text) = body.get("set_text").filter(|v| !v.is_null()) {
        // set_text wins, and the line suffix is ignored; the value is stringified.
        let text = match text {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let doc = state.content().set_document(&who, &base, &text).await?;
        return Ok(reply(
            StatusCode::OK,
            json!(NurtureDocumentUpdated::Whole {
                message: "Document updated",
                key: doc.key,
                line_count: doc.line_count,
            }),
        ));
    }
    let line = suffix_line.or_else(|| {
        body.get("line")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    });
    let Some(line) = line.filter(|n| *n >= 1) else {
        return Err(bad_request("Provide a valid 1-based 'line' or use _LINEX in URL").into());
    };
    let text = match body.get("text") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let edit = LineEdit {
        line,
        text,
        insert_at: body.get("insert_at").and_then(Value::as_i64),
    };
    let outcome = state.content().edit_line(&who, &base, edit).await?;
    Ok(reply(
        StatusCode::OK,
        json!(NurtureDocumentUpdated::Line {
            message: "Document updated",
            operation: outcome.operation,
            key: base,
            line: outcome.line,
            new_line_text: outcome.new_line_text,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::split_line_key;

    #[test]
    fn line_suffixes_upper_case_the_base_only_when_numeric() {
        assert_eq!(
            split_line_key("app_intro_line2"),
            ("APP_INTRO".to_owned(), Some(2))
        );
        assert_eq!(
            split_line_key("APP_INTRO_LINE10"),
            ("APP_INTRO".to_owned(), Some(10))
        );
        assert_eq!(
            split_line_key("app_intro_lineX"),
            ("app_intro_lineX".to_owned(), None)
        );
        assert_eq!(split_line_key("App_Intro"), ("App_Intro".to_owned(), None));
    }
}
