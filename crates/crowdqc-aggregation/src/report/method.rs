//! The checks `crowdqc aggregate` makes on a method name before and after reading the
//! judgments, for every front end: the name (with `ordinal`) resolved against the
//! registry, and the data a method cannot take.

use crowdqc_core::{Error, JudgmentMatrix, Result};

use crate::registry::{self, MethodInfo};

/// The registry entry of `method`; with `ordinal`, minimax becomes minimax-ordinal and
/// auto stays auto (comparing minimax-ordinal too).
///
/// # Errors
/// [`Error::InvalidParameter`]: `ordinal` for another method, `method` for an unknown
/// name (listing every method).
pub fn resolve_method(method: &str, ordinal: bool) -> Result<&'static MethodInfo> {
    let name = match (method, ordinal) {
        ("minimax" | "minimax-ordinal", true) => "minimax-ordinal",
        ("auto", true) => "auto",
        (other, true) => {
            return Err(Error::param(
                "ordinal",
                format!("--ordinal applies to --method minimax or auto, not `{other}`"),
            ));
        }
        (other, false) => other,
    };
    registry::method(name).ok_or_else(|| {
        let all: Vec<&str> = registry::METHODS.iter().map(|m| m.name).collect();
        let all = all.join(", ");
        Error::param("method", format!("unknown method `{method}`; one of {all}"))
    })
}

/// Refuses data the method cannot fit, before fitting: `kos` needs exactly two observed
/// classes.
///
/// # Errors
/// [`Error::InvalidParameter`] (`method`) naming the number of classes seen.
pub fn check_method_data(method: &MethodInfo, m: &JudgmentMatrix) -> Result<()> {
    if method.name == "kos" {
        let seen = m.classes().counts().iter().filter(|&&c| c > 0).count();
        if seen != 2 {
            return Err(Error::param(
                "method",
                format!("kos handles exactly two classes; the judgments have {seen}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrixBuilder};

    #[test]
    fn ordinal_turns_minimax_into_minimax_ordinal_and_refuses_others() {
        assert_eq!(
            resolve_method("minimax", true).map(|m| m.name).ok(),
            Some("minimax-ordinal")
        );
        assert_eq!(
            resolve_method("auto", true).map(|m| m.name).ok(),
            Some("auto")
        );
        assert_eq!(
            resolve_method("minimax", false).map(|m| m.name).ok(),
            Some("minimax")
        );
        let e = resolve_method("ds", true).expect_err("ds is not ordinal");
        assert!(
            matches!(&e, Error::InvalidParameter { name, .. } if name == "ordinal"),
            "{e}"
        );
        let e = resolve_method("nope", false).expect_err("unknown");
        assert!(
            e.to_string().contains("unknown method `nope`; one of mv, "),
            "{e}"
        );
    }

    #[test]
    fn kos_refuses_three_classes_and_takes_two() {
        let matrix = |labels: &[&str]| {
            let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("builder");
            for (i, l) in labels.iter().enumerate() {
                b.push_row(IdRef::Str("t"), IdRef::Int(i as i64), IdRef::Str(l))
                    .expect("row");
            }
            b.finish().expect("matrix")
        };
        let kos = resolve_method("kos", false).expect("kos");
        let e = check_method_data(kos, &matrix(&["a", "b", "c"])).expect_err("3 classes");
        assert!(e.to_string().contains("the judgments have 3"), "{e}");
        assert!(check_method_data(kos, &matrix(&["a", "b"])).is_ok());
        // other methods take any number of classes
        let ds = resolve_method("ds", false).expect("ds");
        assert!(check_method_data(ds, &matrix(&["a", "b", "c"])).is_ok());
    }
}
