//! How a facade words domain errors. Each seed implements [`Wording`] once (its own
//! sentences and status codes, falling back to the `/api/v1` mapping), and its handlers return
//! [`SeedError`] so that a plain `?` applies the seed's words. The envelope around the words is
//! the seed's renderer's choice (see [`super::envelopes`]).

use std::marker::PhantomData;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use campus_domain::content::ContentError;
use campus_domain::finance::FinanceError;
use campus_domain::identity::IdentityError;
use campus_domain::kv::KvError;
use campus_domain::notifications::NotificationError;
use campus_domain::parking::ParkingError;
use campus_domain::reports::ReportError;
use campus_domain::school::SchoolError;
use campus_domain::usage::UsageError;
use campus_domain::validation::FieldIssue;
use campus_storage::StorageError;

use crate::error::ApiError;

/// A 400 with a seed's sentence.
pub fn bad_request(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// The first field issue as a seed's 400 sentence, `"{prefix}{field} {message}"` (the seeds
/// answer 400 with one sentence for bad input); `fallback` when there is none.
pub fn first_issue(issues: &[FieldIssue], prefix: &str, fallback: &str) -> ApiError {
    bad_request(
        &issues
            .first()
            .map(|i| format!("{prefix}{} {}", i.field, i.message))
            .unwrap_or_else(|| fallback.to_owned()),
    )
}

/// A seed's words for domain errors. The defaults are what most seeds share: invalid input
/// is a 400 with the first issue's sentence, everything else maps as on `/api/v1`.
pub trait Wording: Send + 'static {
    fn identity(err: IdentityError) -> ApiError {
        match err {
            IdentityError::WeakPassword(message) => bad_request(&message),
            IdentityError::Invalid(issues) => first_issue(&issues, "", "Invalid input"),
            other => other.into(),
        }
    }

    fn school(err: SchoolError) -> ApiError {
        match err {
            SchoolError::Invalid(issues) => first_issue(&issues, "", "Invalid input"),
            other => other.into(),
        }
    }

    fn content(err: ContentError) -> ApiError {
        match err {
            ContentError::Invalid(issues) => first_issue(&issues, "", "Invalid input"),
            other => other.into(),
        }
    }

    fn finance(err: FinanceError) -> ApiError {
        match err {
            FinanceError::Invalid(issues) => first_issue(&issues, "", "Invalid input"),
            other => other.into(),
        }
    }

    fn notification(err: NotificationError) -> ApiError {
        match err {
            NotificationError::Invalid(issues) => first_issue(&issues, "", "Invalid input"),
            other => other.into(),
        }
    }

    fn kv(err: KvError) -> ApiError {
        err.into()
    }

    fn parking(err: ParkingError) -> ApiError {
        match err {
            ParkingError::Invalid(issues) => first_issue(&issues, "", "Invalid input"),
            other => other.into(),
        }
    }

    fn storage(err: StorageError) -> ApiError {
        err.into()
    }

    fn report(err: ReportError) -> ApiError {
        match err {
            ReportError::Invalid(issues) => first_issue(&issues, "", "Invalid input"),
            other => other.into(),
        }
    }

    fn usage(err: UsageError) -> ApiError {
        match err {
            UsageError::Invalid(issues) => first_issue(&issues, "", "Invalid input"),
            other => other.into(),
        }
    }
}

/// The shared wording, for handlers that have no words of their own.
#[derive(Debug)]
pub struct Plain;

impl Wording for Plain {}

/// An error answered by a facade whose domain errors were worded by `W`.
pub struct SeedError<W>(pub ApiError, PhantomData<W>);

impl<W> std::fmt::Debug for SeedError<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<W> IntoResponse for SeedError<W> {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl<W> From<ApiError> for SeedError<W> {
    fn from(err: ApiError) -> Self {
        Self(err, PhantomData)
    }
}

impl<W> From<campus_db::sea_orm::DbErr> for SeedError<W> {
    fn from(err: campus_db::sea_orm::DbErr) -> Self {
        Self(err.into(), PhantomData)
    }
}

macro_rules! worded {
    ($($error:ty => $method:ident),* $(,)?) => {$(
        impl<W: Wording> From<$error> for SeedError<W> {
            fn from(err: $error) -> Self {
                Self(W::$method(err), PhantomData)
            }
        }
    )*};
}

worded! {
    IdentityError => identity,
    SchoolError => school,
    ContentError => content,
    FinanceError => finance,
    NotificationError => notification,
    KvError => kv,
    ParkingError => parking,
    StorageError => storage,
    UsageError => usage,
    ReportError => report,
}

impl<W: Wording> From<crate::reports::ReportFailure> for SeedError<W> {
    fn from(err: crate::reports::ReportFailure) -> Self {
        match err {
            crate::reports::ReportFailure::Report(e) => Self(W::report(e), PhantomData),
            other => Self(other.into(), PhantomData),
        }
    }
}
