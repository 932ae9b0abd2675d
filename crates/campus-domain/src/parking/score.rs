//! The cognitive score (seed 001, computed once when the user reaches the car). A pure
//! function of what the trip recorded; the worked example of the contract is a test.

/// What a retrieval recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trip {
    /// Landmarks of the event (L).
    pub landmarks: i64,
    /// Landmarks marked achieved (A).
    pub achieved: i64,
    /// Seconds from "find my car" to arrival (D), if both are known.
    pub duration_secs: Option<f64>,
    /// The estimate the app gave (E), seconds.
    pub estimated_secs: Option<i64>,
    /// Times the user looked at the map (M).
    pub map_views: i64,
    /// Seconds the screen was on (S_raw).
    pub screen_secs: i64,
}

/// The score and the values stored with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreValues {
    pub time_factor: f64,
    pub landmark_factor: f64,
    pub path_performance: f64,
    pub task_score: f64,
    pub no_of_landmarks: i64,
    pub landmarks_recalled: i64,
    /// The raw map-view count (the seed's column name).
    pub peek_penalty: i64,
    /// Screen seconds, capped by the duration (the seed's column name).
    pub assist_penalty: i64,
    /// Deprecated in the seed: the map-view count again.
    pub assistance_points: i64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Peek penalty points from the number of map views.
pub fn peek_points(map_views: i64) -> f64 {
    let m = map_views.max(0) as f64;
    match map_views {
        i64::MIN..=0 => 0.0,
        1..=3 => m,
        4..=7 => 3.0 + 1.5 * (m - 3.0),
        _ => (9.0 + 0.5 * (m - 7.0)).min(10.0),
    }
}

/// Computes the score of `trip`.
pub fn compute(trip: Trip) -> ScoreValues {
    let l = trip.landmarks.max(0);
    let a = trip.achieved.clamp(0, l);
    let landmark_factor = if l > 0 { 100.0 * a as f64 / l as f64 } else { 100.0 };
    let d = trip.duration_secs.filter(|d| *d > 0.0);
    let e = trip.estimated_secs.filter(|e| *e > 0).map(|e| e as f64);
    let time_factor = match (d, e) {
        (Some(d), Some(e)) if d <= e => 100.0,
        (Some(d), Some(e)) => (100.0 - 100.0 * (d - e) / e).max(0.0),
        _ => 0.0,
    };
    let p = peek_points(trip.map_views);
    let s_raw = trip.screen_secs.max(0) as f64;
    let (screen, q) = match d {
        Some(d) => {
            let s = s_raw.min(d);
            (s, (100.0 * s / d / 5.0).min(15.0))
        }
        None => (s_raw, (s_raw / 20.0).min(15.0)),
    };
    let path_performance = (100.0 - p - 0.2 * q).clamp(0.0, 100.0);
    let base = if l > 0 {
        0.5 * landmark_factor + 0.3 * time_factor + 0.2 * path_performance
    } else {
        0.6 * time_factor + 0.4 * path_performance
    };
    ScoreValues {
        time_factor: round2(time_factor),
        landmark_factor: round2(landmark_factor),
        path_performance: round2(path_performance),
        task_score: round2((base - p).max(0.0)),
        no_of_landmarks: l,
        landmarks_recalled: a,
        peek_penalty: trip.map_views.max(0),
        assist_penalty: screen as i64,
        assistance_points: trip.map_views.max(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trip() -> Trip {
        Trip {
            landmarks: 2,
            achieved: 1,
            duration_secs: Some(900.0),
            estimated_secs: Some(600),
            map_views: 5,
            screen_secs: 300,
        }
    }

    #[test]
    fn the_contracts_worked_example_scores_52_53() {
        let s = compute(trip());
        assert_eq!(s.landmark_factor, 50.0);
        assert_eq!(s.time_factor, 50.0);
        assert_eq!(s.path_performance, 92.67);
        assert_eq!(s.task_score, 52.53);
        assert_eq!((s.no_of_landmarks, s.landmarks_recalled), (2, 1));
        assert_eq!(
            (s.peek_penalty, s.assist_penalty, s.assistance_points),
            (5, 300, 5)
        );
    }

    #[test]
    fn without_landmarks_time_and_path_carry_the_score() {
        let s = compute(Trip {
            landmarks: 0,
            achieved: 0,
            ..trip()
        });
        assert_eq!(s.landmark_factor, 100.0);
        // 0.6·50 + 0.4·92.67 − 6
        assert_eq!(s.task_score, 61.07);
    }

    #[test]
    fn without_a_navigation_time_the_time_factor_is_zero_and_screen_time_counts_raw() {
        let s = compute(Trip {
            duration_secs: None,
            ..trip()
        });
        assert_eq!(s.time_factor, 0.0);
        // Q = min(15, 300/20) = 15 → path = 100 − 6 − 3 = 91
        assert_eq!(s.path_performance, 91.0);
        assert_eq!(s.assist_penalty, 300);
        let no_estimate = compute(Trip {
            estimated_secs: None,
            ..trip()
        });
        assert_eq!(no_estimate.time_factor, 0.0);
        let zero_duration = compute(Trip {
            duration_secs: Some(0.0),
            ..trip()
        });
        assert_eq!(zero_duration.time_factor, 0.0);
    }

    #[test]
    fn arriving_within_the_estimate_is_full_time_and_far_over_it_is_zero() {
        assert_eq!(
            compute(Trip {
                duration_secs: Some(600.0),
                ..trip()
            })
            .time_factor,
            100.0
        );
        assert_eq!(
            compute(Trip {
                duration_secs: Some(1_800.0),
                ..trip()
            })
            .time_factor,
            0.0
        );
    }

    #[test]
    fn each_peek_band() {
        assert_eq!(peek_points(0), 0.0);
        assert_eq!(peek_points(1), 1.0);
        assert_eq!(peek_points(3), 3.0);
        assert_eq!(peek_points(4), 4.5);
        assert_eq!(peek_points(7), 9.0);
        assert_eq!(peek_points(8), 9.5);
        assert_eq!(peek_points(9), 10.0);
        assert_eq!(peek_points(100), 10.0);
        assert_eq!(peek_points(-3), 0.0);
    }

    #[test]
    fn screen_time_is_capped_by_the_duration() {
        let s = compute(Trip {
            screen_secs: 5_000,
            ..trip()
        });
        assert_eq!(s.assist_penalty, 900);
        // assist% = 100 → Q = 15 → path = 100 − 6 − 3 = 91
        assert_eq!(s.path_performance, 91.0);
    }

    #[test]
    fn the_score_never_goes_below_zero() {
        let s = compute(Trip {
            landmarks: 4,
            achieved: 0,
            duration_secs: Some(10_000.0),
            estimated_secs: Some(60),
            map_views: 50,
            screen_secs: 10_000,
        });
        assert!(s.task_score >= 0.0);
        assert_eq!(s.time_factor, 0.0);
    }
}
