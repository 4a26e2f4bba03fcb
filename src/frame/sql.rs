//! The SQL front end: a `SELECT` parsed by `sqlparser` (the parser of DataFusion) and
//! planned onto a [`Frame`].
//!
//! The subset: `SELECT [DISTINCT] expr [AS name], ... | *`; `FROM` a file, a folder or a
//! glob (`FROM 'trips/*.parquet'`, `FROM "trips.csv"`, `FROM read_csv('t.csv', header =
//! false, delim = ';')`; also `read_parquet`, `read_json`); `WHERE`; `GROUP BY` expressions,
//! output names or positions; `HAVING`; `ORDER BY` (`ASC`/`DESC`, `NULLS FIRST/LAST`,
//! names, positions); `LIMIT`. Expressions: arithmetic, comparisons, `AND`/`OR`/`NOT`,
//! `IS [NOT] NULL`, `BETWEEN`, `IN (...)`, `[NOT] LIKE`, `CAST`, `coalesce`,
//! `starts_with`, `year`/`month`/`day`/`hour`/`minute`/`dayofweek` (or `weekday`: Sunday 0),
//! `EXTRACT(part FROM t)`, `date(t)`, `date_trunc('hour', t)`,
//! `time_bucket(INTERVAL '15 minutes', t)`; aggregates `count(*)`, `count(x)`,
//! `count(DISTINCT x)`, `sum`, `avg`/`mean`, `min`, `max`, `stddev`/`stddev_samp`/`std`,
//! `variance`/`var_samp`/`var`, `first`, `last`. Semantics are those of [`super::expr`] and
//! [`super::aggregate`] (DuckDB's). Identifiers match columns exactly, or else in any case.
//!
//! Every error names its place in the query (line and column, counted from 1) and, for a
//! column that is not there, the columns that are.

use std::path::{Path, PathBuf};

use arrow::datatypes::{DataType, TimeUnit};
use sqlparser::ast::{
    self, BinaryOperator, DateTimeField, FunctionArg, FunctionArgExpr, FunctionArguments,
    GroupByExpr, LimitClause, ObjectNamePart, OrderByKind, SelectItem, SetExpr, Spanned, Statement,
    TableFactor, UnaryOperator, Value,
};
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Span;

use super::expr::{BinaryOp, Literal, TimePart};
use super::timebin::{Clock, TimeBin};
use super::{Agg, AggFunc, Expr, Frame, SortKey};
use crate::runtime::{JobFailure, World};
use crate::table::ReadOptions;

/// Why a query cannot be planned: where in the query, and what.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{message}", at.map(|(l, c)| format!("query line {l}, column {c}: ")).unwrap_or_default())]
pub struct SqlError {
    /// The line and column (from 1) of the part of the query at fault, when known.
    pub at: Option<(u64, u64)>,
    /// What is wrong, and what would be right.
    pub message: String,
}

fn error_at(span: Span, message: impl Into<String>) -> SqlError {
    SqlError {
        at: (span.start.line > 0).then_some((span.start.line, span.start.column)),
        message: message.into(),
    }
}

/// The table a query reads: its files and how to read them.
#[derive(Debug, Clone)]
pub struct Source {
    /// The files (a glob expanded, sorted) or folders.
    pub paths: Vec<PathBuf>,
    /// CSV's dialect, when the query gave one.
    pub options: ReadOptions,
    /// The name that qualifies its columns: its alias, or its file's name without the
    /// extension (`trips` for `'data/trips.parquet'`).
    pub name: String,
    /// For `FROM range(n)`: the count `n` (no files; DuckDB's one BIGINT column `range`
    /// holding `0..n`, in partitions of [`RANGE_PARTITION_ROWS`]).
    pub range: Option<u64>,
}

/// The rows of one partition of `FROM range(n)` (the last one may be shorter).
pub const RANGE_PARTITION_ROWS: u64 = 1 << 16;

impl Source {
    /// The frame of the table: its files scanned, or `range(n)`'s numbers. A collective.
    fn frame<'w>(&self, world: &'w World) -> Result<Frame<'w>, JobFailure> {
        match self.range {
            Some(rows) => {
                let partitions = rows.div_ceil(RANGE_PARTITION_ROWS).max(1) as usize;
                Frame::range(world, "range", rows, partitions)
            }
            None => Frame::scan(world, &self.paths, self.options.clone()),
        }
    }
}

/// Plans `query` onto a frame: a collective (the ranks agree the files' pieces and
/// columns); a query error is every rank's, with its place.
///
/// ```no_run
/// use pardata::frame::sql;
/// use pardata::prelude::*;
///
/// fn main() -> std::process::ExitCode {
///     World::run(|world| {
///         let frame = sql::plan(
///             world,
///             "SELECT passenger_count, avg(tip_amount) AS tip FROM 'trips.parquet' \
///              WHERE fare_amount > 0 GROUP BY passenger_count ORDER BY passenger_count",
///         )?;
///         if let Some(batch) = frame.collect()? {
///             world.say(format_args!("{} rows", batch.num_rows()));
///         }
///         Ok::<(), JobFailure>(())
///     })
/// }
/// ```
pub fn plan<'w>(world: &'w World, query: &str) -> Result<Frame<'w>, JobFailure> {
    let parsed = world.agree(parse(query))?;
    let tables = world.agree(tables_of(&parsed))?;
    let frame = tables.from.frame(world)?;
    let names = |frame: &Frame<'_>| -> Vec<String> {
        frame
            .scanned_schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    };
    let mut planner = Planner::new(names(&frame));
    planner.qualify(&tables.from.name, &names(&frame), |c| c.to_string());
    planner.first = tables.from.name.clone();
    let mut frame = frame;
    if let Some((source, kind, on)) = &tables.joined {
        let right = source.frame(world)?;
        let left_names = names(&frame);
        let right_names = names(&right);
        let output = |c: &str| {
            if left_names.iter().any(|l| l == c) {
                format!("{c}_right")
            } else {
                c.to_string()
            }
        };
        let pairs =
            world.agree(planner.join_keys(on, &tables.from.name, &source.name, &right_names))?;
        planner.ambiguous = right_names
            .iter()
            .filter(|c| left_names.contains(c))
            .cloned()
            .collect();
        planner.qualify(&source.name, &right_names, output);
        planner
            .columns
            .extend(right_names.iter().map(|c| output(c)));
        let on: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(l, r)| (l.as_str(), r.as_str()))
            .collect();
        frame = frame.join(right, &on, *kind);
    }
    let steps = world.agree(planner.steps(&parsed))?;
    for step in steps {
        frame = frame.then(step);
    }
    world.agree(frame.schema().map(|_| ()))?;
    Ok(frame)
}

/// The one `SELECT` of a query.
fn parse(query: &str) -> Result<Box<ast::Query>, SqlError> {
    let statements = Parser::parse_sql(&DuckDbDialect {}, query).map_err(|e| SqlError {
        at: None,
        message: e.to_string().replace("sql parser error: ", ""),
    })?;
    let mut statements = statements.into_iter();
    match (statements.next(), statements.next()) {
        (Some(Statement::Query(q)), None) => Ok(q),
        (Some(other), None) => Err(error_at(other.span(), "only SELECT queries are answered")),
        (None, _) => Err(SqlError {
            at: None,
            message: "the query is empty".into(),
        }),
        (Some(_), Some(second)) => Err(error_at(second.span(), "one query at a time")),
    }
}

fn select_of(query: &ast::Query) -> Result<&ast::Select, SqlError> {
    if query.with.is_some() {
        return Err(error_at(query.span(), "WITH is not supported"));
    }
    match query.body.as_ref() {
        SetExpr::Select(select) => Ok(select),
        other => Err(error_at(
            other.span(),
            "only a plain SELECT is answered (no UNION, VALUES or subquery)",
        )),
    }
}

/// The tables of a query: the one after FROM, and the one it joins, if any, with the
/// join's kind and its ON condition.
struct Tables<'q> {
    from: Source,
    joined: Option<(Source, super::JoinKind, &'q ast::Expr)>,
}

fn tables_of(query: &ast::Query) -> Result<Tables<'_>, SqlError> {
    let select = select_of(query)?;
    let [from] = select.from.as_slice() else {
        return Err(error_at(
            select.span(),
            "FROM must name one table: a file, a folder or a glob",
        ));
    };
    let joined = match from.joins.as_slice() {
        [] => None,
        [join] => {
            use ast::{JoinConstraint, JoinOperator};
            let (kind, constraint) = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (super::JoinKind::Inner, c),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (super::JoinKind::Left, c),
                _ => {
                    return Err(error_at(
                        join.relation.span(),
                        "only [INNER] JOIN and LEFT [OUTER] JOIN are supported",
                    ))
                }
            };
            let JoinConstraint::On(on) = constraint else {
                return Err(error_at(
                    join.relation.span(),
                    "a join needs ON left.key = right.key [AND ...]",
                ));
            };
            Some((source_of(&join.relation)?, kind, on))
        }
        [_, third, ..] => {
            return Err(error_at(
                third.relation.span(),
                "one JOIN per query for now",
            ))
        }
    };
    Ok(Tables {
        from: source_of(&from.relation)?,
        joined,
    })
}

fn source_of(factor: &TableFactor) -> Result<Source, SqlError> {
    let TableFactor::Table {
        name, args, alias, ..
    } = factor
    else {
        return Err(error_at(
            factor.span(),
            "FROM must name a file, a folder, a glob or read_csv('...')",
        ));
    };
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => ident.value.clone(),
            ObjectNamePart::Function(f) => f.name.value.clone(),
        })
        .collect();
    let mut options = ReadOptions::default();
    let path = match args {
        None => parts.join("."),
        Some(args) => {
            let function = parts.join(".").to_ascii_lowercase();
            if function == "range" {
                return range_of(name, args, alias);
            }
            if !matches!(
                function.as_str(),
                "read_csv"
                    | "read_csv_auto"
                    | "read_parquet"
                    | "read_json"
                    | "read_ndjson"
                    | "read_json_auto"
            ) {
                return Err(error_at(
                    name.span(),
                    format!("{function}() is not a table function here (read_csv, read_parquet, read_json, range)"),
                ));
            }
            let mut path = None;
            for arg in &args.args {
                match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if path.is_none() => {
                        path = Some(path_literal(e)?);
                    }
                    FunctionArg::Named {
                        name,
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    }
                    | FunctionArg::ExprNamed {
                        name: ast::Expr::Identifier(name),
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    } => match name.value.to_ascii_lowercase().as_str() {
                        "header" => {
                            options.header = match e {
                                ast::Expr::Value(v) => match &v.value {
                                    Value::Boolean(b) => *b,
                                    _ => return Err(error_at(e.span(), "header is true or false")),
                                },
                                _ => return Err(error_at(e.span(), "header is true or false")),
                            }
                        }
                        "delim" | "sep" | "delimiter" => {
                            let text = text_literal(e)?;
                            let bytes = text.as_bytes();
                            if bytes.len() != 1 {
                                return Err(error_at(e.span(), "the delimiter is one character"));
                            }
                            options.delimiter = Some(bytes[0]);
                        }
                        other => {
                            return Err(error_at(
                                name.span,
                                format!("{function} takes header and delim, not {other}"),
                            ))
                        }
                    },
                    other => {
                        return Err(error_at(
                            other.span(),
                            "a table function takes a path, then name = value options",
                        ))
                    }
                }
            }
            path.ok_or_else(|| error_at(name.span(), format!("{function}() needs a path")))?
        }
    };
    let paths = expand(&path).map_err(|message| error_at(factor.span(), message))?;
    let name = match alias {
        Some(alias) => alias.name.value.clone(),
        None => crate::table::pieces::stem(Path::new(&path)),
    };
    Ok(Source {
        paths,
        options,
        name,
        range: None,
    })
}

/// `FROM range(n)`: the numbers `0..n` (DuckDB's `range` of one count).
fn range_of(
    name: &ast::ObjectName,
    args: &ast::TableFunctionArgs,
    alias: &Option<ast::TableAlias>,
) -> Result<Source, SqlError> {
    let count = match args.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(ast::Expr::Value(v)))] => match &v.value {
            Value::Number(n, _) => n.parse::<u64>().ok(),
            _ => None,
        },
        _ => None,
    };
    let rows = count.ok_or_else(|| {
        error_at(
            name.span(),
            "range(n) takes one count of rows, a whole number (range(start, stop) is not \
             supported)",
        )
    })?;
    Ok(Source {
        paths: Vec::new(),
        options: ReadOptions::default(),
        name: alias
            .as_ref()
            .map_or_else(|| "range".to_string(), |a| a.name.value.clone()),
        range: Some(rows),
    })
}

/// A time bin written as an interval: `INTERVAL '15 minutes'`, `INTERVAL 15 MINUTE` or
/// `'15 minutes'`.
fn interval(e: &ast::Expr) -> Result<TimeBin, SqlError> {
    let text = match e {
        ast::Expr::Interval(interval) => {
            let value = match interval.value.as_ref() {
                ast::Expr::Value(v) => match &v.value {
                    Value::SingleQuotedString(s) | Value::Number(s, _) => s.clone(),
                    _ => return Err(error_at(e.span(), "INTERVAL '15 minutes' here")),
                },
                _ => return Err(error_at(e.span(), "INTERVAL '15 minutes' here")),
            };
            match &interval.leading_field {
                Some(unit) => format!("{value} {unit}"),
                None => value,
            }
        }
        other => text_literal(other)?,
    };
    text.parse().map_err(|detail| error_at(e.span(), detail))
}

/// A quoted text of the query (a pattern, a prefix, an option's value).
fn text_literal(e: &ast::Expr) -> Result<String, SqlError> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Ok(s.clone()),
            _ => Err(error_at(e.span(), "a quoted text ('...') here")),
        },
        _ => Err(error_at(e.span(), "a quoted text ('...') here")),
    }
}

/// A whole number written in the query (`2`, `-1`), as the digits of `round`.
fn digits_literal(e: &ast::Expr) -> Result<i32, SqlError> {
    let wrong = || error_at(e.span(), "a whole number of digits here (round(x, 2))");
    let (negative, value) = match e {
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => (true, expr.as_ref()),
        other => (false, other),
    };
    match value {
        ast::Expr::Value(v) => match &v.value {
            Value::Number(n, _) => {
                let digits: i32 = n.parse().map_err(|_| wrong())?;
                match digits {
                    0..=308 => Ok(if negative { -digits } else { digits }),
                    _ => Err(wrong()),
                }
            }
            _ => Err(wrong()),
        },
        _ => Err(wrong()),
    }
}

/// A path: quoted text, or a name.
fn path_literal(e: &ast::Expr) -> Result<String, SqlError> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Ok(s.clone()),
            _ => Err(error_at(e.span(), "a quoted path")),
        },
        ast::Expr::Identifier(ident) => Ok(ident.value.clone()),
        _ => Err(error_at(e.span(), "a quoted path")),
    }
}

/// The files a path names: itself, or the sorted matches of a glob in its last part
/// (`data/*.csv`, `trips_2015-0?.parquet`).
fn expand(path: &str) -> Result<Vec<PathBuf>, String> {
    let path = Path::new(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.contains(['*', '?']) {
        return Ok(vec![path.to_path_buf()]);
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let entries =
        std::fs::read_dir(&folder).map_err(|e| format!("cannot list {}: {e}", folder.display()))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| wildcard(&name, &entry.file_name().to_string_lossy()))
        .map(|entry| entry.path())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(format!("no file matches {}", path.display()));
    }
    Ok(found)
}

/// Whether `name` matches `pattern` (`*` any text, `?` one character).
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// What names mean where an expression is read.
enum Scope<'a> {
    /// The scanned rows' columns.
    Rows,
    /// After a group-by: the group keys (as row expressions, named) and the aggregates
    /// found so far.
    Groups {
        keys: &'a [(String, Expr)],
        aggs: &'a mut Vec<(String, Agg)>,
    },
}

struct Planner {
    /// The columns the query reads, by their names in the frame.
    columns: Vec<String>,
    /// `table.column` to the column's name in the frame.
    qualified: std::collections::HashMap<(String, String), String>,
    /// Names that both joined tables have: they must be qualified.
    ambiguous: Vec<String>,
    /// The name of the table after FROM.
    first: String,
}

impl Planner {
    fn new(columns: Vec<String>) -> Planner {
        Planner {
            columns,
            qualified: Default::default(),
            ambiguous: Vec::new(),
            first: String::new(),
        }
    }

    /// `table.c` names `output(c)` for every column c of the table.
    fn qualify(&mut self, table: &str, columns: &[String], output: impl Fn(&str) -> String) {
        for c in columns {
            self.qualified
                .insert((table.to_string(), c.clone()), output(c));
        }
    }

    /// The ON condition's pairs of a left column and a right column.
    fn join_keys(
        &self,
        on: &ast::Expr,
        left: &str,
        right: &str,
        right_columns: &[String],
    ) -> Result<Vec<(String, String)>, SqlError> {
        let side = |e: &ast::Expr| -> Result<(bool, String), SqlError> {
            match e {
                ast::Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                    let (table, column) = (&parts[0].value, &parts[1]);
                    if table == left {
                        Ok((true, self.column(column)?))
                    } else if table == right {
                        if right_columns.contains(&column.value) {
                            Ok((false, column.value.clone()))
                        } else {
                            Err(error_at(
                                column.span,
                                format!(
                                    "no column \"{}\" in {right}; its columns are {}",
                                    column.value,
                                    right_columns.join(", ")
                                ),
                            ))
                        }
                    } else {
                        Err(error_at(
                            parts[0].span,
                            format!("no table {table} here: {left} or {right}"),
                        ))
                    }
                }
                other => Err(error_at(
                    other.span(),
                    format!(
                        "ON takes only equal columns of the two tables ({left}.x = {right}.y); \
                         put other conditions in WHERE"
                    ),
                )),
            }
        };
        match on {
            ast::Expr::BinaryOp {
                left: a,
                op: BinaryOperator::And,
                right: b,
            } => {
                let mut pairs = self.join_keys(a, left, right, right_columns)?;
                pairs.extend(self.join_keys(b, left, right, right_columns)?);
                Ok(pairs)
            }
            ast::Expr::BinaryOp {
                left: a,
                op: BinaryOperator::Eq,
                right: b,
            } => match (side(a)?, side(b)?) {
                ((true, l), (false, r)) | ((false, r), (true, l)) => Ok(vec![(l, r)]),
                _ => Err(error_at(
                    on.span(),
                    "a join key pairs a column of each table",
                )),
            },
            ast::Expr::Nested(inner) => self.join_keys(inner, left, right, right_columns),
            other => Err(error_at(
                other.span(),
                "ON takes equalities of a column of each table, joined by AND",
            )),
        }
    }

    fn steps(&self, query: &ast::Query) -> Result<Vec<super::Step>, SqlError> {
        use super::Step;
        let select = select_of(query)?;
        let items = self.items(select)?;
        let mut steps = Vec::new();
        if let Some(predicate) = &select.selection {
            steps.push(Step::Filter(self.expr(predicate, &mut Scope::Rows)?));
        }
        let order: Vec<&ast::OrderByExpr> = match query.order_by.as_ref().map(|o| &o.kind) {
            None => Vec::new(),
            Some(OrderByKind::Expressions(list)) => list.iter().collect(),
            Some(OrderByKind::All(_)) => {
                return Err(error_at(
                    query.span(),
                    "ORDER BY ALL is not supported; name the columns",
                ))
            }
        };
        let limit = self.limit(query)?;
        let group_exprs: Vec<&ast::Expr> = match &select.group_by {
            GroupByExpr::Expressions(list, _) => list.iter().collect(),
            GroupByExpr::All(_) => {
                return Err(error_at(
                    select.span(),
                    "GROUP BY ALL is not supported; name the keys",
                ))
            }
        };
        let aggregating = !group_exprs.is_empty()
            || select.having.is_some()
            || items.iter().any(|(_, e)| has_aggregate(e));
        let distinct = match &select.distinct {
            None | Some(ast::Distinct::All) => false,
            Some(ast::Distinct::Distinct) => true,
            Some(other) => {
                return Err(error_at(select.span(), format!("{other} is not supported")))
            }
        };
        if aggregating {
            // The keys, as row expressions: an output name or position means its item.
            let mut keys: Vec<(String, Expr)> = Vec::new();
            for (i, e) in group_exprs.iter().enumerate() {
                let item = self.item_named(e, &items, false)?;
                let row_expr = match item {
                    Some(item_expr) => self.expr(item_expr, &mut Scope::Rows)?,
                    None => self.expr(e, &mut Scope::Rows)?,
                };
                if has_aggregate(item.unwrap_or(e)) {
                    return Err(error_at(e.span(), "GROUP BY cannot hold an aggregate"));
                }
                keys.push((format!("#k{i}"), row_expr));
            }
            let mut aggs = Vec::new();
            let mut outputs = Vec::new();
            for (name, e) in &items {
                let value = self.expr(
                    e,
                    &mut Scope::Groups {
                        keys: &keys,
                        aggs: &mut aggs,
                    },
                )?;
                outputs.push((name.clone(), value));
            }
            let having = match &select.having {
                Some(h) => Some(self.expr(
                    &self.with_aliases(h, &items),
                    &mut Scope::Groups {
                        keys: &keys,
                        aggs: &mut aggs,
                    },
                )?),
                None => None,
            };
            let mut sort = Vec::new();
            for o in &order {
                let target = self.item_named(&o.expr, &items, true)?.unwrap_or(&o.expr);
                let value = self.expr(
                    target,
                    &mut Scope::Groups {
                        keys: &keys,
                        aggs: &mut aggs,
                    },
                )?;
                sort.push(sort_key(o, value));
            }
            steps.push(Step::Aggregate { keys, aggs });
            if let Some(h) = having {
                steps.push(Step::Filter(h));
            }
            if distinct {
                return Err(error_at(
                    select.span(),
                    "DISTINCT with GROUP BY is not supported",
                ));
            }
            if !sort.is_empty() {
                steps.push(Step::Sort(sort));
            }
            if let Some(n) = limit {
                steps.push(Step::Limit(n));
            }
            steps.push(Step::Select(outputs));
            return Ok(steps);
        }
        let mut outputs = Vec::new();
        for (name, e) in &items {
            outputs.push((name.clone(), self.expr(e, &mut Scope::Rows)?));
        }
        if distinct {
            // The distinct rows: a group-by of every output column, no aggregates.
            steps.push(Step::Select(outputs.clone()));
            let keys: Vec<(String, Expr)> = outputs
                .iter()
                .map(|(n, _)| (n.clone(), Expr::Column(n.clone())))
                .collect();
            steps.push(Step::Aggregate {
                keys,
                aggs: Vec::new(),
            });
            let names: Vec<String> = outputs.iter().map(|(n, _)| n.clone()).collect();
            let mut sort = Vec::new();
            for o in &order {
                let name = match self.item_named(&o.expr, &items, true)? {
                    Some(item) => items
                        .iter()
                        .find(|(_, e)| e == item)
                        .map(|(n, _)| n.clone()),
                    None => None,
                };
                let value = match name {
                    Some(n) => Expr::Column(n),
                    None => Planner::new(names.clone()).expr(&o.expr, &mut Scope::Rows)?,
                };
                sort.push(sort_key(o, value));
            }
            if !sort.is_empty() {
                steps.push(Step::Sort(sort));
            }
            if let Some(n) = limit {
                steps.push(Step::Limit(n));
            }
            return Ok(steps);
        }
        let mut sort = Vec::new();
        for o in &order {
            let target = self.item_named(&o.expr, &items, true)?.unwrap_or(&o.expr);
            sort.push(sort_key(o, self.expr(target, &mut Scope::Rows)?));
        }
        if !sort.is_empty() {
            steps.push(Step::Sort(sort));
        }
        if let Some(n) = limit {
            steps.push(Step::Limit(n));
        }
        steps.push(Step::Select(outputs));
        Ok(steps)
    }

    /// The select list, `*` expanded into every scanned column: each item's output name
    /// and expression.
    fn items(&self, select: &ast::Select) -> Result<Vec<(String, ast::Expr)>, SqlError> {
        let mut items = Vec::new();
        for item in &select.projection {
            match item {
                SelectItem::UnnamedExpr(e) => items.push((default_name(e), e.clone())),
                SelectItem::ExprWithAlias { expr, alias } => {
                    items.push((alias.value.clone(), expr.clone()))
                }
                SelectItem::Wildcard(options)
                    if options.opt_exclude.is_some()
                        || options.opt_except.is_some()
                        || options.opt_replace.is_some()
                        || options.opt_rename.is_some()
                        || options.opt_ilike.is_some() =>
                {
                    return Err(error_at(
                        item.span(),
                        "* EXCLUDE, EXCEPT, REPLACE, RENAME and ILIKE are not supported; name the columns",
                    ))
                }
                SelectItem::Wildcard(_) => {
                    for column in &self.columns {
                        let ident = ast::Ident::with_quote('"', column);
                        let named = if self.ambiguous.contains(column) {
                            let table = ast::Ident::with_quote('"', &self.first);
                            ast::Expr::CompoundIdentifier(vec![table, ident])
                        } else {
                            ast::Expr::Identifier(ident)
                        };
                        items.push((column.clone(), named));
                    }
                }
                other => return Err(error_at(other.span(), "this select item is not supported")),
            }
        }
        Ok(items)
    }

    /// `e` with each name that is an output name replaced by that item's expression
    /// (`HAVING total > 5`; an output name wins over a column, as in ORDER BY).
    fn with_aliases(&self, e: &ast::Expr, items: &[(String, ast::Expr)]) -> ast::Expr {
        let mut e = e.clone();
        let _ = ast::visit_expressions_mut(&mut e, |x: &mut ast::Expr| {
            if let ast::Expr::Identifier(ident) = x {
                if let Some((_, item)) = items.iter().find(|(n, _)| n == &ident.value) {
                    *x = item.clone();
                }
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        e
    }

    /// The select item an expression names: an output name (`ORDER BY tip`) or position
    /// (`GROUP BY 1`).
    /// With `aliases_first` (ORDER BY, as DuckDB binds it) an output name wins over a
    /// column of that name; without (GROUP BY) the column wins.
    fn item_named<'q>(
        &self,
        e: &ast::Expr,
        items: &'q [(String, ast::Expr)],
        aliases_first: bool,
    ) -> Result<Option<&'q ast::Expr>, SqlError> {
        match e {
            ast::Expr::Value(v) => match &v.value {
                Value::Number(n, _) => {
                    let position: usize = n
                        .parse()
                        .map_err(|_| error_at(e.span(), "a position is a whole number"))?;
                    match items.get(position.wrapping_sub(1)) {
                        Some((_, item)) if position > 0 => Ok(Some(item)),
                        _ => Err(error_at(
                            e.span(),
                            format!(
                                "position {position} is not in the select list (1 to {})",
                                items.len()
                            ),
                        )),
                    }
                }
                _ => Ok(None),
            },
            ast::Expr::Identifier(ident)
                if aliases_first || !self.columns.contains(&ident.value) =>
            {
                Ok(items
                    .iter()
                    .find(|(name, _)| name == &ident.value)
                    .map(|(_, item)| item))
            }
            _ => Ok(None),
        }
    }

    fn limit(&self, query: &ast::Query) -> Result<Option<usize>, SqlError> {
        let limit = match &query.limit_clause {
            None => return Ok(None),
            Some(LimitClause::LimitOffset { limit, offset, .. }) => {
                if let Some(offset) = offset {
                    return Err(error_at(offset.value.span(), "OFFSET is not supported"));
                }
                match limit {
                    Some(l) => l,
                    None => return Ok(None),
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, .. }) => {
                return Err(error_at(offset.span(), "OFFSET is not supported"))
            }
        };
        match limit {
            ast::Expr::Value(v) => match &v.value {
                Value::Number(n, _) => n
                    .parse()
                    .map(Some)
                    .map_err(|_| error_at(limit.span(), "LIMIT takes a whole number")),
                _ => Err(error_at(limit.span(), "LIMIT takes a whole number")),
            },
            _ => Err(error_at(limit.span(), "LIMIT takes a whole number")),
        }
    }

    fn column(&self, ident: &ast::Ident) -> Result<String, SqlError> {
        if self.ambiguous.contains(&ident.value) {
            return Err(error_at(
                ident.span,
                format!(
                    "{} is a column of both tables: qualify it (table.{})",
                    ident.value, ident.value
                ),
            ));
        }
        if self.columns.contains(&ident.value) {
            return Ok(ident.value.clone());
        }
        let folded: Vec<&String> = self
            .columns
            .iter()
            .filter(|c| c.eq_ignore_ascii_case(&ident.value))
            .collect();
        match folded.as_slice() {
            [one] => Ok((*one).clone()),
            _ => Err(error_at(
                ident.span,
                format!(
                    "no column \"{}\"; the columns are {}",
                    ident.value,
                    self.columns.join(", ")
                ),
            )),
        }
    }

    /// A query expression as a frame expression, in a scope.
    fn expr(&self, e: &ast::Expr, scope: &mut Scope<'_>) -> Result<Expr, SqlError> {
        if let Scope::Groups { keys, aggs } = scope {
            if let Some(agg) = self.aggregate(e)? {
                let name = match aggs.iter().position(|(_, a)| *a == agg) {
                    Some(i) => aggs[i].0.clone(),
                    None => {
                        let name = format!("#a{}", aggs.len());
                        aggs.push((name.clone(), agg));
                        name
                    }
                };
                return Ok(Expr::Column(name));
            }
            // A group key, whole; else its parts are (a column alone must be a key).
            if !has_aggregate(e) {
                if let Ok(row_expr) = self.expr(e, &mut Scope::Rows) {
                    if let Some((name, _)) = keys.iter().find(|(_, k)| *k == row_expr) {
                        return Ok(Expr::Column(name.clone()));
                    }
                    if matches!(row_expr, Expr::Column(_)) {
                        return Err(error_at(
                            e.span(),
                            format!("{e} must be in GROUP BY or inside an aggregate"),
                        ));
                    }
                }
            }
        }
        let sub = |x: &ast::Expr, scope: &mut Scope<'_>| -> Result<Box<Expr>, SqlError> {
            Ok(Box::new(self.expr(x, scope)?))
        };
        Ok(match e {
            ast::Expr::Identifier(ident) => Expr::Column(self.column(ident)?),
            ast::Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [table, column] => {
                    let key = (table.value.clone(), column.value.clone());
                    match self.qualified.get(&key) {
                        Some(name) => Expr::Column(name.clone()),
                        None if self.qualified.keys().any(|(t, _)| t == &table.value) => {
                            return Err(error_at(
                                column.span,
                                format!("no column \"{}\" in {}", column.value, table.value),
                            ))
                        }
                        None => {
                            return Err(error_at(
                                table.span,
                                format!("no table {} in the query", table.value),
                            ))
                        }
                    }
                }
                _ => return Err(error_at(e.span(), "a name is column or table.column")),
            },
            ast::Expr::Nested(inner) => self.expr(inner, scope)?,
            ast::Expr::Value(v) => Expr::Literal(match &v.value {
                Value::Number(n, _) => match n.parse::<i64>() {
                    Ok(i) => Literal::Int(i),
                    Err(_) => Literal::Float(
                        n.parse()
                            .map_err(|_| error_at(e.span(), format!("{n} is not a number")))?,
                    ),
                },
                Value::SingleQuotedString(s) => Literal::Text(s.clone()),
                Value::Boolean(b) => Literal::Bool(*b),
                Value::Null => Literal::Null,
                other => {
                    return Err(error_at(
                        e.span(),
                        format!("the value {other} is not supported"),
                    ))
                }
            }),
            ast::Expr::BinaryOp { left, op, right } => {
                let op = match op {
                    BinaryOperator::Plus => BinaryOp::Add,
                    BinaryOperator::Minus => BinaryOp::Sub,
                    BinaryOperator::Multiply => BinaryOp::Mul,
                    BinaryOperator::Divide => BinaryOp::Div,
                    BinaryOperator::Modulo => BinaryOp::Mod,
                    BinaryOperator::Eq => BinaryOp::Eq,
                    BinaryOperator::NotEq => BinaryOp::NotEq,
                    BinaryOperator::Lt => BinaryOp::Lt,
                    BinaryOperator::LtEq => BinaryOp::LtEq,
                    BinaryOperator::Gt => BinaryOp::Gt,
                    BinaryOperator::GtEq => BinaryOp::GtEq,
                    BinaryOperator::And => BinaryOp::And,
                    BinaryOperator::Or => BinaryOp::Or,
                    other => {
                        return Err(error_at(
                            e.span(),
                            format!("the operator {other} is not supported"),
                        ))
                    }
                };
                Expr::Binary(sub(left, scope)?, op, sub(right, scope)?)
            }
            ast::Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Not => Expr::Not(sub(expr, scope)?),
                UnaryOperator::Minus => match self.expr(expr, scope)? {
                    Expr::Literal(Literal::Int(i)) => Expr::Literal(Literal::Int(-i)),
                    Expr::Literal(Literal::Float(f)) => Expr::Literal(Literal::Float(-f)),
                    inner => Expr::Negate(Box::new(inner)),
                },
                UnaryOperator::Plus => self.expr(expr, scope)?,
                other => {
                    return Err(error_at(
                        e.span(),
                        format!("the operator {other} is not supported"),
                    ))
                }
            },
            ast::Expr::IsNull(inner) => Expr::IsNull(sub(inner, scope)?, false),
            ast::Expr::IsNotNull(inner) => Expr::IsNull(sub(inner, scope)?, true),
            ast::Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let value = self.expr(expr, scope)?;
                let within = value
                    .clone()
                    .gt_eq(self.expr(low, scope)?)
                    .and(value.lt_eq(self.expr(high, scope)?));
                if *negated {
                    within.not()
                } else {
                    within
                }
            }
            ast::Expr::In {
                expr,
                target: ast::InTarget::List(list),
                negated,
                ..
            } => {
                let value = self.expr(expr, scope)?;
                let mut any: Option<Expr> = None;
                for item in list {
                    let test = value.clone().eq(self.expr(item, scope)?);
                    any = Some(match any {
                        None => test,
                        Some(so_far) => so_far.or(test),
                    });
                }
                let any = any.ok_or_else(|| error_at(e.span(), "IN () needs values"))?;
                if *negated {
                    any.not()
                } else {
                    any
                }
            }
            ast::Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => {
                let pattern = text_literal(pattern)?;
                Expr::Like(sub(expr, scope)?, pattern, *negated)
            }
            ast::Expr::Cast {
                expr, data_type, ..
            } => Expr::Cast(sub(expr, scope)?, sql_type(data_type, e.span())?),
            ast::Expr::Extract { field, expr, .. } => {
                let part = match field {
                    DateTimeField::Year => TimePart::Year,
                    DateTimeField::Month => TimePart::Month,
                    DateTimeField::Day => TimePart::Day,
                    DateTimeField::Hour => TimePart::Hour,
                    DateTimeField::Minute => TimePart::Minute,
                    DateTimeField::DayOfWeek | DateTimeField::Dow => TimePart::DayOfWeek,
                    other => {
                        return Err(error_at(
                            e.span(),
                            format!("EXTRACT of {other} is not supported"),
                        ))
                    }
                };
                Expr::Part(part, sub(expr, scope)?)
            }
            ast::Expr::Function(function) => self.function(function, e, scope)?,
            other => return Err(error_at(other.span(), format!("{other} is not supported"))),
        })
    }

    fn arguments<'q>(
        &self,
        function: &'q ast::Function,
    ) -> Result<(Vec<&'q ast::Expr>, bool, bool), SqlError> {
        // The arguments, whether one is `*`, and whether DISTINCT was given.
        if function.filter.is_some()
            || function.over.is_some()
            || function.null_treatment.is_some()
            || !function.within_group.is_empty()
            || matches!(&function.args, FunctionArguments::List(list) if !list.clauses.is_empty())
        {
            return Err(error_at(
                function.name.span(),
                "FILTER, OVER (window functions), WITHIN GROUP, IGNORE NULLS and ORDER BY inside a call are not supported",
            ));
        }
        match &function.args {
            FunctionArguments::None => Ok((Vec::new(), false, false)),
            FunctionArguments::Subquery(q) => {
                Err(error_at(q.span(), "a subquery is not supported"))
            }
            FunctionArguments::List(list) => {
                let distinct = matches!(
                    list.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                let mut args = Vec::new();
                let mut star = false;
                for arg in &list.args {
                    match arg {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(e),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => star = true,
                        other => {
                            return Err(error_at(other.span(), "this argument is not supported"))
                        }
                    }
                }
                Ok((args, star, distinct))
            }
        }
    }

    /// The aggregate a call is, if it is one.
    fn aggregate(&self, e: &ast::Expr) -> Result<Option<Agg>, SqlError> {
        let ast::Expr::Function(function) = e else {
            return Ok(None);
        };
        let name = function.name.to_string().to_ascii_lowercase();
        let Some(func) = aggregate_function(&name) else {
            return Ok(None);
        };
        let (args, star, distinct) = self.arguments(function)?;
        if star {
            if func != AggFunc::Count || !args.is_empty() {
                return Err(error_at(
                    e.span(),
                    format!("{name}(*) is not an aggregate; count(*) is"),
                ));
            }
            return Ok(Some(Agg::count_rows()));
        }
        let [arg] = args.as_slice() else {
            return Err(error_at(e.span(), format!("{name}() takes one argument")));
        };
        if has_aggregate(arg) {
            return Err(error_at(arg.span(), "an aggregate cannot hold another"));
        }
        let input = self.expr(arg, &mut Scope::Rows)?;
        let func = match (func, distinct) {
            (AggFunc::Count, true) => AggFunc::CountDistinct,
            (f, false) => f,
            (_, true) => {
                return Err(error_at(
                    e.span(),
                    format!("{name}(DISTINCT ...) is not supported; count(DISTINCT ...) is"),
                ))
            }
        };
        Ok(Some(Agg::new(func, input)))
    }

    fn function(
        &self,
        function: &ast::Function,
        e: &ast::Expr,
        scope: &mut Scope<'_>,
    ) -> Result<Expr, SqlError> {
        let name = function.name.to_string().to_ascii_lowercase();
        if aggregate_function(&name).is_some() {
            return Err(error_at(
                e.span(),
                format!("{name}() is an aggregate: it cannot be used in WHERE or in a group key"),
            ));
        }
        let (args, _, _) = self.arguments(function)?;
        let one = |args: &[&ast::Expr]| -> Result<ast::Expr, SqlError> {
            match args {
                [a] => Ok((*a).clone()),
                _ => Err(error_at(e.span(), format!("{name}() takes one argument"))),
            }
        };
        let part = |p: TimePart, scope: &mut Scope<'_>| -> Result<Expr, SqlError> {
            Ok(Expr::Part(p, Box::new(self.expr(&one(&args)?, scope)?)))
        };
        match name.as_str() {
            "year" => part(TimePart::Year, scope),
            "month" => part(TimePart::Month, scope),
            "day" | "dayofmonth" => part(TimePart::Day, scope),
            "hour" => part(TimePart::Hour, scope),
            "minute" => part(TimePart::Minute, scope),
            // DuckDB's weekday is its dayofweek (Sunday 0); isodow - 1 is pandas' weekday.
            "dayofweek" | "dow" | "weekday" => part(TimePart::DayOfWeek, scope),
            "date" => Ok(Expr::Cast(
                Box::new(self.expr(&one(&args)?, scope)?),
                DataType::Date32,
            )),
            "date_trunc" | "datetrunc" => match args.as_slice() {
                [unit, value] => {
                    let name = text_literal(unit)?;
                    let bin = TimeBin::unit(&name).ok_or_else(|| {
                        error_at(
                            unit.span(),
                            format!(
                                "'{name}' is not a unit of date_trunc (second, minute, hour, \
                                 day, week, month, quarter, year)"
                            ),
                        )
                    })?;
                    Ok(self.expr(value, scope)?.bin(bin))
                }
                _ => Err(error_at(e.span(), "date_trunc('unit', time)")),
            },
            "time_bucket" => match args.as_slice() {
                [width, value] => Ok(Expr::Bin(
                    interval(width)?,
                    Clock::Utc,
                    Box::new(self.expr(value, scope)?),
                )),
                _ => Err(error_at(
                    e.span(),
                    "time_bucket(INTERVAL '15 minutes', time)",
                )),
            },
            "coalesce" | "ifnull" | "fill_null" => {
                let mut values = args.iter().rev();
                let last = values
                    .next()
                    .ok_or_else(|| error_at(e.span(), "coalesce() needs values"))?;
                let mut result = self.expr(last, scope)?;
                for value in values {
                    result = Expr::FillNull(Box::new(self.expr(value, scope)?), Box::new(result));
                }
                Ok(result)
            }
            "round" => match args.as_slice() {
                [value] => Ok(self.expr(value, scope)?.round(0)),
                [value, digits] => Ok(self.expr(value, scope)?.round(digits_literal(digits)?)),
                _ => Err(error_at(e.span(), "round(number) or round(number, digits)")),
            },
            "abs" => Ok(self.expr(&one(&args)?, scope)?.abs()),
            "starts_with" | "prefix" => match args.as_slice() {
                [value, prefix] => Ok(self.expr(value, scope)?.starts_with(&text_literal(prefix)?)),
                _ => Err(error_at(e.span(), "starts_with(text, 'prefix')")),
            },
            _ => Err(error_at(
                function.name.span(),
                format!("no function {name}() here (see `pardata sql --help` for those there are)"),
            )),
        }
    }
}

fn aggregate_function(name: &str) -> Option<AggFunc> {
    Some(match name {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" | "mean" => AggFunc::Mean,
        "min" => AggFunc::Min,
        "max" => AggFunc::Max,
        "stddev" | "stddev_samp" | "std" => AggFunc::Std,
        "variance" | "var_samp" | "var" => AggFunc::Var,
        "first" => AggFunc::First,
        "last" => AggFunc::Last,
        _ => return None,
    })
}

fn has_aggregate(e: &ast::Expr) -> bool {
    let mut found = false;
    let _ = ast::visit_expressions(e, |x: &ast::Expr| {
        if let ast::Expr::Function(f) = x {
            if aggregate_function(&f.name.to_string().to_ascii_lowercase()).is_some() {
                found = true;
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    found
}

fn sort_key(o: &ast::OrderByExpr, expr: Expr) -> SortKey {
    let descending = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
    SortKey {
        expr,
        descending,
        // DuckDB's default: nulls last in either direction.
        nulls_first: o.options.nulls_first.unwrap_or(false),
    }
}

/// The output name of an unnamed select item: a column's name, or the item's text.
fn default_name(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Identifier(ident) => ident.value.clone(),
        ast::Expr::CompoundIdentifier(parts) => {
            parts.last().map(|p| p.value.clone()).unwrap_or_default()
        }
        other => other.to_string(),
    }
}

fn sql_type(t: &ast::DataType, span: Span) -> Result<DataType, SqlError> {
    use ast::DataType as T;
    Ok(match t {
        T::BigInt(_) | T::Int(_) | T::Integer(_) | T::SmallInt(_) | T::TinyInt(_) | T::Int64 => {
            DataType::Int64
        }
        T::Double(_)
        | T::DoublePrecision
        | T::Float(_)
        | T::Real
        | T::Float64
        | T::Decimal(_)
        | T::Numeric(_) => DataType::Float64,
        T::Varchar(_) | T::Text | T::String(_) | T::Char(_) => DataType::Utf8,
        T::Boolean | T::Bool => DataType::Boolean,
        T::Date => DataType::Date32,
        T::Timestamp(_, _) | T::Datetime(_) => DataType::Timestamp(TimeUnit::Microsecond, None),
        other => return Err(error_at(span, format!("CAST to {other} is not supported"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(query: &str) -> Result<Vec<super::super::Step>, SqlError> {
        let parsed = parse(query)?;
        Planner::new(vec!["a".into(), "b".into(), "s".into()]).steps(&parsed)
    }

    #[test]
    fn a_missing_column_is_placed_and_the_columns_named() {
        let error = steps("SELECT a,\n  tip FROM t").expect_err("no column tip");
        assert_eq!(
            error.to_string(),
            "query line 2, column 3: no column \"tip\"; the columns are a, b, s"
        );
    }

    #[test]
    fn a_bare_column_beside_an_aggregate_is_refused() {
        let error = steps("SELECT a, sum(b) FROM t").expect_err("a is not a key");
        assert!(
            error.to_string().contains("a must be in GROUP BY"),
            "{error}"
        );
    }

    #[test]
    fn aggregates_are_shared_and_keys_reused() {
        let planned = steps("SELECT a, sum(b) / count(*) AS m, sum(b) FROM t GROUP BY a HAVING sum(b) > 1 ORDER BY m DESC LIMIT 3")
            .expect("plans");
        let super::super::Step::Aggregate { keys, aggs } = &planned[0] else {
            panic!("an aggregate first: {planned:?}");
        };
        assert_eq!(keys.len(), 1);
        assert_eq!(aggs.len(), 2, "sum(b) once, count(*) once: {aggs:?}");
    }

    #[test]
    fn globs_match_as_shells_do() {
        assert!(wildcard("*.csv", "a.csv"));
        assert!(wildcard("trips_0?.parquet", "trips_01.parquet"));
        assert!(!wildcard("*.csv", "a.csv.gz"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn parse_errors_say_what_was_expected() {
        let error = steps("SELEC a FROM t").expect_err("a typo");
        assert!(error.to_string().contains("Expected"), "{error}");
    }
}
