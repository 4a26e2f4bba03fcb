//! Python pickles of numpy object arrays, as PyTables' `ObjectAtom` keeps pandas' text
//! columns (and bool columns with missing values) in the fixed format: the pickle of
//! `numpy.array([v0, v1, ...], 'O')`, in pickle protocol 2, built a value at a time.
//!
//! Semantics: each value is a Python `str`, `True`, `False`, or `float('nan')` for a
//! missing one (what `pandas.read_csv` gives for a missing text or bool). The pickle calls
//! `numpy.array`, which numpy 1 and numpy 2 both have under that name, so either unpickles
//! it (numpy's own pickles name `numpy.core` or `numpy._core`, which differ between them).
//! Values are appended in runs of 1,000, as Python's own pickler does, so that unpickling
//! never holds more than a run on its stack.

/// Values appended per `MARK ... APPENDS` run.
const RUN: usize = 1000;

/// A numpy object array being pickled.
///
/// ```
/// use pardata::io::frame::pickle::ObjectArray;
///
/// let mut column = ObjectArray::new();
/// column.push_text("a");
/// column.push_missing();
/// column.push_bool(true);
/// assert_eq!(column.len(), 3);
/// let bytes = column.finish();
/// assert_eq!(&bytes[..2], b"\x80\x02");
/// assert_eq!(bytes.last(), Some(&b'.'));
/// ```
#[derive(Debug, Clone)]
pub struct ObjectArray {
    bytes: Vec<u8>,
    len: usize,
    /// Values since the last `MARK`.
    in_run: usize,
}

impl Default for ObjectArray {
    fn default() -> Self {
        ObjectArray::new()
    }
}

impl ObjectArray {
    /// An array of no values yet.
    pub fn new() -> ObjectArray {
        // PROTO 2, GLOBAL numpy.array, EMPTY_LIST.
        let mut bytes = b"\x80\x02cnumpy\narray\n]".to_vec();
        bytes.reserve(4096);
        ObjectArray {
            bytes,
            len: 0,
            in_run: 0,
        }
    }

    /// The number of values appended.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no value was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a Python `str`.
    pub fn push_text(&mut self, text: &str) {
        self.open_run();
        binunicode(&mut self.bytes, text);
        self.close_full_run();
    }

    /// Appends `True` or `False`.
    pub fn push_bool(&mut self, value: bool) {
        self.open_run();
        self.bytes.push(if value { 0x88 } else { 0x89 });
        self.close_full_run();
    }

    /// Appends a missing value (`float('nan')`).
    pub fn push_missing(&mut self) {
        self.open_run();
        self.bytes.push(b'G');
        self.bytes.extend_from_slice(&f64::NAN.to_be_bytes());
        self.close_full_run();
    }

    /// The pickle's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.close_run();
        // The dtype 'O', the argument tuple (list, 'O'), the call, the end.
        binunicode(&mut self.bytes, "O");
        self.bytes.extend_from_slice(b"\x86R.");
        self.bytes
    }

    /// Counts a value, opening a run (`MARK`) before the first of one.
    fn open_run(&mut self) {
        if self.in_run == 0 {
            self.bytes.push(b'(');
        }
        self.in_run += 1;
        self.len += 1;
    }

    fn close_full_run(&mut self) {
        if self.in_run == RUN {
            self.close_run();
        }
    }

    /// Appends the run's values to the list (`APPENDS`).
    fn close_run(&mut self) {
        if self.in_run > 0 {
            self.bytes.push(b'e');
            self.in_run = 0;
        }
    }
}

/// Appends `text` to `bytes` as a `BINUNICODE`, or as a `BINUNICODE8` when it is 4 GiB or
/// longer (Python's unpickler takes any protocol's opcodes), so that no text is cut.
fn binunicode(bytes: &mut Vec<u8>, text: &str) {
    match u32::try_from(text.len()) {
        Ok(length) => {
            bytes.push(b'X');
            bytes.extend_from_slice(&length.to_le_bytes());
        }
        Err(_) => {
            bytes.push(0x8d);
            bytes.extend_from_slice(&(text.len() as u64).to_le_bytes());
        }
    }
    bytes.extend_from_slice(text.as_bytes());
}
