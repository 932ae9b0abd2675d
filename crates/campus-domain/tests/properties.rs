//! Property tests (proptest) for the parsers and calculators: money text, grade points and
//! GPA, the target-GPA planner, the MemoPark score, the report verification code and access
//! token decoding. Each property holds for every generated input; failures shrink to a
//! minimal case.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use campus_domain::finance::money;
use campus_domain::parking::score::{Trip, compute, peek_points};
use campus_domain::reports::code;
use campus_domain::school::gpa::{self, GradePoint};
use proptest::prelude::*;

proptest! {
    /// Any amount printed as text reads back to the same cents: no float on the way.
    #[test]
    fn money_text_round_trips(cents in -money::MAX_CENTS..=money::MAX_CENTS) {
        prop_assert_eq!(money::parse_decimal(&money::format(cents)), Ok(cents));
    }

    /// Arbitrary text never panics and never yields more than the ledger's ceiling.
    #[test]
    fn money_text_never_panics(text in "\\PC{0,40}") {
        if let Ok(cents) = money::parse_decimal(&text) {
            prop_assert!(cents.abs() <= money::MAX_CENTS);
        }
    }

    /// Exponent forms mean the same as their plain decimal.
    #[test]
    fn exponent_forms_agree(units in 0i64..1_000_000, shift in 0i32..=2) {
        let plain = money::parse_decimal(&format!("{units}")).unwrap();
        let scaled = money::parse_decimal(&format!("{units}e{shift}")).unwrap();
        prop_assert_eq!(scaled, plain * 10i64.pow(shift as u32));
    }

    /// Grade points are on the 4.0 scale and never fall as the score rises.
    #[test]
    fn score_points_are_bounded_and_monotone(a in 0.0f64..=100.0, b in 0.0f64..=100.0) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!((0.0..=4.0).contains(&gpa::score_points(lo)));
        prop_assert!(gpa::score_points(lo) <= gpa::score_points(hi));
    }

    /// Letter grades, whatever the case or sign, are between 0.0 and 4.0; other text is not a
    /// letter grade.
    #[test]
    fn letter_points_are_bounded(text in "[A-Fa-fXz]{0,1}[+\\-]?[+\\-]?") {
        if let Some(p) = gpa::letter_points(&text) {
            prop_assert!((0.0..=4.0).contains(&p), "{text} -> {p}");
        }
    }

    /// A GPA lies between the lowest and highest grade points it averages.
    #[test]
    fn a_gpa_lies_between_its_grades(points in prop::collection::vec((0.0f64..=4.0, 0.5f64..=5.0), 1..40)) {
        let grades: Vec<GradePoint> = points
            .iter()
            .map(|(p, c)| GradePoint { subject: "S".into(), term: None, points: *p, credits: *c })
            .collect();
        let s = gpa::summarize(&grades);
        let min = points.iter().map(|(p, _)| *p).fold(f64::INFINITY, f64::min);
        let max = points.iter().map(|(p, _)| *p).fold(f64::NEG_INFINITY, f64::max);
        for g in [s.unweighted, s.weighted] {
            prop_assert!(g >= (min * 100.0).floor() / 100.0 && g <= (max * 100.0).ceil() / 100.0, "{g} not in [{min}, {max}]");
        }
    }

    /// The planner's answer, earned on the remaining credits, reaches the target (when it is
    /// reachable at all), and a higher target never needs less.
    #[test]
    fn the_needed_average_reaches_the_target(
        points in prop::collection::vec(0.0f64..=4.0, 1..20),
        target in 0.0f64..=4.0,
        remaining in 1.0f64..=60.0,
    ) {
        let grades: Vec<GradePoint> = points
            .iter()
            .map(|p| GradePoint { subject: "S".into(), term: None, points: *p, credits: 1.0 })
            .collect();
        if let Ok(need) = gpa::needed(&grades, target, remaining) {
            let earned: f64 = points.iter().sum::<f64>() + need * remaining;
            let reached = earned / (points.len() as f64 + remaining);
            prop_assert!(reached + 0.01 >= target, "needs {need}, reaches {reached} < {target}");
            prop_assert!((0.0..=4.0).contains(&need));
        }
        let lower = gpa::needed(&grades, target * 0.5, remaining).unwrap_or_else(|e| e);
        let higher = gpa::needed(&grades, target, remaining).unwrap_or_else(|e| e);
        prop_assert!(lower <= higher);
    }

    /// The MemoPark score stays within 0..100 and recalling more landmarks never lowers it.
    #[test]
    fn the_parking_score_is_bounded_and_monotone_in_landmarks(
        landmarks in 0i64..20, achieved in 0i64..20,
        duration in proptest::option::of(1.0f64..7_200.0), estimate in proptest::option::of(1i64..3_600),
        map_views in 0i64..50, screen in 0i64..7_200,
    ) {
        let trip = Trip { landmarks, achieved, duration_secs: duration, estimated_secs: estimate, map_views, screen_secs: screen };
        let s = compute(trip);
        for v in [s.task_score, s.time_factor, s.landmark_factor, s.path_performance] {
            prop_assert!((0.0..=100.0).contains(&v), "{v} in {s:?}");
        }
        let more = compute(Trip { achieved: achieved.saturating_add(1), ..trip });
        prop_assert!(more.task_score >= s.task_score);
        prop_assert!((0.0..=10.0).contains(&peek_points(map_views)));
    }

    /// Verification codes typed any way read back; random text is not a code.
    #[test]
    fn verification_codes_read_back(a in "[a-z]{1,20}", b in "[0-9a-f]{1,64}", noise in "\\PC{0,30}") {
        let c = code::CodeKey::derive(b"property secret").code(&a, &b);
        prop_assert_eq!(code::normalize(&code::display(&c).to_lowercase()), Some(c.clone()));
        if let Some(n) = code::normalize(&noise) {
            prop_assert_eq!(n.len(), 16);
        }
    }

    /// Access-token decoding never panics on arbitrary text and accepts nothing unsigned.
    #[test]
    fn token_decoding_never_panics(text in "\\PC{0,200}", dots in "[A-Za-z0-9_\\-]{0,40}\\.[A-Za-z0-9_\\-]{0,40}\\.[A-Za-z0-9_\\-]{0,40}") {
        let keys = campus_domain::identity::tokens::TokenKeys::new(&secrecy::SecretString::from("p".repeat(40)));
        prop_assert!(keys.decode(&text).is_err());
        prop_assert!(keys.decode(&dots).is_err());
    }
}
