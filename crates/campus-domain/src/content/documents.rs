//! Named text documents with line-level editing. The text rules (any newline convention on
//! the way in, `\n` on the way out, 1-based lines padded with empty ones) are pure functions.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde::Serialize;

use campus_db::entities::documents;

use crate::school::SchoolError;

/// Largest stored document.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Highest line number a single edit may address (bounds padding).
pub const MAX_LINE: usize = 10_000;

/// A document and its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub key: String,
    pub text: String,
    pub lines: Vec<String>,
    pub line_count: usize,
}

impl Document {
    fn new(key: String, text: String) -> Self {
        let lines = split_lines(&text);
        Self {
            key,
            line_count: lines.len(),
            text,
            lines,
        }
    }
}

/// Splits on `\r\n`, `\r` or `\n`; an empty text has no lines.
pub fn split_lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(str::to_owned)
        .collect()
}

/// One line edit: replace line `line` (1-based), or insert `text` into it at a character index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineEdit {
    pub line: usize,
    pub text: String,
    pub insert_at: Option<i64>,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineEditOutcome {
    /// `line_replaced` or `inserted_into_line`.
    pub operation: &'static str,
    pub line: usize,
    pub new_line_text: String,
    pub document: Document,
}

/// Applies `edit` to `text`: missing lines are padded with empty ones; `insert_at` is clamped
/// to the line's length in characters.
pub fn apply_edit(text: &str, edit: &LineEdit) -> (String, &'static str, String) {
    let mut lines = split_lines(text);
    while lines.len() < edit.line {
        lines.push(String::new());
    }
    let target = &mut lines[edit.line - 1];
    let operation = match edit.insert_at {
        None => {
            *target = edit.text.clone();
            "line_replaced"
        }
        Some(at) => {
            let chars: Vec<char> = target.chars().collect();
            let at = usize::try_from(at.max(0)).unwrap_or(0).min(chars.len());
            let mut new: String = chars[..at].iter().collect();
            new.push_str(&edit.text);
            new.extend(chars[at..].iter());
            *target = new;
            "inserted_into_line"
        }
    };
    let new_line = target.clone();
    (lines.join("\n"), operation, new_line)
}

fn check_key(key: &str) -> Result<(), SchoolError> {
    if key.is_empty() || key.chars().count() > 200 || key.chars().any(char::is_control) {
        return Err(SchoolError::invalid(
            "key",
            "invalid_format",
            "must be 1 to 200 characters without control characters",
        ));
    }
    Ok(())
}

fn check_size(text: &str) -> Result<(), SchoolError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(SchoolError::invalid(
            "text",
            "too_long",
            format!("a document holds at most {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// The document at `key`, if any.
pub async fn get(db: &DatabaseConnection, key: &str) -> Result<Option<Document>, SchoolError> {
    check_key(key)?;
    let row = documents::Entity::find()
        .filter(documents::Column::DocKey.eq(key))
        .one(db)
        .await?;
    Ok(row.map(|r| Document::new(r.doc_key, r.body)))
}

/// Replaces the whole text (lines re-joined with `\n`).
pub async fn set_text(
    db: &DatabaseConnection,
    key: &str,
    text: &str,
    by: Option<i64>,
) -> Result<Document, SchoolError> {
    check_key(key)?;
    let normalised = split_lines(text).join("\n");
    check_size(&normalised)?;
    save(db, key, normalised, by).await
}

/// Edits one line, creating the document if it does not exist.
pub async fn edit_line(
    db: &DatabaseConnection,
    key: &str,
    edit: LineEdit,
    by: Option<i64>,
) -> Result<LineEditOutcome, SchoolError> {
    check_key(key)?;
    if edit.line == 0 || edit.line > MAX_LINE {
        return Err(SchoolError::invalid(
            "line",
            "out_of_range",
            format!("must be between 1 and {MAX_LINE}"),
        ));
    }
    let current = get(db, key).await?.map(|d| d.text).unwrap_or_default();
    let (text, operation, new_line_text) = apply_edit(&current, &edit);
    check_size(&text)?;
    let document = save(db, key, text, by).await?;
    Ok(LineEditOutcome {
        operation,
        line: edit.line,
        new_line_text,
        document,
    })
}

async fn save(
    db: &DatabaseConnection,
    key: &str,
    text: String,
    by: Option<i64>,
) -> Result<Document, SchoolError> {
    let now = Utc::now();
    match documents::Entity::find()
        .filter(documents::Column::DocKey.eq(key))
        .one(db)
        .await?
    {
        Some(row) => {
            let mut a = row.into_active_model();
            a.body = Set(text.clone());
            a.updated_by = Set(by);
            a.updated_at = Set(now);
            a.update(db).await?;
        }
        None => {
            documents::ActiveModel {
                doc_key: Set(key.to_owned()),
                body: Set(text.clone()),
                updated_by: Set(by),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .map_err(crate::school::conflict)?;
        }
    }
    Ok(Document::new(key.to_owned(), text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_newline_convention_splits_and_rejoins_with_lf() {
        assert_eq!(split_lines("a\r\nb\rc\nd"), vec!["a", "b", "c", "d"]);
        assert_eq!(split_lines(""), Vec::<String>::new());
        assert_eq!(split_lines("one"), vec!["one"]);
    }

    #[test]
    fn replacing_and_inserting_pad_missing_lines_and_clamp_the_index() {
        let edit = |line, text: &str, insert_at| LineEdit {
            line,
            text: text.to_owned(),
            insert_at,
        };
        assert_eq!(
            apply_edit("a\nb", &edit(4, "d", None)),
            ("a\nb\n\nd".to_owned(), "line_replaced", "d".to_owned())
        );
        assert_eq!(
            apply_edit("Hello", &edit(1, ", world", Some(99))).0,
            "Hello, world"
        );
        assert_eq!(apply_edit("Hello", &edit(1, ">", Some(-5))).0, ">Hello");
        assert_eq!(
            apply_edit("héllo", &edit(1, "_", Some(2))),
            ("hé_llo".to_owned(), "inserted_into_line", "hé_llo".to_owned())
        );
    }
}
