//! The finance office's reports: dues by age (an SVG bar chart drawn on the server, with the
//! same numbers in a table), the unpaid buckets, and the last two weeks' ledger activity.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use campus_domain::finance::money;
use campus_domain::finance::reports::DailyRow;
use campus_domain::identity::roles::{FinanceStaff, RoleSet};
use campus_pdf::{Point, bar_chart};

use super::{AppChrome, PageResult, Viewer, require};
use crate::state::AppState;
use crate::web::pages::render;

/// Days of ledger activity shown.
const DAILY_DAYS: i64 = 14;

#[derive(Template, Debug)]
#[template(path = "app/reports.html")]
pub struct ReportsPage {
    pub chrome: AppChrome,
    /// (bucket, total owed, formatted).
    pub aging: Vec<(&'static str, String)>,
    /// The chart as an SVG document (numbers and fixed labels only).
    pub chart: Option<String>,
    pub owing: usize,
    pub critical: usize,
    pub moderate: usize,
    pub low: usize,
    pub daily: Vec<DailyRow>,
}

impl ReportsPage {
    pub fn cents(&self, cents: &i64) -> String {
        money::format(*cents)
    }
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    require(FinanceStaff::contains(viewer.who.role))?;
    let finance = state.finance();
    let now = state.clock().now();
    let rows = finance.aging(&viewer.who, now).await?;
    let mut totals = [0i64; 4];
    for r in &rows {
        for (t, v) in totals
            .iter_mut()
            .zip([r.days_0_30, r.days_31_60, r.days_61_90, r.days_over_90])
        {
            *t += v;
        }
    }
    let labels = ["0–30 days", "31–60 days", "61–90 days", "over 90 days"];
    let points: Vec<Point> = labels
        .iter()
        .zip(totals)
        .map(|(label, cents)| Point {
            label: (*label).to_owned(),
            value: money::major(cents),
        })
        .collect();
    // A chart that cannot be drawn leaves the table, which has the same numbers.
    let chart = bar_chart("Owed by age of the charge", &points, (560, 280))
        .map_err(|e| tracing::warn!(error = %e, "the aging chart was not drawn"))
        .ok()
        .map(|svg| {
            svg.replacen(
                "<svg ",
                "<svg role=\"img\" aria-labelledby=\"aging-title\" focusable=\"false\" ",
                1,
            )
        });
    let (_, buckets) = finance.buckets(&viewer.who).await?;
    let today = now.date_naive();
    let from = today - chrono::Duration::days(DAILY_DAYS - 1);
    let mut daily = finance
        .daily(&viewer.who, from, today + chrono::Duration::days(1))
        .await?;
    daily.sort_by(|a, b| b.date.cmp(&a.date).then(a.kind.cmp(&b.kind)));
    Ok(render(
        StatusCode::OK,
        &ReportsPage {
            chrome: viewer.chrome,
            aging: labels.into_iter().zip(totals.map(money::format)).collect(),
            chart,
            owing: rows.len(),
            critical: buckets.critical.len(),
            moderate: buckets.moderate.len(),
            low: buckets.low.len(),
            daily,
        },
    ))
}
