#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use super::*;

fn letterhead() -> Letterhead {
    Letterhead {
        school_name: "Hillside Academy".into(),
        school_address: Some("1 School Lane, Springfield".into()),
        logo: None,
    }
}

fn stamp(title: &str) -> Stamp {
    Stamp {
        title: title.into(),
        generated_at: "2026-11-30 09:15 UTC".into(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        verification_code: "ABCD-EFGH-JKMN-PQRS".into(),
        verify_url: "http://campus.test/verify/ABCD-EFGH-JKMN-PQRS".into(),
    }
}

fn student() -> Value {
    json!({"id": 7, "name": "Ada Lovelace", "roll_number": "R-0007", "class_level": 9,
           "section": "B", "guardians": ["Anne Byron"]})
}

fn gpa(u: f64, credits: f64) -> Value {
    json!({"unweighted": u, "weighted": u, "graded": 2, "credits": credits})
}

/// Writes `pdf` to `$CAMPUS_PDF_SAMPLES/<name>.pdf` when that is set, to look at the
/// rendering (`pdftoppm -png`); see docs/REPORTS.md.
fn keep(name: &str, pdf: &[u8]) {
    if let Some(dir) = std::env::var_os("CAMPUS_PDF_SAMPLES") {
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.pdf")), pdf).unwrap();
    }
}

/// The text of a PDF, with runs of whitespace made single spaces.
fn text_of(pdf: &[u8]) -> String {
    let text = pdf_extract::extract_text_from_mem(pdf).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn grade(subject: &str, term: &str, score: f64, points: f64) -> Value {
    json!({"subject": subject, "term": term, "score": score, "letter": null, "points": points,
           "credits": 1.0, "graded_at": "2026-10-01"})
}

#[test]
fn a_progress_report_prints_its_numbers() {
    let data = json!({
        "student": student(), "term": "2026-T1",
        "grades": [grade("Mathematics", "2026-T1", 93.5, 4.0), grade("History", "2026-T1", 81.0, 3.0)],
        "term_gpa": gpa(3.5, 2.0), "cumulative_gpa": gpa(3.25, 4.0),
        "attendance": {"from": "2026-09-01", "to": "2026-12-20", "counts": {"Absent": 2, "Present": 38},
                       "total": 40, "attendance_rate": 95.0},
        "activities": [{"activity_name": "Chess club", "role_or_award": "Captain", "participation_date": null}],
        "teacher_comment": "Steady progress.", "notice": null
    });
    let pdf = render(
        Template::Progress,
        &data,
        &letterhead(),
        &stamp("Progress report"),
    )
    .unwrap();
    keep("progress", &pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    for expected in [
        "Hillside Academy",
        "Progress report",
        "Ada Lovelace",
        "Anne Byron",
        "Mathematics",
        "93.5",
        "4.00",
        "3.50",
        "3.25",
        "95.00%",
        "Chess club",
        "Captain",
        "Steady progress.",
        "ABCD-EFGH-JKMN-PQRS",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[test]
fn an_achievement_report_draws_the_gpa_trend() {
    let data = json!({
        "student": student(),
        "gpa_trend": [{"term": "2025-T1", "gpa": 2.8, "credits": 3.0}, {"term": "2025-T2", "gpa": 3.4, "credits": 3.0}],
        "cumulative_gpa": gpa(3.1, 6.0),
        "best_subjects": [{"subject": "Art", "grades": 2, "credits": 2.0, "mean_points": 4.0}],
        "activities": [],
        "attendance": {"from": null, "to": null, "counts": {}, "total": 0, "attendance_rate": 0.0}
    });
    let pdf = render(
        Template::Achievement,
        &data,
        &letterhead(),
        &stamp("Achievement report"),
    )
    .unwrap();
    keep("achievement", &pdf);
    let text = text_of(&pdf);
    for expected in [
        "GPA by term",
        "2025-T1",
        "2.80",
        "3.40",
        "3.10",
        "Art",
        "No activities recorded.",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[test]
fn a_long_transcript_numbers_its_pages() {
    let terms: Vec<Value> = (0..20)
        .map(|t| {
            let term = format!("T{t:02}");
            json!({"term": term, "gpa": gpa(3.0, 24.0),
                   "grades": (0..24).map(|i| grade(&format!("Subject {i}"), &term, 85.0, 3.0)).collect::<Vec<_>>()})
        })
        .collect();
    let data = json!({"student": student(), "terms": terms, "cumulative_gpa": gpa(3.0, 480.0), "total_credits": 480.0});
    let pdf = render(Template::Transcript, &data, &letterhead(), &stamp("Transcript")).unwrap();
    keep("transcript", &pdf);
    let text = text_of(&pdf);
    assert!(text.contains("Page 1 of "), "{text}");
    let pages: usize = text
        .split("Page 1 of ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(pages >= 10, "a 480-grade transcript has {pages} pages");
    assert!(text.contains("480.0"));
}

#[test]
fn a_statement_and_a_receipt_print_their_amounts() {
    let money = |minor: i64, text: &str| json!({"minor": minor, "text": text});
    let statement = json!({
        "student": student(), "currency": "USD", "from": "2026-09-01", "to": "2026-11-30",
        "opening_balance": money(10000, "100.00"),
        "entries": [{"id": 3, "date": "2026-09-05", "kind": "charge", "description": "Algebra I",
                     "amount": money(50000, "500.00"), "balance": money(60000, "600.00"), "reference": null}],
        "closing_balance": money(60000, "600.00"),
        "aging": {"current": money(0, "0.00"), "days_31_60": money(0, "0.00"),
                  "days_61_90": money(60000, "600.00"), "over_90": money(0, "0.00")}
    });
    let pdf = render(
        Template::Statement,
        &statement,
        &letterhead(),
        &stamp("Statement"),
    )
    .unwrap();
    keep("statement", &pdf);
    let text = text_of(&pdf);
    for expected in [
        "Opening balance",
        "100.00",
        "Algebra I",
        "500.00",
        "600.00",
        "Closing balance",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    let receipt = json!({"student": student(), "entry_id": 42, "received_at": "2026-11-30 09:00 UTC",
        "amount": money(-2500, "25.00"), "currency": "USD", "method": "CASH", "reference": "RCPT-9",
        "status": "RECEIVED", "remaining_balance": money(57500, "575.00")});
    let pdf = render(
        Template::Receipt,
        &receipt,
        &letterhead(),
        &stamp("Payment receipt"),
    )
    .unwrap();
    keep("receipt", &pdf);
    let text = text_of(&pdf);
    for expected in ["Receipt number 42", "25.00 USD", "CASH", "RCPT-9", "575.00 USD"] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[test]
fn data_without_the_templates_shape_is_a_template_error_not_a_panic() {
    let err = render(
        Template::Receipt,
        &json!({"student": 1}),
        &letterhead(),
        &stamp("Receipt"),
    )
    .unwrap_err();
    assert!(matches!(err, RenderError::Template(_)), "{err}");
}

#[test]
fn a_logo_is_drawn_from_bytes() {
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>"#;
    let mut head = letterhead();
    head.logo = Some(Logo {
        bytes: svg.to_vec(),
        extension: "svg".into(),
    });
    let receipt = json!({"student": student(), "entry_id": 1, "received_at": "x",
        "amount": {"minor": 1, "text": "0.01"}, "currency": "USD", "method": null, "reference": null,
        "status": null, "remaining_balance": {"minor": 0, "text": "0.00"}});
    let pdf = render(Template::Receipt, &receipt, &head, &stamp("Receipt")).unwrap();
    assert!(text_of(&pdf).contains("Hillside Academy"));
}
