//! Example programs for crowdqc: see `src/bin/`. Shared helpers live here so they can be
//! tested.

use crowdqc::policy::{Ban, WorkerState};

/// A worker's access at `now_ms`, on the same clock as the run's requests (a
/// suspension or temporary ban that ended before `now_ms` reads as active).
pub fn status_at(state: &WorkerState, now_ms: i64) -> String {
    match (state.banned, state.suspended_until) {
        (Some(Ban::Permanent), _) => "banned".to_string(),
        (Some(Ban::Until(t)), _) if t > now_ms => format!("banned until t={}s", t / 1000),
        (_, Some(t)) if t > now_ms => format!("suspended until t={}s", t / 1000),
        _ => "active".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restrictions_are_compared_with_the_end_of_the_run_in_milliseconds() {
        // 10 requests, one every 10 s: the run ends at t = 100 s
        let end = 10 * 10_000;
        let mut st = WorkerState {
            suspended_until: Some(30_000),
            ..WorkerState::default()
        };
        // the suspension ended at 30 s, long before the end of the run
        assert_eq!(status_at(&st, end), "active");
        st.suspended_until = Some(160_000);
        assert_eq!(status_at(&st, end), "suspended until t=160s");
        st.banned = Some(Ban::Until(50_000));
        st.suspended_until = None;
        assert_eq!(status_at(&st, end), "active");
        st.banned = Some(Ban::Permanent);
        assert_eq!(status_at(&st, end), "banned");
    }
}
