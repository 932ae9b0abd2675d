//! Content values: lookup columns of the marks view, document keys and texts, line edits.
//! The text rules (any newline convention on the way in, `\n` on the way out, 1-based lines
//! padded with empty ones) are pure functions.

use sea_orm::FromQueryResult;
use serde::Serialize;

use crate::validation::FieldIssue;

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
    pub(crate) fn new(key: String, text: String) -> Self {
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

/// A document key: 1 to 200 characters without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentKey(String);

impl DocumentKey {
    pub fn parse(key: &str) -> Result<Self, FieldIssue> {
        if key.is_empty() || key.chars().count() > 200 || key.chars().any(char::is_control) {
            return Err(FieldIssue::new(
                "key",
                "invalid_format",
                "must be 1 to 200 characters without control characters",
            ));
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A document's text within [`MAX_DOCUMENT_BYTES`].
pub(crate) fn check_size(text: &str) -> Result<(), FieldIssue> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(FieldIssue::new(
            "text",
            "too_long",
            format!("a document holds at most {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// The line an edit addresses, 1 to [`MAX_LINE`].
pub(crate) fn check_line(line: usize) -> Result<(), FieldIssue> {
    if line == 0 || line > MAX_LINE {
        return Err(FieldIssue::new(
            "line",
            "out_of_range",
            format!("must be between 1 and {MAX_LINE}"),
        ));
    }
    Ok(())
}

/// Most values one lookup addition takes.
pub const MAX_LOOKUP_ADD: usize = 100;

/// Lookup values to add: trimmed, blanks dropped; at most [`MAX_LOOKUP_ADD`], each at most 200
/// characters without control characters.
pub(crate) fn lookup_values(new: &[String]) -> Result<Vec<String>, FieldIssue> {
    if new.len() > MAX_LOOKUP_ADD {
        return Err(FieldIssue::new(
            "values",
            "out_of_range",
            "at most 100 values at once",
        ));
    }
    let mut out = Vec::with_capacity(new.len());
    for raw in new {
        let value = raw.trim();
        if value.is_empty() {
            continue;
        }
        if value.chars().count() > 200 || value.chars().any(char::is_control) {
            return Err(FieldIssue::new(
                "values",
                "invalid_format",
                "each value must be at most 200 characters without control characters",
            ));
        }
        out.push(value.to_owned());
    }
    Ok(out)
}

/// A column of the marks view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkColumn {
    Roll,
    Name,
    Subject,
    Class,
    Marks,
}

impl MarkColumn {
    /// Seed 000's spelling, in its order.
    pub const SEED_NAMES: [&'static str; 5] = ["roll", "name", "subject", "class", "marks"];

    /// Seed 000 names or the canonical ones (`roll_number`, `class_level`, `score`),
    /// case-insensitively.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "roll" | "roll_number" => Some(Self::Roll),
            "name" => Some(Self::Name),
            "subject" => Some(Self::Subject),
            "class" | "class_level" => Some(Self::Class),
            "marks" | "score" => Some(Self::Marks),
            _ => None,
        }
    }

    pub fn seed_name(self) -> &'static str {
        match self {
            Self::Roll => "roll",
            Self::Name => "name",
            Self::Subject => "subject",
            Self::Class => "class",
            Self::Marks => "marks",
        }
    }
}

/// One row of the marks view.
#[derive(Debug, Clone, PartialEq, Serialize, FromQueryResult)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkRow {
    pub roll: String,
    pub name: String,
    pub subject: String,
    pub class: Option<i32>,
    pub marks: Option<f64>,
}

/// `88` for 88.0, `88.5` otherwise.
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
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
