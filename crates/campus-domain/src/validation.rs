//! Field-level input problems, shared by every domain: a service that refuses input says which
//! field, by which rule, and why, and each surface renders that in its own format (a 422
//! problem on `/api/v1`, the first issue as a seed's 400 sentence on a facade).

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// Field name as the request spells it (`email`, `items[2].amount`).
    pub field: &'static str,
    /// Machine code of the rule that failed (`required`, `too_long`, `invalid_format`).
    pub code: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

impl FieldIssue {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}
