//! `/api/v1/finance/reports/{report}` (finance staff): outstanding, unpaid (buckets),
//! pass-fail, aging and daily, each as JSON (default), CSV or XLSX.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use campus_domain::finance::money;
use campus_domain::finance::reports::{DuesSort, StudentDues};
use campus_tabular::{Cell, FileWriter, Format};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::Routes;
use crate::api::routing::routes;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::AppState;

/// This module's handlers, each at the path its OpenAPI operation names.
pub(crate) fn routes() -> Routes {
    vec![routes!(report)]
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// json (default), csv or xlsx.
    pub format: Option<String>,
    /// outstanding: lowest dues, major units.
    pub min_amount: Option<String>,
    /// outstanding: highest dues, major units.
    pub max_amount: Option<String>,
    /// outstanding: `amount` (default, largest first) or `name`.
    pub sort: Option<String>,
    /// pass-fail: PASS when dues are at most this (major units, default 0).
    pub threshold: Option<String>,
    /// daily: first day (default 30 days ago).
    pub from: Option<NaiveDate>,
    /// daily: day after the last (default tomorrow).
    pub to: Option<NaiveDate>,
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
}

fn cents(text: Option<&str>, name: &str) -> Result<Option<i64>, ApiError> {
    text.map(|t| money::parse_decimal(t.trim()).map_err(|e| bad(format!("{name} {}", e.message()))))
        .transpose()
}

/// A table: header and rows, rendered in the requested format.
struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

const DUES_HEADER: [&str; 8] = [
    "student_id",
    "roll_number",
    "name",
    "email",
    "balance",
    "total_fees",
    "enrollments",
    "last_payment_at",
];

fn dues_row(d: &StudentDues, extra: Option<&str>) -> Vec<Cell> {
    let mut row = vec![
        Cell::Int(d.student_id),
        Cell::Text(d.roll_number.clone()),
        Cell::Text(d.name.clone()),
        d.email.clone().into(),
        Cell::Float(money::major(d.balance_cents)),
        Cell::Float(money::major(d.total_fees_cents)),
        Cell::Int(i64::try_from(d.total_enrollments).unwrap_or(i64::MAX)),
        d.last_payment_at.map(|t| t.to_rfc3339()).into(),
    ];
    if let Some(e) = extra {
        row.push(Cell::Text(e.to_owned()));
    }
    row
}

/// Finance reports; `format=csv|xlsx` downloads the same rows as a file.
#[utoipa::path(get, path = "/api/v1/finance/reports/{report}", tag = "finance", security(("bearer" = [])),
    params(("report" = String, Path, description = "outstanding, unpaid, pass-fail, aging or daily"), ReportQuery),
    responses((status = 200, description = "The report as JSON rows, CSV or XLSX"), (status = 403, description = "Finance staff only")))]
pub async fn report(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    Path(name): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let finance = state.finance();
    let table = match name.as_str() {
        "outstanding" => {
            let sort = match q.sort.as_deref() {
                None | Some("amount") => DuesSort::Amount,
                Some("name") => DuesSort::Name,
                Some(_) => return Err(bad("sort must be amount or name".into())),
            };
            let rows = finance
                .outstanding(
                    &who,
                    cents(q.min_amount.as_deref(), "min_amount")?,
                    cents(q.max_amount.as_deref(), "max_amount")?,
                    sort,
                )
                .await?;
            Table {
                header: DUES_HEADER.to_vec(),
                rows: rows.iter().map(|d| dues_row(d, None)).collect(),
            }
        }
        "unpaid" => {
            let (_, b) = finance.buckets(&who).await?;
            let mut header = DUES_HEADER.to_vec();
            header.push("bucket");
            let mut rows = Vec::new();
            for (bucket, list) in [
                ("critical", &b.critical),
                ("moderate", &b.moderate),
                ("low", &b.low),
            ] {
                rows.extend(list.iter().map(|d| dues_row(d, Some(bucket))));
            }
            Table { header, rows }
        }
        "pass-fail" => {
            let threshold = cents(q.threshold.as_deref(), "threshold")?.unwrap_or(0);
            let (pass, fail) = finance.pass_fail(&who, threshold).await?;
            let mut header = DUES_HEADER.to_vec();
            header.push("status");
            let mut rows: Vec<Vec<Cell>> = pass.iter().map(|d| dues_row(d, Some("PASS"))).collect();
            rows.extend(fail.iter().map(|d| dues_row(d, Some("FAIL"))));
            Table { header, rows }
        }
        "aging" => {
            let rows = finance.aging(&who, Utc::now()).await?;
            Table {
                header: vec![
                    "student_id",
                    "name",
                    "balance",
                    "days_0_30",
                    "days_31_60",
                    "days_61_90",
                    "days_over_90",
                ],
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            Cell::Int(r.student_id),
                            Cell::Text(r.name.clone()),
                            Cell::Float(money::major(r.balance_cents)),
                            Cell::Float(money::major(r.days_0_30)),
                            Cell::Float(money::major(r.days_31_60)),
                            Cell::Float(money::major(r.days_61_90)),
                            Cell::Float(money::major(r.days_over_90)),
                        ]
                    })
                    .collect(),
            }
        }
        "daily" => {
            let today = Utc::now().date_naive();
            let from = q.from.unwrap_or(today - Duration::days(30));
            let to = q.to.unwrap_or(today + Duration::days(1));
            let rows = finance.daily(&who, from, to).await?;
            Table {
                header: vec!["date", "kind", "count", "total"],
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            Cell::Text(r.date.to_string()),
                            Cell::Text(r.kind.clone()),
                            Cell::Int(i64::try_from(r.count).unwrap_or(i64::MAX)),
                            Cell::Float(money::major(r.total_cents)),
                        ]
                    })
                    .collect(),
            }
        }
        _ => {
            return Err(ApiError::not_found(
                "Reports are: outstanding, unpaid, pass-fail, aging, daily.",
            ));
        }
    };
    render(&name, table, q.format.as_deref().unwrap_or("json"))
}

fn render(name: &str, table: Table, format: &str) -> Result<Response, ApiError> {
    let format = match format {
        "json" => {
            let rows: Vec<Value> = table
                .rows
                .into_iter()
                .map(|r| campus_domain::school::export::json_object(&table.header, r))
                .collect();
            return Ok((
                StatusCode::OK,
                axum::Json(json!({"report": name, "currency_unit": "major", "rows": rows})),
            )
                .into_response());
        }
        other => Format::parse(other).ok_or_else(|| bad("format must be one of: json, csv, xlsx".into()))?,
    };
    let mut w = FileWriter::new(format, name)?;
    let header: Vec<Cell> = table.header.iter().map(|h| Cell::from(*h)).collect();
    w.write_row(&header)?;
    for r in &table.rows {
        w.write_row(r)?;
    }
    let body = w.finish()?;
    Ok(super::transfer::attachment(
        body,
        format.content_type(),
        name,
        format.extension(),
    ))
}
