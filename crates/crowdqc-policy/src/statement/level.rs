//! The worker's level (tiers): where they are and how many answers move them.

use crowdqc_core::evidence::WorkerEvidence;
use serde::Serialize;

use super::words::duration_words;
use crate::eval::{Decision, tier_target};
use crate::explain::LOOKAHEAD;
use crate::spec::Policy;

/// The worker's level in the policy's tiers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelStanding {
    /// The level now (after this evaluation's move, if any).
    pub level: String,
    /// The level above, if any.
    pub up: Option<String>,
    /// Correct gold answers in a row that would move the worker up (within the
    /// largest window plus the look-ahead; time in the level not counted).
    pub correct_to_move_up: Option<u64>,
    /// The level below, if any.
    pub down: Option<String>,
    /// Wrong gold answers in a row that would move the worker down.
    pub wrong_to_move_down: Option<u64>,
    /// The level in words.
    pub text: String,
}

/// The worker's level standing, `None` without tiers.
pub(super) fn level(policy: &Policy, ev: &WorkerEvidence, d: &Decision) -> Option<LevelStanding> {
    let t = policy.tiers.as_ref()?;
    let top = t.levels.len() as u16 - 1;
    let cur = d
        .tier
        .map_or_else(|| ev.tier.unwrap_or(t.start).min(top), |tc| tc.to);
    let limit = u64::from(t.window.unwrap_or(0)) + LOOKAHEAD;
    let first = |correct: bool, to: u16| {
        let mut e = ev.clone();
        (1..=limit).find(|_| {
            e.record_gold(correct);
            tier_target(t, &e, cur) == Some(to)
        })
    };
    let name = |i: u16| t.levels[i as usize].name.clone();
    let up = (cur < top).then(|| name(cur + 1));
    let down = (cur > 0).then(|| name(cur - 1));
    let correct_to_move_up = up.as_ref().and_then(|_| first(true, cur + 1));
    let wrong_to_move_down = down.as_ref().and_then(|_| first(false, cur - 1));
    let mut text = format!("Level: {}.", name(cur));
    if let (Some(u), Some(k)) = (&up, correct_to_move_up) {
        text.push_str(&format!(
            " {k} more correct gold answer{} in a row would move you up to {u}.",
            if k == 1 { "" } else { "s" }
        ));
    }
    if let (Some(dn), Some(k)) = (&down, wrong_to_move_down) {
        text.push_str(&format!(
            " {k} wrong gold answer{} in a row would move you down to {dn}.",
            if k == 1 { "" } else { "s" }
        ));
    }
    if t.min_dwell_ms > 0 || t.min_dwell_gold > 0 {
        text.push_str(&format!(
            " A level holds for at least {} and {} gold answers before it changes again.",
            duration_words(t.min_dwell_ms),
            t.min_dwell_gold
        ));
    }
    Some(LevelStanding {
        level: name(cur),
        up,
        correct_to_move_up,
        down,
        wrong_to_move_down,
        text,
    })
}
