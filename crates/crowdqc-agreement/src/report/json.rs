//! The JSON shape of the report (`crowdqc agreement --format json`): the input
//! summary, then one object per coefficient under its key, each with its headline
//! interval as `ci_low` / `ci_high` / `ci_method` and every interval under
//! `intervals`.

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

use super::{AgreementReport, CoefficientReport, Interval, IntervalKind};

impl Serialize for IntervalKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Interval", 5)?;
        st.serialize_field("method", &self.kind)?;
        st.serialize_field("level", &self.level)?;
        st.serialize_field("low", &self.low)?;
        st.serialize_field("high", &self.high)?;
        st.serialize_field("description", self.kind.describe())?;
        st.end()
    }
}

impl Serialize for CoefficientReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("value", &self.value)?;
        if let Some(r) = &self.reason {
            m.serialize_entry("reason", r)?;
        }
        if let Some(se) = self.se {
            m.serialize_entry("se", &se)?;
            m.serialize_entry("se_method", &self.se_method)?;
        }
        if let Some(ci) = self.ci() {
            m.serialize_entry("ci_low", &ci.low)?;
            m.serialize_entry("ci_high", &ci.high)?;
            m.serialize_entry("ci_method", &ci.kind)?;
        }
        for (key, v) in [("observed", self.observed), ("expected", self.expected)] {
            if let Some(v) = v {
                m.serialize_entry(key, &v)?;
            }
        }
        if let Some(n) = self.n_items {
            m.serialize_entry("n_items", &n)?;
        }
        if !self.intervals.is_empty() {
            m.serialize_entry("intervals", &self.intervals)?;
        }
        if let Some(b) = &self.bootstrap {
            m.serialize_entry("bootstrap", b)?;
        }
        if let Some(i) = self.interpretation {
            m.serialize_entry("interpretation", i)?;
        }
        if let Some(hk) = &self.hayes_krippendorff {
            m.serialize_entry("hayes_krippendorff", hk)?;
        }
        if let Some(n) = self.note {
            m.serialize_entry("note", n)?;
        }
        m.end()
    }
}

impl Serialize for AgreementReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("input", &self.input)?;
        m.serialize_entry("level", self.level.as_str())?;
        m.serialize_entry("weights", self.weights)?;
        m.serialize_entry("confidence", &self.confidence)?;
        if let Some((replicates, seed)) = self.bootstrap {
            m.serialize_entry("bootstrap", &BootOptions { replicates, seed })?;
        }
        for c in &self.coefficients {
            m.serialize_entry(c.name.key(), c)?;
        }
        m.end()
    }
}

/// `{"replicates": …, "seed": …}`.
#[derive(serde::Serialize)]
struct BootOptions {
    replicates: usize,
    seed: u64,
}
