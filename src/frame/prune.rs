//! The Parquet row groups a scan need not read: the plan's leading filters checked
//! against each row group's statistics ([`crate::table::parquet::statistics`]).
//!
//! A row group is skipped only when its statistics prove that no row passes the filter
//! (the filter is false or null on every row); anything they cannot settle is read. The
//! comparisons are evaluated by [`Expr::evaluate`] itself on the bounds, so a bound meets
//! a literal in the same types as the rows would (text as a date or a time, an integer as
//! a float):
//!
//! | filter | skipped when |
//! |---|---|
//! | `c = v` | `min > v` or `max < v` |
//! | `c < v`, `c <= v` | `min >= v`, `min > v` |
//! | `c > v`, `c >= v` | `max <= v`, `max < v` (not for floats: NaN sorts above every number and is in no bound) |
//! | `c <> v` | `min = v` and `max = v` (not for floats) |
//! | `c IS NULL`, `c IS NOT NULL` | no nulls, all nulls |
//! | `a AND b`, `a OR b` | either skips, both skip |
//!
//! with `v < c` read as `c > v`, and so on; a comparison on a column whose values are all
//! null skips too. Only the filters before the first other step are used (those see the
//! file's own columns), and a file whose footer cannot be read is left to the scan,
//! which names the problem.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};

use super::expr::{BinaryOp, Expr, Literal};
use super::Step;
use crate::table::parquet::{self, ColumnStatistics, GroupStatistics};
use crate::table::pieces::Piece;
use crate::table::TableError;

/// The pieces a plan reads after its filters have been checked against the row groups'
/// statistics.
#[derive(Debug, Clone)]
pub(super) struct Pruned {
    /// The pieces to read, in their order.
    pub kept: Vec<Piece>,
    /// The Parquet row groups that were checked.
    pub groups: usize,
    /// Of those, the ones skipped.
    pub skipped: usize,
}

/// The pieces of `pieces` that the leading filters of `steps` may need (all of them when
/// no filter leads, or none is a Parquet row group).
pub(super) fn prune(pieces: &[Piece], steps: &[Step]) -> Result<Pruned, TableError> {
    let filters: Vec<&Expr> = steps
        .iter()
        .map_while(|step| match step {
            Step::Filter(predicate) => Some(predicate),
            _ => None,
        })
        .collect();
    let mut pruned = Pruned {
        kept: Vec::with_capacity(pieces.len()),
        groups: 0,
        skipped: 0,
    };
    let mut footers: HashMap<&PathBuf, Vec<GroupStatistics>> = HashMap::new();
    for piece in pieces {
        let Some(group) = piece.row_group.filter(|_| !filters.is_empty()) else {
            pruned.kept.push(piece.clone());
            continue;
        };
        if !footers.contains_key(&piece.path) {
            footers.insert(&piece.path, parquet::statistics(&piece.path)?);
        }
        pruned.groups += 1;
        let skip = footers[&piece.path]
            .get(group)
            .is_some_and(|stats| filters.iter().any(|f| excludes(f, stats)));
        match skip {
            true => pruned.skipped += 1,
            false => pruned.kept.push(piece.clone()),
        }
    }
    Ok(pruned)
}

/// Whether `stats` prove that no row of the group passes `predicate`.
fn excludes(predicate: &Expr, stats: &GroupStatistics) -> bool {
    match predicate {
        Expr::Binary(a, BinaryOp::And, b) => excludes(a, stats) || excludes(b, stats),
        Expr::Binary(a, BinaryOp::Or, b) => excludes(a, stats) && excludes(b, stats),
        Expr::Binary(a, op, b) => match (a.as_ref(), b.as_ref()) {
            (Expr::Column(c), Expr::Literal(v)) => compared(stats, c, *op, v),
            (Expr::Literal(v), Expr::Column(c)) => {
                flipped(*op).is_some_and(|op| compared(stats, c, op, v))
            }
            _ => false,
        },
        Expr::IsNull(e, not) => match e.as_ref() {
            Expr::Column(c) => stats.columns.get(c).is_some_and(|column| match not {
                false => column.nulls == Some(0),
                true => column.nulls == Some(stats.rows),
            }),
            _ => false,
        },
        _ => false,
    }
}

/// `v op c` as `c op' v`.
fn flipped(op: BinaryOp) -> Option<BinaryOp> {
    Some(match op {
        BinaryOp::Eq => BinaryOp::Eq,
        BinaryOp::NotEq => BinaryOp::NotEq,
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::LtEq => BinaryOp::GtEq,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::GtEq => BinaryOp::LtEq,
        _ => return None,
    })
}

/// Whether `c op v` is false or null on every row of the group.
fn compared(stats: &GroupStatistics, c: &str, op: BinaryOp, v: &Literal) -> bool {
    let Some(column) = stats.columns.get(c) else {
        return false;
    };
    if column.nulls == Some(stats.rows) || matches!(v, Literal::Null) {
        return true;
    }
    let holds = |bound: &Option<ArrayRef>, op: BinaryOp| bound_holds(c, bound, op, v);
    let float = |column: &ColumnStatistics| {
        column
            .min
            .iter()
            .chain(&column.max)
            .any(|b| matches!(b.data_type(), DataType::Float32 | DataType::Float64))
    };
    match op {
        BinaryOp::Eq => {
            !matches!(v, Literal::Float(f) if f.is_nan())
                && (holds(&column.min, BinaryOp::Gt) || holds(&column.max, BinaryOp::Lt))
        }
        BinaryOp::Lt => holds(&column.min, BinaryOp::GtEq),
        BinaryOp::LtEq => holds(&column.min, BinaryOp::Gt),
        BinaryOp::Gt => !float(column) && holds(&column.max, BinaryOp::LtEq),
        BinaryOp::GtEq => !float(column) && holds(&column.max, BinaryOp::Lt),
        BinaryOp::NotEq => {
            !float(column) && holds(&column.min, BinaryOp::Eq) && holds(&column.max, BinaryOp::Eq)
        }
        _ => false,
    }
}

/// Whether `bound op v` is true, evaluated as a row's `c op v` would be.
fn bound_holds(c: &str, bound: &Option<ArrayRef>, op: BinaryOp, v: &Literal) -> bool {
    let Some(bound) = bound else {
        return false;
    };
    let schema = Schema::new(vec![Field::new(c, bound.data_type().clone(), true)]);
    let Ok(batch) = RecordBatch::try_new(Arc::new(schema), vec![bound.clone()]) else {
        return false;
    };
    let test = Expr::Binary(
        Box::new(Expr::Column(c.to_string())),
        op,
        Box::new(Expr::Literal(v.clone())),
    );
    match test.evaluate(&batch) {
        Ok(result) => result
            .as_boolean_opt()
            .is_some_and(|b| b.len() == 1 && b.is_valid(0) && b.value(0)),
        Err(_) => false,
    }
}
