//! `campus seed`: demo data to try Campus out, or a large synthetic school for benchmarks.

use std::io::Write;

use crate::services::Services;
use anyhow::bail;
use campus_config::Settings;
use campus_domain::demo::{self, DEMO_USERS};
use clap::Args;

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Load seed 000's marks, lookups and APP_INTRO document and demo accounts (admin/admin123,
    /// teacher, parent, finance). Safe to run twice.
    #[arg(long)]
    demo: bool,
    /// Generate this many synthetic students (for benchmarks).
    #[arg(long, value_name = "N")]
    size: Option<usize>,
    /// Grades per generated student.
    #[arg(long, default_value_t = 20)]
    grades_per_student: usize,
}

pub async fn run(settings: &Settings, args: SeedArgs) -> anyhow::Result<()> {
    if !args.demo && args.size.is_none() {
        bail!("say what to seed: --demo, --size N, or both");
    }
    let Services {
        identity,
        school,
        finance,
        ..
    } = crate::services::open(settings, true).await?;
    if args.demo {
        let report = demo::load_demo(&identity, &school).await?;
        if report.already_loaded {
            println!("demo data already loaded");
        } else {
            println!(
                "loaded {} demo students with grades, lookups and the APP_INTRO document",
                report.students_created
            );
        }
        let finance_students = demo::load_finance_demo(&identity, &finance).await?;
        if !finance_students.is_empty() {
            println!(
                "loaded seed 002's courses, enrollments and payments; created {} (password `pass123`)",
                finance_students.join(", ")
            );
        }
        for (username, _, _, role, password) in DEMO_USERS {
            if report.users_created.contains(&username) {
                println!("created {role} account `{username}` with password `{password}`");
            }
        }
        eprintln!(
            "warning: the demo accounts have published passwords and are for trying Campus out only; \
             deactivate them (campus user deactivate admin) before real use"
        );
    }
    if let Some(n) = args.size {
        if n == 0 || n > 10_000_000 {
            bail!("--size must be between 1 and 10000000");
        }
        let started = std::time::Instant::now();
        demo::generate(&school, n, args.grades_per_student.min(100), |done| {
            eprint!("\rgenerated {done}/{n} students");
            let _ = std::io::stderr().flush();
        })
        .await?;
        eprintln!();
        println!(
            "generated {n} students with {} grades each in {:.1}s",
            args.grades_per_student.min(100),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
