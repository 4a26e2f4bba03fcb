//! `--schema FILE`: the types of chosen columns of CSV and JSON Lines files, instead of
//! the inferred ones.
//!
//! The file is a JSON object from column name to type, in pandas' dtype names:
//! `int64`, `float64`, `bool`, `string` (or `str`), `date`, `datetime64[UNIT]` and
//! `datetime64[UNIT, ZONE]` (UNIT one of `s`, `ms`, `us`, `ns`), as in
//! `{"id": "int64", "when": "datetime64[ns, UTC]", "zip": "string"}`. Columns it does not
//! name keep their inferred types; a column it names that a file lacks is an error naming
//! the file and its columns. A value that does not parse as its column's type is an error
//! naming the line (CSV) or the column (JSON Lines).

use std::path::Path;

use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use super::TableError;

/// Column types by name, as a schema file gives them.
pub type Types = Vec<(String, DataType)>;

/// The Arrow type of a pandas dtype name (see the module header).
///
/// ```
/// use arrow::datatypes::{DataType, TimeUnit};
/// use pardata::table::schema::parse_type;
///
/// assert_eq!(parse_type("int64"), Some(DataType::Int64));
/// assert_eq!(
///     parse_type("datetime64[ns, UTC]"),
///     Some(DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())))
/// );
/// assert_eq!(parse_type("complex128"), None);
/// ```
pub fn parse_type(name: &str) -> Option<DataType> {
    let name = name.trim();
    match name {
        "int64" | "int" => return Some(DataType::Int64),
        "float64" | "float" => return Some(DataType::Float64),
        "bool" | "boolean" => return Some(DataType::Boolean),
        "string" | "str" | "utf8" | "object" => return Some(DataType::Utf8),
        "date" => return Some(DataType::Date32),
        _ => {}
    }
    let inside = name.strip_prefix("datetime64[")?.strip_suffix(']')?;
    let (unit, zone) = match inside.split_once(',') {
        Some((unit, zone)) => (unit.trim(), Some(zone.trim().to_string())),
        None => (inside.trim(), None),
    };
    let unit = match unit {
        "s" => TimeUnit::Second,
        "ms" => TimeUnit::Millisecond,
        "us" => TimeUnit::Microsecond,
        "ns" => TimeUnit::Nanosecond,
        _ => return None,
    };
    Some(DataType::Timestamp(unit, zone.map(Into::into)))
}

/// The types of the schema file at `path`.
pub fn load(path: &Path) -> Result<Types, TableError> {
    let bad = |detail: String| TableError::Malformed {
        path: path.to_path_buf(),
        detail,
    };
    let text = std::fs::read_to_string(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| bad(format!("not a JSON object of column types ({e})")))?;
    object
        .into_iter()
        .map(|(column, value)| {
            let name = value.as_str().unwrap_or_default().to_string();
            parse_type(&name).map(|t| (column.clone(), t)).ok_or_else(|| {
                bad(format!(
                    "column {column:?}: {value} is not a type (int64, float64, bool, string, date, datetime64[ns], datetime64[ns, UTC])"
                ))
            })
        })
        .collect()
}

/// `schema` (of the file at `path`) with the columns `types` names given those types.
pub fn apply(schema: Schema, types: &Types, path: &Path) -> Result<Schema, TableError> {
    if let Some((missing, _)) = types
        .iter()
        .find(|(name, _)| schema.index_of(name).is_err())
    {
        return Err(TableError::Column {
            path: path.to_path_buf(),
            detail: format!(
                "--schema names the column {missing:?}, which is not there (the columns are: {})",
                super::column_list(&schema)
            ),
        });
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(
            |field| match types.iter().find(|(name, _)| name == field.name()) {
                Some((_, data_type)) => Field::new(field.name(), data_type.clone(), true),
                None => field.as_ref().clone(),
            },
        )
        .collect();
    Ok(Schema::new(fields))
}
