//! A bag's plan as data: one [`Stage`] per exchange, each started by a source or a wide
//! operation and followed by the narrow steps fused into it. [`Bag::stages`] gives them,
//! [`Bag::explain`] prints them.
//!
//! [`Bag::stages`]: super::Bag::stages
//! [`Bag::explain`]: super::Bag::explain

use std::fmt;

/// One stage of a bag's plan: what starts it and the narrow steps that run in the same
/// pass over each rank's partition.
///
/// ```
/// use pardata::patterns::bag::Stage;
///
/// let mut stage = Stage::new("from_vec", "5 items");
/// stage.steps.push("map");
/// assert_eq!(stage.to_string(), "from_vec: 5 items -> map");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The source or wide operation that starts the stage (`from_vec`, `group_by`).
    pub operation: &'static str,
    /// How it reads or exchanges its elements, in words.
    pub how: String,
    /// The narrow steps fused after it, in order (`map`, `filter`, `persisted`).
    pub steps: Vec<&'static str>,
    /// Whether the stage computes the right side of a product or a join.
    pub right_side: bool,
}

impl Stage {
    /// A stage of `operation`, run as `how` says, with no steps yet.
    pub fn new(operation: &'static str, how: impl Into<String>) -> Stage {
        Stage {
            operation,
            how: how.into(),
            steps: Vec::new(),
            right_side: false,
        }
    }

    /// The same stage, as the right side of a product or a join.
    pub(super) fn on_the_right(&self) -> Stage {
        Stage {
            right_side: true,
            ..self.clone()
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.right_side {
            f.write_str("  (right side) ")?;
        }
        write!(f, "{}: {}", self.operation, self.how)?;
        self.steps
            .iter()
            .try_for_each(|step| write!(f, " -> {step}"))
    }
}
