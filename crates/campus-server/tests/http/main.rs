//! The HTTP suite: a real server per test on every configured backend.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod admin;
mod audit_chain;
mod authz;
mod compat_auth;
mod compat_finance;
mod compat_kvstore;
mod compat_nurture_data;
mod compat_nurture_tracking;
mod compat_parking;
mod compat_records;
mod email;
mod errors;
mod far_future;
mod finance;
mod finance_edges;
mod identity;
mod kv;
mod middleware;
mod openapi;
mod ops;
mod parking;
mod reports;
mod school;
mod transfer;
mod usage;
