//! The figures the public verification page repeats for each kind: enough to compare with a
//! printed copy (a changed grade point average or amount shows), nothing more.

use serde_json::Value;

use super::model::ReportKind;

fn fixed(v: &Value) -> String {
    v.as_f64()
        .map(|x| format!("{x:.2}"))
        .unwrap_or_else(|| "—".to_owned())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

/// Label and value pairs of what a document of `kind` with `data` certified.
pub fn figures(kind: ReportKind, data: &Value) -> Vec<(String, String)> {
    let pair = |label: &str, value: String| (label.to_owned(), value);
    match kind {
        ReportKind::Progress => {
            let mut out = vec![pair(
                "Term",
                data["term"].as_str().unwrap_or("all terms").to_owned(),
            )];
            if !data["term_gpa"].is_null() {
                out.push(pair("Term GPA", fixed(&data["term_gpa"]["unweighted"])));
            }
            out.push(pair(
                "Cumulative GPA",
                fixed(&data["cumulative_gpa"]["unweighted"]),
            ));
            out.push(pair(
                "Attendance rate",
                format!("{}%", fixed(&data["attendance"]["attendance_rate"])),
            ));
            out
        }
        ReportKind::Achievement => vec![
            pair("Cumulative GPA", fixed(&data["cumulative_gpa"]["unweighted"])),
            pair(
                "Terms",
                data["gpa_trend"].as_array().map_or(0, Vec::len).to_string(),
            ),
            pair(
                "Attendance rate",
                format!("{}%", fixed(&data["attendance"]["attendance_rate"])),
            ),
        ],
        ReportKind::Transcript => vec![
            pair("Cumulative GPA", fixed(&data["cumulative_gpa"]["unweighted"])),
            pair("Total credits", fixed(&data["total_credits"])),
            pair("Terms", data["terms"].as_array().map_or(0, Vec::len).to_string()),
        ],
        ReportKind::Statement => vec![
            pair("Period from", text(&data["from"])),
            pair("Period to", text(&data["to"])),
            pair(
                "Opening balance",
                format!(
                    "{} {}",
                    text(&data["opening_balance"]["text"]),
                    text(&data["currency"])
                ),
            ),
            pair(
                "Closing balance",
                format!(
                    "{} {}",
                    text(&data["closing_balance"]["text"]),
                    text(&data["currency"])
                ),
            ),
        ],
        ReportKind::Receipt => vec![
            pair("Receipt number", text(&data["entry_id"])),
            pair("Received", text(&data["received_at"])),
            pair(
                "Amount",
                format!("{} {}", text(&data["amount"]["text"]), text(&data["currency"])),
            ),
            pair("Reference", text(&data["reference"])),
        ],
    }
}
