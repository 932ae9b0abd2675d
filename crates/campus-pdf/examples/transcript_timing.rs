//! How long a long transcript takes to render: `cargo run --release -p campus-pdf --example
//! transcript_timing [terms] [grades-per-term] [runs]` (default 27 × 24, 10 runs: 20 pages). Prints the page count, the PDF size and the first, median and slowest times; the
//! first includes loading the embedded fonts. Used by scripts/bench.sh (docs/PERFORMANCE.md).

use std::time::Instant;

use serde_json::{Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (terms, per_term, runs) = (arg(1, 27), arg(2, 24), arg(3, 10).max(1));
    let gpa = |u: f64, c: f64| json!({"unweighted": u, "weighted": u, "graded": per_term, "credits": c});
    // Every run renders different data (scores and the name change), as a server rendering
    // one student after another does: typst's memoisation cannot reuse the last layout.
    let data_for = |run: usize| -> Value {
        let term_list: Vec<Value> = (0..terms)
        .map(|t| {
            let term = format!("{}-T{}", 2010 + t / 3, t % 3 + 1);
            let grades: Vec<Value> = (0..per_term)
                .map(|i| json!({"subject": format!("Subject {i:02}"), "term": term, "score": 70.0 + ((i + run) % 30) as f64,
                                "letter": null, "points": 2.0 + (i % 3) as f64, "credits": 1.0, "graded_at": "2026-10-01"}))
                .collect();
            json!({"term": term, "grades": grades, "gpa": gpa(3.0, per_term as f64)})
        })
        .collect();
        json!({
            "student": {"id": run, "name": format!("Student {run}"), "roll_number": format!("R-{run}"), "class_level": 12, "section": "A", "guardians": ["Anne Byron"]},
            "terms": term_list, "cumulative_gpa": gpa(3.0, (terms * per_term) as f64), "total_credits": (terms * per_term) as f64,
        })
    };
    let letterhead = campus_pdf::Letterhead {
        school_name: "Hillside Academy".into(),
        school_address: Some("1 School Lane".into()),
        logo: None,
    };
    let stamp = campus_pdf::Stamp {
        title: "Transcript".into(),
        generated_at: "2026-11-30 09:00 UTC".into(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).ok_or("date")?,
        verification_code: "ABCD-EFGH-JKMN-PQRS".into(),
        verify_url: "https://campus.example/verify/ABCD-EFGH-JKMN-PQRS".into(),
    };
    let mut times = Vec::with_capacity(runs);
    let (mut size, mut pages) = (0, 0);
    for run in 0..runs {
        let data = data_for(run);
        let start = Instant::now();
        let (pdf, n) =
            campus_pdf::render_counted(campus_pdf::Template::Transcript, &data, &letterhead, &stamp)?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        (size, pages) = (pdf.len(), n);
    }
    let first = times[0];
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "transcript {terms} terms x {per_term} grades: {pages} pages, {size} bytes; first {first:.0} ms, median {:.0} ms, slowest {:.0} ms ({runs} runs)",
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1]
    );
    Ok(())
}
