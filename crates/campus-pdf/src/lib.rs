//! Campus report documents: PDF rendering with typst as a library.
//!
//! A report is one typed data struct (the same one the JSON API returns), serialised to JSON
//! and read by an embedded typst template (`templates/*.typ`); charts are drawn from the same
//! data as SVG (plotters) and embedded as images. The crate knows nothing of databases or HTTP:
//! callers pass the data, the letterhead and the verification code, and get PDF bytes back.
//! Rendering is CPU-bound and synchronous; servers run it on their blocking pool.

mod charts;
mod world;

use serde::Serialize;
use serde_json::Value;

pub use charts::{Point, bar_chart, line_chart};

/// The documents Campus renders, one template each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    Progress,
    Achievement,
    Transcript,
    Statement,
    Receipt,
}

impl Template {
    fn source(self) -> &'static str {
        match self {
            Self::Progress => include_str!("../templates/progress.typ"),
            Self::Achievement => include_str!("../templates/achievement.typ"),
            Self::Transcript => include_str!("../templates/transcript.typ"),
            Self::Statement => include_str!("../templates/statement.typ"),
            Self::Receipt => include_str!("../templates/receipt.typ"),
        }
    }
}

const COMMON: &str = include_str!("../templates/common.typ");

/// A logo image for the letterhead.
#[derive(Debug, Clone)]
pub struct Logo {
    pub bytes: Vec<u8>,
    /// `png`, `jpg` or `svg`.
    pub extension: String,
}

/// Who issues the document.
#[derive(Debug, Clone, Default)]
pub struct Letterhead {
    pub school_name: String,
    pub school_address: Option<String>,
    pub logo: Option<Logo>,
}

/// Everything one rendering needs besides the data.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// The document's title, as printed and in the PDF's metadata.
    pub title: String,
    /// When it was generated, as printed ("2026-11-30 09:15 UTC").
    pub generated_at: String,
    /// The date typst's `today` answers.
    pub today: chrono::NaiveDate,
    /// The verification code and where anyone can check it.
    pub verification_code: String,
    pub verify_url: String,
}

/// Why a document could not be rendered. Template errors are bugs (or data that does not
/// have the template's shape); they carry typst's messages for the log.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template error: {0}")]
    Template(String),
    #[error("chart error: {0}")]
    Chart(String),
    #[error("pdf export error: {0}")]
    Export(String),
    #[error("invalid input: {0}")]
    Input(String),
}

/// What the templates read from `/meta.json`.
#[derive(Serialize)]
struct Meta<'a> {
    title: &'a str,
    school: School<'a>,
    logo: Option<String>,
    generated_at: &'a str,
    code: &'a str,
    verify_url: &'a str,
    chart: Option<&'static str>,
}

#[derive(Serialize)]
struct School<'a> {
    name: &'a str,
    address: Option<&'a str>,
}

/// The charts a template shows, drawn from its data.
fn charts_for(template: Template, data: &Value) -> Result<Option<String>, RenderError> {
    if template != Template::Achievement {
        return Ok(None);
    }
    let points: Vec<Point> = data
        .get("gpa_trend")
        .and_then(Value::as_array)
        .map(|terms| {
            terms
                .iter()
                .map(|t| Point {
                    label: t.get("term").and_then(Value::as_str).unwrap_or("").to_owned(),
                    value: t.get("gpa").and_then(Value::as_f64).unwrap_or(0.0),
                })
                .collect()
        })
        .unwrap_or_default();
    if points.is_empty() {
        return Ok(None);
    }
    line_chart("GPA by term", &points, 4.0).map(Some)
}

fn messages(diags: &[typst::diag::SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Renders one document to PDF bytes.
pub fn render(
    template: Template,
    data: &impl Serialize,
    letterhead: &Letterhead,
    stamp: &Stamp,
) -> Result<Vec<u8>, RenderError> {
    render_counted(template, data, letterhead, stamp).map(|(pdf, _)| pdf)
}

/// Renders one document; the PDF bytes and the number of pages.
pub fn render_counted(
    template: Template,
    data: &impl Serialize,
    letterhead: &Letterhead,
    stamp: &Stamp,
) -> Result<(Vec<u8>, usize), RenderError> {
    let data = serde_json::to_value(data).map_err(|e| RenderError::Input(e.to_string()))?;
    let chart = charts_for(template, &data)?;
    let logo_path = letterhead
        .logo
        .as_ref()
        .map(|l| format!("/logo.{}", l.extension.to_ascii_lowercase()));
    let meta = Meta {
        title: &stamp.title,
        school: School {
            name: &letterhead.school_name,
            address: letterhead.school_address.as_deref(),
        },
        logo: logo_path.clone(),
        generated_at: &stamp.generated_at,
        code: &stamp.verification_code,
        verify_url: &stamp.verify_url,
        chart: chart.as_ref().map(|_| "/chart.svg"),
    };
    let mut files = vec![("/data.json", to_json(&data)?), ("/meta.json", to_json(&meta)?)];
    if let Some(svg) = chart {
        files.push(("/chart.svg", svg.into_bytes()));
    }
    if let (Some(path), Some(logo)) = (logo_path.as_deref(), &letterhead.logo) {
        files.push((path, logo.bytes.clone()));
    }
    let world = world::ReportWorld::new(
        &[("/main.typ", template.source()), ("/common.typ", COMMON)],
        files,
        stamp.today,
    )
    .ok_or_else(|| RenderError::Input("a file name or the date is not valid".into()))?;
    let compiled = typst::compile::<typst_layout::PagedDocument>(&world);
    let document = compiled
        .output
        .map_err(|diags| RenderError::Template(messages(&diags)))?;
    let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|diags| RenderError::Export(messages(&diags)))?;
    // typst memoises across compilations; keep only what recent renderings used.
    typst::comemo::evict(10);
    Ok((pdf, document.pages().len()))
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>, RenderError> {
    serde_json::to_vec(value).map_err(|e| RenderError::Input(e.to_string()))
}

#[cfg(test)]
mod tests;
