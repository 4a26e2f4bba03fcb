//! HDF5 files as Arrow tables: what pandas and h5py write, any rows of them.
//!
//! A key names what to read in the file (`--key`; with none, the file's only frame or
//! dataset):
//! - **pandas' table format** (`to_hdf(format="table")`, PyTables): the group's `table`
//!   dataset of records; each numeric field is a block of columns named by its
//!   `<field>_kind` attribute (a pickled list of names, protocol 0, as PyTables writes
//!   it), and the `index` field is the column `index` (a timestamp of the unit pandas'
//!   `index_kind` says, for a `DatetimeIndex`);
//! - **pandas' fixed format** (`to_hdf()`): each `block<N>_values` with its names in
//!   `block<N>_items` (numbers, times, and text and bools: `objects.rs`), the index
//!   `axis1` as the column `index`;
//! - **h5py datasets** of numbers: one dimension is one column named after the dataset;
//!   two are rows x columns (numpy's samples x features), the columns named `0`, `1`, ...
//!
//! Integers are int64, floats float64 (NaN stays NaN, as pandas reads it), the table
//! format's fixed-length text utf8 (its `nan` is null, as pandas reads it back), the fixed
//! format's object blocks utf8 or bool. A reader told to keep only numbers (`correlate`)
//! leaves text and bools out. Rows are read by range
//! (hyperslabs), so one large dataset is shared out over the ranks by rows
//! ([`super::pieces`]).

mod objects;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenUnicode};
use hdf5::{Dataset, File, Group, Location};
use ndarray::s;

use super::pieces::HDF5_ROWS;
use super::{Batches, Table, TableError};

/// What a key of an HDF5 file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A plain numeric dataset of one or two dimensions (h5py).
    Dataset,
    /// A pandas frame in the fixed format.
    FixedFrame,
    /// A pandas frame in the table format (PyTables).
    TableFrame,
}

/// One readable thing of an HDF5 file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its key (path in the file, without the leading `/`).
    pub key: String,
    /// What it is.
    pub kind: Kind,
    /// Its number of rows.
    pub rows: usize,
}

fn malformed(path: &Path, detail: impl std::fmt::Display) -> TableError {
    TableError::Malformed {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

fn open_file(path: &Path) -> Result<File, TableError> {
    File::open(path).map_err(|e| {
        malformed(
            path,
            format!("not a readable HDF5 file ({})", e.to_string().trim()),
        )
    })
}

/// The longest text attribute read (PyTables' pickled lists of names: about 64,000
/// bytes hold 4,000 names).
const ATTR_TEXT: usize = 1 << 16;

/// The longest name read from a dataset of names.
const NAME_TEXT: usize = 1024;

/// An attribute as text (fixed-length UTF-8, as PyTables writes them, ASCII, or
/// variable-length).
fn attr_text(location: &Location, name: &str) -> Option<String> {
    let attr = location.attr(name).ok()?;
    if attr.dtype().is_ok_and(|t| t.size() > ATTR_TEXT) {
        return None;
    }
    if let Ok(text) = attr.read_scalar::<FixedUnicode<ATTR_TEXT>>() {
        return Some(text.as_str().to_string());
    }
    if let Ok(text) = attr.read_scalar::<FixedAscii<ATTR_TEXT>>() {
        return Some(text.as_str().to_string());
    }
    attr.read_scalar::<VarLenUnicode>()
        .ok()
        .map(|t| t.as_str().to_string())
}

/// Whether a dataset's elements are numbers this reader takes.
fn numeric(descriptor: &TypeDescriptor) -> bool {
    matches!(
        descriptor,
        TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_) | TypeDescriptor::Float(_)
    )
}

/// Every frame and numeric dataset of the file at `path`, by key.
pub fn entries(path: &Path) -> Result<Vec<Entry>, TableError> {
    let file = open_file(path)?;
    let mut found = Vec::new();
    let root = file.group("/").map_err(|e| malformed(path, e))?;
    walk(path, &root, "", &mut found)?;
    Ok(found)
}

fn walk(
    path: &Path,
    group: &Group,
    prefix: &str,
    found: &mut Vec<Entry>,
) -> Result<(), TableError> {
    for name in group.member_names().map_err(|e| malformed(path, e))? {
        let key = format!("{prefix}{name}");
        if let Ok(inner) = group.group(&name) {
            match attr_text(&inner, "pandas_type").as_deref() {
                Some("frame_table") => {
                    let rows = inner.dataset("table").map(|d| d.shape()[0]).unwrap_or(0);
                    found.push(Entry {
                        key,
                        kind: Kind::TableFrame,
                        rows,
                    });
                }
                Some("frame") => {
                    // pandas writes the axes of an empty frame as one value with the
                    // real `shape` in an attribute.
                    let rows = inner
                        .dataset("axis1")
                        .map(|d| if d.attr("shape").is_ok() { 0 } else { d.size() })
                        .unwrap_or(0);
                    found.push(Entry {
                        key,
                        kind: Kind::FixedFrame,
                        rows,
                    });
                }
                Some(_) => {}
                None => walk(path, &inner, &format!("{key}/"), found)?,
            }
        } else if let Ok(dataset) = group.dataset(&name) {
            let descriptor = dataset.dtype().and_then(|t| t.to_descriptor());
            let shape = dataset.shape();
            if descriptor.is_ok_and(|d| numeric(&d)) && (1..=2).contains(&shape.len()) {
                found.push(Entry {
                    key,
                    kind: Kind::Dataset,
                    rows: shape[0],
                });
            }
        }
    }
    Ok(())
}

/// The entry `key` of the file at `path`, or its only one when `key` is `None`.
pub fn resolve(path: &Path, key: Option<&str>) -> Result<Entry, TableError> {
    let all = entries(path)?;
    let keys = || {
        all.iter()
            .map(|e| e.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match key {
        Some(key) => {
            let key = key.trim_start_matches('/');
            all.iter()
                .find(|e| e.key == key)
                .cloned()
                .ok_or_else(|| TableError::Column {
                    path: path.to_path_buf(),
                    detail: if all.is_empty() {
                        format!(
                            "no key {key:?}: the file holds no pandas frame and no numeric dataset"
                        )
                    } else {
                        format!("no key {key:?} (the keys are: {})", keys())
                    },
                })
        }
        None => match &all[..] {
            [only] => Ok(only.clone()),
            [] => Err(TableError::Column {
                path: path.to_path_buf(),
                detail: "no pandas frame and no numeric dataset in the file (pardata reads pandas' fixed and table formats and h5py datasets of numbers)".into(),
            }),
            _ => Err(TableError::Column {
                path: path.to_path_buf(),
                detail: format!("{} keys ({}): name one with --key", all.len(), keys()),
            }),
        },
    }
}

/// The batches of all rows of `key` (see [`resolve`]) of the file at `path`, read
/// [`HDF5_ROWS`] rows at a time; with `numbers_only`, text
/// columns are left out instead of refused.
pub fn open(path: &Path, key: Option<&str>, numbers_only: bool) -> Result<Batches, TableError> {
    let entry = resolve(path, key)?;
    let first = read(path, Some(&entry.key), Some(0..HDF5_ROWS), numbers_only)?;
    let schema = first.schema.clone();
    let (named, key) = (path.to_path_buf(), entry.key.clone());
    let rest = (HDF5_ROWS..entry.rows)
        .step_by(HDF5_ROWS)
        .map(move |start| {
            let table = read(
                &named,
                Some(&key),
                Some(start..start + HDF5_ROWS),
                numbers_only,
            )?;
            Ok(table.batches.into_iter().next())
        });
    let batches = first
        .batches
        .into_iter()
        .map(Ok)
        .chain(rest.filter_map(Result::transpose));
    Ok(Batches::new(path, schema, batches, |e: TableError| e))
}

/// Reads rows `rows` (all when `None`) of `key` (see [`resolve`]) of the file at `path`;
/// with `numbers_only`, text columns are left out instead of refused.
pub fn read(
    path: &Path,
    key: Option<&str>,
    rows: Option<Range<usize>>,
    numbers_only: bool,
) -> Result<Table, TableError> {
    let entry = resolve(path, key)?;
    let rows = rows.unwrap_or(0..entry.rows);
    let rows = rows.start.min(entry.rows)..rows.end.min(entry.rows);
    let file = open_file(path)?;
    let place = |e: &dyn std::fmt::Display| malformed(path, format!("key {:?}: {e}", entry.key));
    let columns = match entry.kind {
        Kind::Dataset => {
            let dataset = file.dataset(&entry.key).map_err(|e| place(&e))?;
            dataset_columns(&dataset, &entry.key, rows).map_err(|e| place(&e))?
        }
        Kind::FixedFrame => {
            let group = file.group(&entry.key).map_err(|e| place(&e))?;
            fixed_columns(&group, rows, numbers_only).map_err(|e| place(&e))?
        }
        Kind::TableFrame => {
            let group = file.group(&entry.key).map_err(|e| place(&e))?;
            let table = group.dataset("table").map_err(|e| place(&e))?;
            let columns = table_columns(&table, rows, numbers_only).map_err(|e| place(&e))?;
            // The frame's column order, which the value blocks do not keep.
            let order = attr_text(&group, "non_index_axes").map(|p| pickled_names(&p));
            in_order(columns, &order.unwrap_or_default())
        }
    };
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, array)| Field::new(name, array.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = columns.into_iter().map(|(_, array)| array).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| place(&e))?;
    Ok(Table {
        path: path.to_path_buf(),
        schema,
        batches: vec![batch],
    })
}

/// A named column.
type Column = (String, ArrayRef);

/// `columns` with the index first, then in the order of `names` (the frame's), then any
/// others as they came.
fn in_order(mut columns: Vec<Column>, names: &[String]) -> Vec<Column> {
    let rank = |name: &str| {
        if name == "index" {
            0
        } else {
            names
                .iter()
                .position(|n| n == name)
                .map_or(usize::MAX, |p| p + 1)
        }
    };
    columns.sort_by_key(|(name, _)| rank(name));
    columns
}

fn dataset_columns(dataset: &Dataset, key: &str, rows: Range<usize>) -> hdf5::Result<Vec<Column>> {
    let descriptor = dataset.dtype()?.to_descriptor()?;
    let float = matches!(descriptor, TypeDescriptor::Float(_));
    let name = key.rsplit('/').next().unwrap_or(key).to_string();
    if dataset.ndim() == 1 {
        let column: ArrayRef = if float {
            Arc::new(Float64Array::from(
                dataset.read_slice_1d::<f64, _>(s![rows])?.to_vec(),
            ))
        } else {
            Arc::new(Int64Array::from(
                dataset.read_slice_1d::<i64, _>(s![rows])?.to_vec(),
            ))
        };
        return Ok(vec![(name, column)]);
    }
    block_columns(dataset, &descriptor, rows, |k| k.to_string(), true)
}

/// The columns of a 2-D numeric dataset, rows `rows`, named by `name_of`; `by_rows`: the
/// dataset is rows x columns (else columns x rows).
fn block_columns(
    dataset: &Dataset,
    descriptor: &TypeDescriptor,
    rows: Range<usize>,
    name_of: impl Fn(usize) -> String,
    by_rows: bool,
) -> hdf5::Result<Vec<Column>> {
    fn rows_of<T: hdf5::H5Type>(
        dataset: &Dataset,
        rows: Range<usize>,
        by_rows: bool,
    ) -> hdf5::Result<ndarray::Array2<T>> {
        if by_rows {
            dataset.read_slice_2d::<T, _>(s![rows, ..])
        } else {
            Ok(dataset.read_slice_2d::<T, _>(s![.., rows])?.reversed_axes())
        }
    }
    let arrays: Vec<ArrayRef> = if matches!(descriptor, TypeDescriptor::Float(_)) {
        let block = rows_of::<f64>(dataset, rows, by_rows)?;
        block
            .columns()
            .into_iter()
            .map(|c| Arc::new(Float64Array::from(c.to_vec())) as ArrayRef)
            .collect()
    } else {
        let block = rows_of::<i64>(dataset, rows, by_rows)?;
        block
            .columns()
            .into_iter()
            .map(|c| Arc::new(Int64Array::from(c.to_vec())) as ArrayRef)
            .collect()
    };
    Ok(arrays
        .into_iter()
        .enumerate()
        .map(|(k, array)| (name_of(k), array))
        .collect())
}

/// Names stored as a dataset of strings (pandas' `axis0`, `block<N>_items`).
fn names_of(dataset: &Dataset) -> hdf5::Result<Vec<String>> {
    if let Ok(names) = dataset.read_raw::<FixedUnicode<NAME_TEXT>>() {
        return Ok(names.iter().map(|n| n.as_str().to_string()).collect());
    }
    if let Ok(names) = dataset.read_raw::<VarLenUnicode>() {
        return Ok(names.iter().map(|n| n.as_str().to_string()).collect());
    }
    Ok(dataset
        .read_raw::<FixedAscii<NAME_TEXT>>()?
        .iter()
        .map(|n| n.as_str().to_string())
        .collect())
}

/// The Arrow type of pandas' index kind (`datetime64`, `datetime64[us]`), if a time.
fn time_type(kind: Option<&str>) -> Option<DataType> {
    let kind = kind?;
    let unit = kind.strip_prefix("datetime64")?;
    let unit = match unit.trim_matches(|c| c == '[' || c == ']') {
        "s" => TimeUnit::Second,
        "ms" => TimeUnit::Millisecond,
        "us" => TimeUnit::Microsecond,
        _ => TimeUnit::Nanosecond,
    };
    Some(DataType::Timestamp(unit, None))
}

/// A block's int64 column of times as `time` (a timestamp type), pandas' NaT (the
/// smallest int64) as null.
fn as_times(ints: &ArrayRef, time: &DataType) -> Result<ArrayRef, hdf5::Error> {
    let ints = ints
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or_else(|| hdf5::Error::from("a datetime64 block that is not of int64"))?;
    let with_nat: Int64Array = ints.iter().map(|v| v.filter(|&v| v != i64::MIN)).collect();
    arrow::compute::cast(&with_nat, time).map_err(|e| hdf5::Error::from(e.to_string()))
}

/// The index column from its raw integers and pandas' kind.
fn index_column(values: Vec<i64>, kind: Option<&str>) -> Result<Column, hdf5::Error> {
    let ints: ArrayRef = Arc::new(Int64Array::from(values));
    let column = match time_type(kind) {
        Some(time) => {
            arrow::compute::cast(&ints, &time).map_err(|e| hdf5::Error::from(e.to_string()))?
        }
        None => ints,
    };
    Ok(("index".to_string(), column))
}

fn fixed_columns(
    group: &Group,
    rows: Range<usize>,
    numbers_only: bool,
) -> hdf5::Result<Vec<Column>> {
    let axis = group.dataset("axis1")?;
    let mut columns = Vec::new();
    let index_kind = attr_text(&axis, "kind");
    if axis.dtype()?.to_descriptor().is_ok_and(|d| numeric(&d)) {
        let values = axis.read_slice_1d::<i64, _>(s![rows.clone()])?.to_vec();
        let kind = match (index_kind.as_deref(), attr_text(&axis, "unit")) {
            (Some("datetime64"), Some(unit)) => Some(format!("datetime64[{unit}]")),
            (kind, _) => kind.map(str::to_string),
        };
        columns.push(index_column(values, kind.as_deref())?);
    }
    let blocks: i64 = group.attr("nblocks")?.read_scalar()?;
    for block in 0..blocks {
        let names = names_of(&group.dataset(&format!("block{block}_items"))?)?;
        let values = group.dataset(&format!("block{block}_values"))?;
        let objects = objects::is_object_block(&values);
        let bools = !objects && objects::is_bitfield(&values);
        if (objects || bools) && numbers_only {
            continue;
        }
        if objects {
            columns.extend(objects::object_columns(&values, &names, rows.clone())?);
            continue;
        }
        if bools {
            columns.extend(objects::bool_columns(&values, &names, rows.clone())?);
            continue;
        }
        let descriptor = values.dtype()?.to_descriptor()?;
        if !numeric(&descriptor) || values.ndim() != 2 {
            if numbers_only {
                continue;
            }
            return Err(hdf5::Error::from(format!(
                "columns {} are of HDF5 type {descriptor:?}, which pardata does not read",
                names.join(", ")
            )));
        }
        // pandas writes the block as rows x columns with `transposed` set.
        let by_rows = values.shape()[1] == names.len();
        let block = block_columns(
            &values,
            &descriptor,
            rows.clone(),
            |k| names[k].clone(),
            by_rows,
        )?;
        match time_type(attr_text(&values, "value_type").as_deref()) {
            Some(DataType::Timestamp(unit, _)) => {
                let zoned = DataType::Timestamp(unit, attr_text(&values, "tz").map(Into::into));
                for (name, ints) in block {
                    columns.push((name, as_times(&ints, &zoned)?));
                }
            }
            _ => columns.extend(block),
        }
    }
    let order = names_of(&group.dataset("axis0")?)?;
    Ok(in_order(columns, &order))
}

/// The names a PyTables attribute holds as a pickled list of strings (protocol 0: a
/// `V<text>` or `I<number>` line per item).
fn pickled_names(pickle: &str) -> Vec<String> {
    pickle
        .split('\n')
        .filter_map(|line| {
            let line = line.trim_start_matches(['(', 'l', 'a']);
            if let Some(text) = line.strip_prefix('V') {
                Some(unescape(text))
            } else {
                line.strip_prefix('I')
                    .or_else(|| line.strip_prefix('L'))
                    .map(|n| n.trim_end_matches('L').to_string())
            }
        })
        .collect()
}

/// Undoes pickle's raw-unicode-escape (`\uXXXX`, `\UXXXXXXXX`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let width = match tail.chars().next() {
            Some('u') => 4,
            Some('U') => 8,
            _ => 0,
        };
        let code = tail
            .get(1..1 + width)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) if width > 0 => {
                out.push(c);
                rest = &tail[1 + width..];
            }
            _ => {
                out.push('\\');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

fn table_columns(
    table: &Dataset,
    rows: Range<usize>,
    numbers_only: bool,
) -> hdf5::Result<Vec<Column>> {
    // Missing text is stored as this text (pandas' `nan_rep`).
    let missing = "nan";
    let mut columns = Vec::new();
    for field in record_fields(table)? {
        let shape = field.shape;
        let width = shape.width;
        let read = |element| read_field(table, &field.name, element, shape, rows.clone());
        if field.name == "index" && matches!(field.element, Some(Element::Integer)) {
            let values = integers(&read(Element::Integer)?);
            columns.push(index_column(
                values,
                attr_text(table, "index_kind").as_deref(),
            )?);
            continue;
        }
        let kind = format!("{}_kind", field.name);
        let pickled = (field.name != "index")
            .then(|| attr_text(table, &kind))
            .flatten()
            .map(|p| pickled_names(&p));
        let names = match pickled {
            Some(names) if names.len() == width => names,
            Some(_) => {
                return Err(hdf5::Error::from(format!(
                    "the names of the field {} ({kind}) could not be read",
                    field.name
                )))
            }
            None if width == 1 => vec![field.name.clone()],
            None => (0..width).map(|k| format!("{}_{k}", field.name)).collect(),
        };
        let element = match field.element {
            Some(Element::Text(..) | Element::Bool) | None if numbers_only => continue,
            Some(element) => element,
            None => {
                return Err(hdf5::Error::from(format!(
                    "columns {} are of an HDF5 type this reader does not read",
                    names.join(", ")
                )))
            }
        };
        let bytes = read(element)?;
        let at = |r: usize, k: usize| r * width + k;
        // Each value decoded once, whatever the block's width.
        let (values, ints) = match element {
            Element::Float => (floats(&bytes), Vec::new()),
            Element::Integer => (Vec::new(), integers(&bytes)),
            Element::Text(..) | Element::Bool => (Vec::new(), Vec::new()),
        };
        for (k, name) in names.into_iter().enumerate() {
            let column: ArrayRef = match element {
                Element::Float => Arc::new(Float64Array::from_iter_values(
                    (0..rows.len()).map(|r| values[at(r, k)]),
                )),
                Element::Integer => Arc::new(Int64Array::from_iter_values(
                    (0..rows.len()).map(|r| ints[at(r, k)]),
                )),
                Element::Bool => Arc::new(BooleanArray::from_iter(
                    (0..rows.len()).map(|r| Some(bytes[at(r, k)] != 0)),
                )),
                Element::Text(size, _) => {
                    Arc::new(StringArray::from_iter((0..rows.len()).map(|r| {
                        let raw = &bytes[at(r, k) * size..(at(r, k) + 1) * size];
                        let end = raw.iter().position(|&b| b == 0).unwrap_or(size);
                        let text = String::from_utf8_lossy(&raw[..end]).into_owned();
                        (text != missing).then_some(text)
                    })))
                }
            };
            columns.push((name, column));
        }
    }
    Ok(columns)
}

/// The memory type of one value of a field for [`read_field`].
#[derive(Debug, Clone, Copy)]
enum Element {
    Float,
    Integer,
    /// numpy's bool, as PyTables stores it (an 8-bit bitfield).
    Bool,
    /// Fixed-length text of this many bytes, UTF-8 or ASCII.
    Text(usize, bool),
}

impl Element {
    fn size(self) -> usize {
        match self {
            Element::Float | Element::Integer => 8,
            Element::Bool => 1,
            Element::Text(size, _) => size,
        }
    }
}

/// How a field of a record holds its values: `width` of them, as an array (PyTables'
/// value blocks, even of one column) or a scalar.
#[derive(Debug, Clone, Copy)]
struct Shape {
    width: usize,
    array: bool,
}

/// A field of a table's records: its name, how its values read (`None`: a type this
/// reader does not read) and how many there are per record.
struct RecordField {
    name: String,
    element: Option<Element>,
    shape: Shape,
}

/// The fields of a compound dataset's records, from the C API (hdf5-metno's type
/// descriptors refuse a whole record for one bitfield member, which PyTables' bools are).
fn record_fields(table: &Dataset) -> hdf5::Result<Vec<RecordField>> {
    use hdf5_sys::h5::H5free_memory;
    use hdf5_sys::h5d::H5Dget_type;
    use hdf5_sys::h5t::{
        H5T_class_t, H5T_cset_t, H5Tclose, H5Tcopy, H5Tget_class, H5Tget_cset, H5Tget_member_name,
        H5Tget_member_type, H5Tget_nmembers, H5Tget_size, H5Tget_super, H5Tis_variable_str,
    };

    hdf5::sync::sync(|| {
        // SAFETY: every id opened here is closed here, and each member name HDF5
        // allocates is freed with its allocator once copied.
        unsafe {
            let record = H5Dget_type(table.id());
            if record < 0 {
                return Err(hdf5::Error::from(
                    "cannot read the table's record type".to_string(),
                ));
            }
            if H5Tget_class(record) != H5T_class_t::H5T_COMPOUND {
                H5Tclose(record);
                return Err(hdf5::Error::from(
                    "the table's records are not compound".to_string(),
                ));
            }
            let mut fields = Vec::new();
            for k in 0..H5Tget_nmembers(record).max(0) as u32 {
                let raw = H5Tget_member_name(record, k);
                if raw.is_null() {
                    continue;
                }
                let name = std::ffi::CStr::from_ptr(raw).to_string_lossy().into_owned();
                H5free_memory(raw.cast());
                let member = H5Tget_member_type(record, k);
                let array = H5Tget_class(member) == H5T_class_t::H5T_ARRAY;
                let value = if array {
                    H5Tget_super(member)
                } else {
                    H5Tcopy(member)
                };
                let size = H5Tget_size(value);
                let width = H5Tget_size(member).checked_div(size).unwrap_or(0);
                let element = match H5Tget_class(value) {
                    H5T_class_t::H5T_INTEGER => Some(Element::Integer),
                    H5T_class_t::H5T_FLOAT => Some(Element::Float),
                    H5T_class_t::H5T_BITFIELD if size == 1 => Some(Element::Bool),
                    H5T_class_t::H5T_STRING if H5Tis_variable_str(value) <= 0 => Some(
                        Element::Text(size, H5Tget_cset(value) == H5T_cset_t::H5T_CSET_UTF8),
                    ),
                    _ => None,
                };
                H5Tclose(value);
                H5Tclose(member);
                fields.push(RecordField {
                    name,
                    element,
                    shape: Shape { width, array },
                });
            }
            H5Tclose(record);
            Ok(fields)
        }
    })
}

/// The float64 values of [`read_field`]'s bytes.
fn floats(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_ne_bytes(b.try_into().unwrap_or([0; 8])))
        .collect()
}

/// The int64 values of [`read_field`]'s bytes.
fn integers(bytes: &[u8]) -> Vec<i64> {
    bytes
        .chunks_exact(8)
        .map(|b| i64::from_ne_bytes(b.try_into().unwrap_or([0; 8])))
        .collect()
}

/// Rows `rows` of the field `name` of a compound dataset, as bytes of `element` values
/// (`shape.width` per row): HDF5 picks the field out of each record by name and converts
/// its values to the memory type.
fn read_field(
    table: &Dataset,
    name: &str,
    element: Element,
    shape: Shape,
    rows: Range<usize>,
) -> hdf5::Result<Vec<u8>> {
    use hdf5_sys::h5t::{
        H5T_class_t, H5T_cset_t, H5T_str_t, H5Tarray_create2, H5Tclose, H5Tcopy, H5Tcreate,
        H5Tinsert, H5Tset_cset, H5Tset_size, H5Tset_strpad, H5T_C_S1, H5T_NATIVE_B8,
        H5T_NATIVE_DOUBLE, H5T_NATIVE_INT64,
    };

    let Shape { width, array } = shape;
    let length = rows.len();
    let mut bytes = vec![0u8; length * width * element.size()];
    if length == 0 {
        return Ok(bytes);
    }
    let field = std::ffi::CString::new(name).map_err(|e| hdf5::Error::from(e.to_string()))?;
    hdf5::sync::sync(|| {
        // SAFETY: every id made here is closed here; the buffer holds `length` records of
        // `width` values of `element.size()` bytes, which is what the memory type and the
        // memory space describe.
        unsafe {
            let value = match element {
                Element::Float => H5Tcopy(*H5T_NATIVE_DOUBLE),
                Element::Integer => H5Tcopy(*H5T_NATIVE_INT64),
                Element::Bool => H5Tcopy(*H5T_NATIVE_B8),
                Element::Text(size, utf8) => {
                    let text = H5Tcopy(*H5T_C_S1);
                    H5Tset_size(text, size);
                    // Padded, not terminated: a value that fills the width keeps its
                    // last byte (the text ends at the first NUL either way).
                    H5Tset_strpad(text, H5T_str_t::H5T_STR_NULLPAD);
                    if utf8 {
                        H5Tset_cset(text, H5T_cset_t::H5T_CSET_UTF8);
                    }
                    text
                }
            };
            let member = if array {
                let dims = [width as u64];
                H5Tarray_create2(value, 1, dims.as_ptr())
            } else {
                H5Tcopy(value)
            };
            let record = H5Tcreate(H5T_class_t::H5T_COMPOUND, width * element.size());
            H5Tinsert(record, field.as_ptr(), 0, member);
            let status = read_hyperslab(
                table,
                record,
                &[rows.start as u64],
                &[length as u64],
                bytes.as_mut_ptr().cast(),
            );
            H5Tclose(record);
            H5Tclose(member);
            H5Tclose(value);
            if status < 0 {
                return Err(hdf5::Error::from(format!("cannot read the field {name}")));
            }
            Ok(bytes)
        }
    })
}

/// Reads the hyperslab of `count` elements from `start` (one number per dimension) of
/// `dataset` into `buffer`, as `memory_type`; HDF5's status.
///
/// # Safety
/// `buffer` must hold the product of `count` elements of `memory_type`, and the caller
/// must hold hdf5's lock (`hdf5::sync::sync`).
unsafe fn read_hyperslab(
    dataset: &Dataset,
    memory_type: hdf5_sys::h5i::hid_t,
    start: &[u64],
    count: &[u64],
    buffer: *mut std::ffi::c_void,
) -> hdf5_sys::h5::herr_t {
    use hdf5_sys::h5d::{H5Dget_space, H5Dread};
    use hdf5_sys::h5p::H5P_DEFAULT;
    use hdf5_sys::h5s::{H5S_seloper_t, H5Sclose, H5Screate_simple, H5Sselect_hyperslab};

    let file_space = H5Dget_space(dataset.id());
    H5Sselect_hyperslab(
        file_space,
        H5S_seloper_t::H5S_SELECT_SET,
        start.as_ptr(),
        std::ptr::null(),
        count.as_ptr(),
        std::ptr::null(),
    );
    let memory_space = H5Screate_simple(count.len() as i32, count.as_ptr(), std::ptr::null());
    let status = H5Dread(
        dataset.id(),
        memory_type,
        memory_space,
        file_space,
        H5P_DEFAULT,
        buffer,
    );
    H5Sclose(memory_space);
    H5Sclose(file_space);
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytables_pickled_names() {
        assert_eq!(pickled_names("(lp0\nVa\np1\naVd\np2\na."), ["a", "d"]);
        assert_eq!(pickled_names("(lp0\nVcaf\\u00e9\np1\na."), ["café"]);
        assert_eq!(pickled_names("(lp0\nI0\naI1\na."), ["0", "1"]);
    }

    #[test]
    fn pandas_index_kinds() {
        assert_eq!(
            time_type(Some("datetime64[us]")),
            Some(DataType::Timestamp(TimeUnit::Microsecond, None))
        );
        assert_eq!(
            time_type(Some("datetime64")),
            Some(DataType::Timestamp(TimeUnit::Nanosecond, None))
        );
        assert_eq!(time_type(Some("integer")), None);
    }
}
