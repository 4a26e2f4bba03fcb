//! Rows on the wire: batches cross between ranks as Arrow IPC streams (the schema, then
//! each batch's buffers as they are in memory), the columnar format's own, so that sending
//! a column is a copy of its buffers, not a loop over its rows.

use std::io::Cursor;

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;

use super::FrameError;

fn internal(error: arrow::error::ArrowError) -> FrameError {
    FrameError::Internal(format!("rows between ranks: {error}"))
}

/// `batches` (of `schema`) as one IPC stream.
pub(super) fn encode(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>, FrameError> {
    let bytes: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
    let mut writer =
        StreamWriter::try_new(Vec::with_capacity(bytes + 1024), schema).map_err(internal)?;
    for batch in batches {
        writer.write(batch).map_err(internal)?;
    }
    writer.into_inner().map_err(internal)
}

/// The rows of the IPC streams `bytes`, cut at `lengths` (one stream after another), as
/// one batch of `schema`.
pub(super) fn decode(
    schema: &SchemaRef,
    bytes: &[u8],
    lengths: impl IntoIterator<Item = usize>,
) -> Result<RecordBatch, FrameError> {
    let mut batches = Vec::new();
    let mut start = 0;
    for length in lengths {
        let stream = &bytes[start..start + length];
        start += length;
        if stream.is_empty() {
            continue;
        }
        for batch in StreamReader::try_new(Cursor::new(stream), None).map_err(internal)? {
            batches.push(batch.map_err(internal)?);
        }
    }
    concat_batches(schema, &batches).map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, DictionaryArray, Float64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Int32Type, Schema};
    use std::sync::Arc;

    #[test]
    fn streams_cut_at_their_lengths_give_back_their_rows_in_order() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("x", DataType::Float64, true),
            Field::new("s", DataType::Utf8, true),
            Field::new(
                "d",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            ),
        ]));
        let batch = |xs: Vec<Option<f64>>, ss: Vec<Option<&str>>, ds: Vec<&str>| {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(Float64Array::from(xs)),
                Arc::new(StringArray::from(ss)),
                Arc::new(ds.into_iter().collect::<DictionaryArray<Int32Type>>()),
            ];
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        };
        let a = batch(vec![Some(1.0), None], vec![None, Some("é")], vec!["p", "q"]);
        let b = batch(vec![Some(f64::NAN)], vec![Some("")], vec!["q"]);
        let first = encode(&schema, &[a.clone(), b.clone()]).unwrap();
        let second = encode(&schema, std::slice::from_ref(&b)).unwrap();
        let empty = encode(&schema, &[]).unwrap();
        let lengths = [first.len(), 0, empty.len(), second.len()];
        let bytes = [first, empty, second].concat();
        let got = decode(&schema, &bytes, lengths).unwrap();
        let want = concat_batches(&schema, &[a, b.clone(), b]).unwrap();
        assert_eq!(format!("{got:?}"), format!("{want:?}"));
    }
}
