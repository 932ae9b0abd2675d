//! Service tests: each domain's record-level rules tested where they live, below HTTP, on
//! SQLite always and on PostgreSQL / MySQL when their URLs are set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod content;
mod finance;
mod kv;
mod notifications;
mod school;
