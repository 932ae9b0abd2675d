//! Prefix search on text columns, with the request's text taken literally: `%`, `_` and the
//! escape character match themselves, never as wildcards.

use sea_orm::sea_query::LikeExpr;

/// `LIKE` pattern matching values that start with `text`.
pub(crate) fn like_prefix(text: &str) -> LikeExpr {
    let mut p = String::new();
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            p.push('!');
        }
        p.push(c);
    }
    p.push('%');
    LikeExpr::new(p).escape('!')
}
