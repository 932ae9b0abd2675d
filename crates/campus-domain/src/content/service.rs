//! The content service: lookup values, documents and the marks query, each operation checked
//! against [`super::policy`] before it touches data.

use sea_orm::DatabaseConnection;

use super::error::ContentError;
use super::model::{
    Document, DocumentKey, LineEdit, LineEditOutcome, MarkColumn, MarkRow, apply_edit, check_line,
    check_size, lookup_values, split_lines,
};
use super::{policy, repo};
use crate::identity::Principal;

/// Lookups, documents and marks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Content {
    db: DatabaseConnection,
}

impl Content {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The values `column` takes in the records, then the values added to it, de-duplicated,
    /// first occurrence first. `who` is `None` for an anonymous reader.
    pub async fn lookups(
        &self,
        who: Option<&Principal>,
        column: MarkColumn,
    ) -> Result<Vec<String>, ContentError> {
        policy::check_read_lookups(who, column)?;
        let mut out = repo::distinct_values(&self.db, column).await?;
        for value in repo::added_lookups(&self.db, column).await? {
            if !out.contains(&value) {
                out.push(value);
            }
        }
        Ok(out)
    }

    /// Adds values (trimmed; blanks skipped; duplicates ignored), all or none, and returns the
    /// merged list.
    pub async fn add_lookups(
        &self,
        who: &Principal,
        column: MarkColumn,
        values: &[String],
    ) -> Result<Vec<String>, ContentError> {
        policy::check_staff(who)?;
        let values = lookup_values(values)?;
        let txn = campus_db::begin_write(&self.db).await?;
        for value in &values {
            repo::add_lookup(&txn, column, value).await?;
        }
        txn.commit().await?;
        self.lookups(Some(who), column).await
    }

    /// The document at `key`, if any. Documents are open to every reader.
    pub async fn document(&self, key: &str) -> Result<Option<Document>, ContentError> {
        let key = DocumentKey::parse(key)?;
        let text = repo::document_text(&self.db, &key).await?;
        Ok(text.map(|t| Document::new(key.as_str().to_owned(), t)))
    }

    /// Replaces the whole text (lines re-joined with `\n`).
    pub async fn set_document(
        &self,
        who: &Principal,
        key: &str,
        text: &str,
    ) -> Result<Document, ContentError> {
        policy::check_staff(who)?;
        let key = DocumentKey::parse(key)?;
        let text = split_lines(text).join("\n");
        check_size(&text)?;
        repo::save_document(&self.db, &key, &text, who.user_id).await?;
        Ok(Document::new(key.as_str().to_owned(), text))
    }

    /// Edits one line, creating the document if it does not exist.
    pub async fn edit_line(
        &self,
        who: &Principal,
        key: &str,
        edit: LineEdit,
    ) -> Result<LineEditOutcome, ContentError> {
        policy::check_staff(who)?;
        let key = DocumentKey::parse(key)?;
        check_line(edit.line)?;
        let txn = campus_db::begin_write(&self.db).await?;
        let current = repo::document_text(&txn, &key).await?.unwrap_or_default();
        let (text, operation, new_line_text) = apply_edit(&current, &edit);
        check_size(&text)?;
        repo::save_document(&txn, &key, &text, who.user_id).await?;
        txn.commit().await?;
        Ok(LineEditOutcome {
            operation,
            line: edit.line,
            new_line_text,
            document: Document::new(key.as_str().to_owned(), text),
        })
    }

    /// Rows of the marks view matching every `(column, value)` pair (record keepers only).
    pub async fn marks(
        &self,
        who: &Principal,
        filters: &[(MarkColumn, String)],
    ) -> Result<Vec<MarkRow>, ContentError> {
        policy::check_staff(who)?;
        Ok(repo::marks(&self.db, filters).await?)
    }
}
