//! Cursor pagination: opaque cursors (base64url of the last seen id) and bounded page sizes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Default page size of list endpoints.
pub const DEFAULT_LIMIT: u64 = 50;
/// Largest page size a client may ask for.
pub const MAX_LIMIT: u64 = 500;

/// A validated page request: items after `after_id`, at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after_id: Option<i64>,
    pub limit: u64,
}

/// Why a page request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("limit must be between 1 and {MAX_LIMIT}")]
    Limit,
    #[error("cursor is not one this server issued")]
    Cursor,
}

impl PageRequest {
    pub fn parse(limit: Option<u64>, cursor: Option<&str>) -> Result<Self, PageError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(PageError::Limit);
        }
        let after_id = cursor.filter(|c| !c.is_empty()).map(decode_cursor).transpose()?;
        Ok(Self { after_id, limit })
    }
}

/// One page of results and the cursor for the next, if any.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub limit: u64,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in id order: the extra row, if
    /// present, proves there is a next page.
    pub fn from_rows(mut rows: Vec<T>, request: PageRequest, id_of: impl Fn(&T) -> i64) -> Self {
        let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| encode_cursor(id_of(last)))
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
            limit: request.limit,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            limit: self.limit,
        }
    }
}

pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

fn decode_cursor(cursor: &str) -> Result<i64, PageError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| PageError::Cursor)?;
    let text = String::from_utf8(bytes).map_err(|_| PageError::Cursor)?;
    text.strip_prefix("id:")
        .and_then(|n| n.parse().ok())
        .ok_or(PageError::Cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let page = PageRequest::parse(Some(10), Some(&encode_cursor(42))).unwrap();
        assert_eq!(page.after_id, Some(42));
        assert_eq!(PageRequest::parse(None, Some("bm9wZQ")), Err(PageError::Cursor));
        assert_eq!(PageRequest::parse(Some(0), None), Err(PageError::Limit));
        assert_eq!(PageRequest::parse(Some(501), None), Err(PageError::Limit));
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn an_extra_row_means_a_next_page() {
        let req = PageRequest {
            after_id: None,
            limit: 2,
        };
        let page = Page::from_rows(vec![1, 2, 3], req, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(2)));
        let last = Page::from_rows(vec![1, 2], req, |n| *n);
        assert_eq!(last.next_cursor, None);
    }
}
